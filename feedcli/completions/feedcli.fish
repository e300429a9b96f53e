# Static fish completion for feedcli.
# GENERATED from the feedcli command tree by feedcli/completion_scripts.py: do not edit.
# Regenerate: python -m feedcli.completion_scripts   (tests/e2e/test_completions.py fails while this is stale)
# Use: copy this file to ~/.config/fish/completions/feedcli.fish

complete -c feedcli -f  # no file names unless an option or argument wants them

function __feedcli_commands --description 'Print the subcommands of a command path'
    switch $argv[1]
        case ''
            printf '%s\n' stream record replay export search providers demo simulate login logout auth completion
        case stream
            printf '%s\n' tse ime datafye moex binance okx coinbase bybit kucoin gate
        case record
            printf '%s\n' tse ime datafye moex binance okx coinbase bybit kucoin gate
        case simulate
            printf '%s\n' tse ime datafye moex binance okx coinbase bybit kucoin gate
        case auth
            printf '%s\n' status token login logout
    end
end

function __feedcli_arity --description 'Print how many words follow an option of a command path'
    switch "$argv[1]|$argv[2]"
        case 'stream tse|--isin'
            echo 1
        case 'stream tse|--name'
            echo 1
        case 'stream tse|-c' 'stream tse|--channel'
            echo 1
        case 'stream tse|--url'
            echo 1
        case 'stream tse|--format'
            echo 1
        case 'stream tse|-o' 'stream tse|--output'
            echo 1
        case 'stream tse|--limit'
            echo 1
        case 'stream tse|--duration'
            echo 1
        case 'stream tse|--stale-after'
            echo 1
        case 'stream tse|--max-retries'
            echo 1
        case 'stream tse|--ping-interval'
            echo 1
        case 'stream tse|--profile'
            echo 1
        case 'stream tse|--fps'
            echo 1
        case 'stream tse|--focus'
            echo 1
        case 'stream tse|--tz'
            echo 1
        case 'stream tse|--sink'
            echo 1
        case 'stream ime|--contract-id'
            echo 1
        case 'stream ime|--contract-name'
            echo 1
        case 'stream ime|--url'
            echo 1
        case 'stream ime|--format'
            echo 1
        case 'stream ime|-o' 'stream ime|--output'
            echo 1
        case 'stream ime|--limit'
            echo 1
        case 'stream ime|--duration'
            echo 1
        case 'stream ime|--stale-after'
            echo 1
        case 'stream ime|--max-retries'
            echo 1
        case 'stream ime|--ping-interval'
            echo 1
        case 'stream ime|--profile'
            echo 1
        case 'stream ime|--fps'
            echo 1
        case 'stream ime|--focus'
            echo 1
        case 'stream ime|--tz'
            echo 1
        case 'stream ime|--sink'
            echo 1
        case 'stream datafye|--symbol'
            echo 1
        case 'stream datafye|-c' 'stream datafye|--channel'
            echo 1
        case 'stream datafye|--dataset'
            echo 1
        case 'stream datafye|--frequency'
            echo 1
        case 'stream datafye|--from'
            echo 1
        case 'stream datafye|--to'
            echo 1
        case 'stream datafye|--deployment'
            echo 1
        case 'stream datafye|--user'
            echo 1
        case 'stream datafye|--type'
            echo 1
        case 'stream datafye|--env'
            echo 1
        case 'stream datafye|--url'
            echo 1
        case 'stream datafye|--format'
            echo 1
        case 'stream datafye|-o' 'stream datafye|--output'
            echo 1
        case 'stream datafye|--limit'
            echo 1
        case 'stream datafye|--duration'
            echo 1
        case 'stream datafye|--stale-after'
            echo 1
        case 'stream datafye|--max-retries'
            echo 1
        case 'stream datafye|--ping-interval'
            echo 1
        case 'stream datafye|--profile'
            echo 1
        case 'stream datafye|--fps'
            echo 1
        case 'stream datafye|--focus'
            echo 1
        case 'stream datafye|--tz'
            echo 1
        case 'stream datafye|--sink'
            echo 1
        case 'stream moex|--ticker'
            echo 1
        case 'stream moex|--stream'
            echo 1
        case 'stream moex|--interval'
            echo 1
        case 'stream moex|--heartbeat'
            echo 1
        case 'stream moex|--url'
            echo 1
        case 'stream moex|--format'
            echo 1
        case 'stream moex|-o' 'stream moex|--output'
            echo 1
        case 'stream moex|--limit'
            echo 1
        case 'stream moex|--duration'
            echo 1
        case 'stream moex|--stale-after'
            echo 1
        case 'stream moex|--max-retries'
            echo 1
        case 'stream moex|--ping-interval'
            echo 1
        case 'stream moex|--profile'
            echo 1
        case 'stream moex|--fps'
            echo 1
        case 'stream moex|--focus'
            echo 1
        case 'stream moex|--tz'
            echo 1
        case 'stream moex|--sink'
            echo 1
        case 'stream binance|--pair'
            echo 1
        case 'stream binance|--interval'
            echo 1
        case 'stream binance|--backfill'
            echo 1
        case 'stream binance|--channel'
            echo 1
        case 'stream binance|--depth'
            echo 1
        case 'stream binance|--url'
            echo 1
        case 'stream binance|--format'
            echo 1
        case 'stream binance|-o' 'stream binance|--output'
            echo 1
        case 'stream binance|--limit'
            echo 1
        case 'stream binance|--duration'
            echo 1
        case 'stream binance|--stale-after'
            echo 1
        case 'stream binance|--max-retries'
            echo 1
        case 'stream binance|--ping-interval'
            echo 1
        case 'stream binance|--profile'
            echo 1
        case 'stream binance|--fps'
            echo 1
        case 'stream binance|--focus'
            echo 1
        case 'stream binance|--tz'
            echo 1
        case 'stream binance|--sink'
            echo 1
        case 'stream okx|--pair'
            echo 1
        case 'stream okx|--interval'
            echo 1
        case 'stream okx|--backfill'
            echo 1
        case 'stream okx|--channel'
            echo 1
        case 'stream okx|--depth'
            echo 1
        case 'stream okx|--url'
            echo 1
        case 'stream okx|--format'
            echo 1
        case 'stream okx|-o' 'stream okx|--output'
            echo 1
        case 'stream okx|--limit'
            echo 1
        case 'stream okx|--duration'
            echo 1
        case 'stream okx|--stale-after'
            echo 1
        case 'stream okx|--max-retries'
            echo 1
        case 'stream okx|--ping-interval'
            echo 1
        case 'stream okx|--profile'
            echo 1
        case 'stream okx|--fps'
            echo 1
        case 'stream okx|--focus'
            echo 1
        case 'stream okx|--tz'
            echo 1
        case 'stream okx|--sink'
            echo 1
        case 'stream coinbase|--pair'
            echo 1
        case 'stream coinbase|--interval'
            echo 1
        case 'stream coinbase|--backfill'
            echo 1
        case 'stream coinbase|--channel'
            echo 1
        case 'stream coinbase|--depth'
            echo 1
        case 'stream coinbase|--url'
            echo 1
        case 'stream coinbase|--format'
            echo 1
        case 'stream coinbase|-o' 'stream coinbase|--output'
            echo 1
        case 'stream coinbase|--limit'
            echo 1
        case 'stream coinbase|--duration'
            echo 1
        case 'stream coinbase|--stale-after'
            echo 1
        case 'stream coinbase|--max-retries'
            echo 1
        case 'stream coinbase|--ping-interval'
            echo 1
        case 'stream coinbase|--profile'
            echo 1
        case 'stream coinbase|--fps'
            echo 1
        case 'stream coinbase|--focus'
            echo 1
        case 'stream coinbase|--tz'
            echo 1
        case 'stream coinbase|--sink'
            echo 1
        case 'stream bybit|--pair'
            echo 1
        case 'stream bybit|--interval'
            echo 1
        case 'stream bybit|--backfill'
            echo 1
        case 'stream bybit|--channel'
            echo 1
        case 'stream bybit|--depth'
            echo 1
        case 'stream bybit|--url'
            echo 1
        case 'stream bybit|--format'
            echo 1
        case 'stream bybit|-o' 'stream bybit|--output'
            echo 1
        case 'stream bybit|--limit'
            echo 1
        case 'stream bybit|--duration'
            echo 1
        case 'stream bybit|--stale-after'
            echo 1
        case 'stream bybit|--max-retries'
            echo 1
        case 'stream bybit|--ping-interval'
            echo 1
        case 'stream bybit|--profile'
            echo 1
        case 'stream bybit|--fps'
            echo 1
        case 'stream bybit|--focus'
            echo 1
        case 'stream bybit|--tz'
            echo 1
        case 'stream bybit|--sink'
            echo 1
        case 'stream kucoin|--pair'
            echo 1
        case 'stream kucoin|--interval'
            echo 1
        case 'stream kucoin|--backfill'
            echo 1
        case 'stream kucoin|--channel'
            echo 1
        case 'stream kucoin|--depth'
            echo 1
        case 'stream kucoin|--url'
            echo 1
        case 'stream kucoin|--format'
            echo 1
        case 'stream kucoin|-o' 'stream kucoin|--output'
            echo 1
        case 'stream kucoin|--limit'
            echo 1
        case 'stream kucoin|--duration'
            echo 1
        case 'stream kucoin|--stale-after'
            echo 1
        case 'stream kucoin|--max-retries'
            echo 1
        case 'stream kucoin|--ping-interval'
            echo 1
        case 'stream kucoin|--profile'
            echo 1
        case 'stream kucoin|--fps'
            echo 1
        case 'stream kucoin|--focus'
            echo 1
        case 'stream kucoin|--tz'
            echo 1
        case 'stream kucoin|--sink'
            echo 1
        case 'stream gate|--pair'
            echo 1
        case 'stream gate|--interval'
            echo 1
        case 'stream gate|--backfill'
            echo 1
        case 'stream gate|--channel'
            echo 1
        case 'stream gate|--depth'
            echo 1
        case 'stream gate|--url'
            echo 1
        case 'stream gate|--format'
            echo 1
        case 'stream gate|-o' 'stream gate|--output'
            echo 1
        case 'stream gate|--limit'
            echo 1
        case 'stream gate|--duration'
            echo 1
        case 'stream gate|--stale-after'
            echo 1
        case 'stream gate|--max-retries'
            echo 1
        case 'stream gate|--ping-interval'
            echo 1
        case 'stream gate|--profile'
            echo 1
        case 'stream gate|--fps'
            echo 1
        case 'stream gate|--focus'
            echo 1
        case 'stream gate|--tz'
            echo 1
        case 'stream gate|--sink'
            echo 1
        case 'record tse|--isin'
            echo 1
        case 'record tse|--name'
            echo 1
        case 'record tse|-c' 'record tse|--channel'
            echo 1
        case 'record tse|-o' 'record tse|--output'
            echo 1
        case 'record tse|--rotate-size'
            echo 1
        case 'record tse|--rotate-interval'
            echo 1
        case 'record tse|--compress'
            echo 1
        case 'record tse|--flush-interval'
            echo 1
        case 'record tse|--url'
            echo 1
        case 'record tse|--limit'
            echo 1
        case 'record tse|--duration'
            echo 1
        case 'record tse|--stale-after'
            echo 1
        case 'record tse|--max-retries'
            echo 1
        case 'record tse|--ping-interval'
            echo 1
        case 'record tse|--profile'
            echo 1
        case 'record tse|--sink'
            echo 1
        case 'record ime|--contract-id'
            echo 1
        case 'record ime|--contract-name'
            echo 1
        case 'record ime|-o' 'record ime|--output'
            echo 1
        case 'record ime|--rotate-size'
            echo 1
        case 'record ime|--rotate-interval'
            echo 1
        case 'record ime|--compress'
            echo 1
        case 'record ime|--flush-interval'
            echo 1
        case 'record ime|--url'
            echo 1
        case 'record ime|--limit'
            echo 1
        case 'record ime|--duration'
            echo 1
        case 'record ime|--stale-after'
            echo 1
        case 'record ime|--max-retries'
            echo 1
        case 'record ime|--ping-interval'
            echo 1
        case 'record ime|--profile'
            echo 1
        case 'record ime|--sink'
            echo 1
        case 'record datafye|--symbol'
            echo 1
        case 'record datafye|-c' 'record datafye|--channel'
            echo 1
        case 'record datafye|--dataset'
            echo 1
        case 'record datafye|--frequency'
            echo 1
        case 'record datafye|--from'
            echo 1
        case 'record datafye|--to'
            echo 1
        case 'record datafye|--deployment'
            echo 1
        case 'record datafye|--user'
            echo 1
        case 'record datafye|--type'
            echo 1
        case 'record datafye|--env'
            echo 1
        case 'record datafye|-o' 'record datafye|--output'
            echo 1
        case 'record datafye|--rotate-size'
            echo 1
        case 'record datafye|--rotate-interval'
            echo 1
        case 'record datafye|--compress'
            echo 1
        case 'record datafye|--flush-interval'
            echo 1
        case 'record datafye|--url'
            echo 1
        case 'record datafye|--limit'
            echo 1
        case 'record datafye|--duration'
            echo 1
        case 'record datafye|--stale-after'
            echo 1
        case 'record datafye|--max-retries'
            echo 1
        case 'record datafye|--ping-interval'
            echo 1
        case 'record datafye|--profile'
            echo 1
        case 'record datafye|--sink'
            echo 1
        case 'record moex|--ticker'
            echo 1
        case 'record moex|--stream'
            echo 1
        case 'record moex|--interval'
            echo 1
        case 'record moex|--heartbeat'
            echo 1
        case 'record moex|-o' 'record moex|--output'
            echo 1
        case 'record moex|--rotate-size'
            echo 1
        case 'record moex|--rotate-interval'
            echo 1
        case 'record moex|--compress'
            echo 1
        case 'record moex|--flush-interval'
            echo 1
        case 'record moex|--url'
            echo 1
        case 'record moex|--limit'
            echo 1
        case 'record moex|--duration'
            echo 1
        case 'record moex|--stale-after'
            echo 1
        case 'record moex|--max-retries'
            echo 1
        case 'record moex|--ping-interval'
            echo 1
        case 'record moex|--profile'
            echo 1
        case 'record moex|--sink'
            echo 1
        case 'record binance|--pair'
            echo 1
        case 'record binance|--interval'
            echo 1
        case 'record binance|--backfill'
            echo 1
        case 'record binance|--channel'
            echo 1
        case 'record binance|--depth'
            echo 1
        case 'record binance|-o' 'record binance|--output'
            echo 1
        case 'record binance|--rotate-size'
            echo 1
        case 'record binance|--rotate-interval'
            echo 1
        case 'record binance|--compress'
            echo 1
        case 'record binance|--flush-interval'
            echo 1
        case 'record binance|--url'
            echo 1
        case 'record binance|--limit'
            echo 1
        case 'record binance|--duration'
            echo 1
        case 'record binance|--stale-after'
            echo 1
        case 'record binance|--max-retries'
            echo 1
        case 'record binance|--ping-interval'
            echo 1
        case 'record binance|--profile'
            echo 1
        case 'record binance|--sink'
            echo 1
        case 'record okx|--pair'
            echo 1
        case 'record okx|--interval'
            echo 1
        case 'record okx|--backfill'
            echo 1
        case 'record okx|--channel'
            echo 1
        case 'record okx|--depth'
            echo 1
        case 'record okx|-o' 'record okx|--output'
            echo 1
        case 'record okx|--rotate-size'
            echo 1
        case 'record okx|--rotate-interval'
            echo 1
        case 'record okx|--compress'
            echo 1
        case 'record okx|--flush-interval'
            echo 1
        case 'record okx|--url'
            echo 1
        case 'record okx|--limit'
            echo 1
        case 'record okx|--duration'
            echo 1
        case 'record okx|--stale-after'
            echo 1
        case 'record okx|--max-retries'
            echo 1
        case 'record okx|--ping-interval'
            echo 1
        case 'record okx|--profile'
            echo 1
        case 'record okx|--sink'
            echo 1
        case 'record coinbase|--pair'
            echo 1
        case 'record coinbase|--interval'
            echo 1
        case 'record coinbase|--backfill'
            echo 1
        case 'record coinbase|--channel'
            echo 1
        case 'record coinbase|--depth'
            echo 1
        case 'record coinbase|-o' 'record coinbase|--output'
            echo 1
        case 'record coinbase|--rotate-size'
            echo 1
        case 'record coinbase|--rotate-interval'
            echo 1
        case 'record coinbase|--compress'
            echo 1
        case 'record coinbase|--flush-interval'
            echo 1
        case 'record coinbase|--url'
            echo 1
        case 'record coinbase|--limit'
            echo 1
        case 'record coinbase|--duration'
            echo 1
        case 'record coinbase|--stale-after'
            echo 1
        case 'record coinbase|--max-retries'
            echo 1
        case 'record coinbase|--ping-interval'
            echo 1
        case 'record coinbase|--profile'
            echo 1
        case 'record coinbase|--sink'
            echo 1
        case 'record bybit|--pair'
            echo 1
        case 'record bybit|--interval'
            echo 1
        case 'record bybit|--backfill'
            echo 1
        case 'record bybit|--channel'
            echo 1
        case 'record bybit|--depth'
            echo 1
        case 'record bybit|-o' 'record bybit|--output'
            echo 1
        case 'record bybit|--rotate-size'
            echo 1
        case 'record bybit|--rotate-interval'
            echo 1
        case 'record bybit|--compress'
            echo 1
        case 'record bybit|--flush-interval'
            echo 1
        case 'record bybit|--url'
            echo 1
        case 'record bybit|--limit'
            echo 1
        case 'record bybit|--duration'
            echo 1
        case 'record bybit|--stale-after'
            echo 1
        case 'record bybit|--max-retries'
            echo 1
        case 'record bybit|--ping-interval'
            echo 1
        case 'record bybit|--profile'
            echo 1
        case 'record bybit|--sink'
            echo 1
        case 'record kucoin|--pair'
            echo 1
        case 'record kucoin|--interval'
            echo 1
        case 'record kucoin|--backfill'
            echo 1
        case 'record kucoin|--channel'
            echo 1
        case 'record kucoin|--depth'
            echo 1
        case 'record kucoin|-o' 'record kucoin|--output'
            echo 1
        case 'record kucoin|--rotate-size'
            echo 1
        case 'record kucoin|--rotate-interval'
            echo 1
        case 'record kucoin|--compress'
            echo 1
        case 'record kucoin|--flush-interval'
            echo 1
        case 'record kucoin|--url'
            echo 1
        case 'record kucoin|--limit'
            echo 1
        case 'record kucoin|--duration'
            echo 1
        case 'record kucoin|--stale-after'
            echo 1
        case 'record kucoin|--max-retries'
            echo 1
        case 'record kucoin|--ping-interval'
            echo 1
        case 'record kucoin|--profile'
            echo 1
        case 'record kucoin|--sink'
            echo 1
        case 'record gate|--pair'
            echo 1
        case 'record gate|--interval'
            echo 1
        case 'record gate|--backfill'
            echo 1
        case 'record gate|--channel'
            echo 1
        case 'record gate|--depth'
            echo 1
        case 'record gate|-o' 'record gate|--output'
            echo 1
        case 'record gate|--rotate-size'
            echo 1
        case 'record gate|--rotate-interval'
            echo 1
        case 'record gate|--compress'
            echo 1
        case 'record gate|--flush-interval'
            echo 1
        case 'record gate|--url'
            echo 1
        case 'record gate|--limit'
            echo 1
        case 'record gate|--duration'
            echo 1
        case 'record gate|--stale-after'
            echo 1
        case 'record gate|--max-retries'
            echo 1
        case 'record gate|--ping-interval'
            echo 1
        case 'record gate|--profile'
            echo 1
        case 'record gate|--sink'
            echo 1
        case 'replay|--speed'
            echo 1
        case 'replay|--from'
            echo 1
        case 'replay|--to'
            echo 1
        case 'replay|--channel'
            echo 1
        case 'replay|--symbol'
            echo 1
        case 'replay|--format'
            echo 1
        case 'replay|--fps'
            echo 1
        case 'replay|--focus'
            echo 1
        case 'replay|--tz'
            echo 1
        case 'replay|--serve'
            echo 1
        case 'replay|--sink'
            echo 1
        case 'replay|--wait-clients'
            echo 1
        case 'export|-o' 'export|--output'
            echo 1
        case 'export|--kind'
            echo 1
        case 'export|--channel'
            echo 1
        case 'export|--symbol'
            echo 1
        case 'search|--url'
            echo 1
        case 'search|--profile'
            echo 1
        case 'demo|--rate'
            echo 1
        case 'demo|--seed'
            echo 1
        case 'demo|--duration'
            echo 1
        case 'demo|--format'
            echo 1
        case 'demo|--limit'
            echo 1
        case 'demo|--fps'
            echo 1
        case 'demo|--channel'
            echo 1
        case 'demo|--focus'
            echo 1
        case 'demo|--tz'
            echo 1
        case 'simulate tse|--host'
            echo 1
        case 'simulate tse|--port'
            echo 1
        case 'simulate tse|--rate'
            echo 1
        case 'simulate tse|--seed'
            echo 1
        case 'simulate tse|--drop-after'
            echo 1
        case 'simulate tse|--stall-after'
            echo 1
        case 'simulate tse|--malformed-every'
            echo 1
        case 'simulate tse|--login-errors'
            echo 1
        case 'simulate ime|--host'
            echo 1
        case 'simulate ime|--port'
            echo 1
        case 'simulate ime|--rate'
            echo 1
        case 'simulate ime|--seed'
            echo 1
        case 'simulate ime|--drop-after'
            echo 1
        case 'simulate ime|--stall-after'
            echo 1
        case 'simulate ime|--malformed-every'
            echo 1
        case 'simulate ime|--login-errors'
            echo 1
        case 'simulate datafye|--host'
            echo 1
        case 'simulate datafye|--port'
            echo 1
        case 'simulate datafye|--rate'
            echo 1
        case 'simulate datafye|--seed'
            echo 1
        case 'simulate datafye|--heartbeat-interval'
            echo 1
        case 'simulate datafye|--pong-timeout'
            echo 1
        case 'simulate datafye|--halt-every'
            echo 1
        case 'simulate datafye|--halt-seconds'
            echo 1
        case 'simulate datafye|--drop-after'
            echo 1
        case 'simulate datafye|--stall-after'
            echo 1
        case 'simulate datafye|--malformed-every'
            echo 1
        case 'simulate moex|--host'
            echo 1
        case 'simulate moex|--port'
            echo 1
        case 'simulate moex|--rate'
            echo 1
        case 'simulate moex|--seed'
            echo 1
        case 'simulate moex|--heart-beat'
            echo 1
        case 'simulate moex|--drop-after'
            echo 1
        case 'simulate moex|--gap-every'
            echo 1
        case 'simulate moex|--error-after'
            echo 1
        case 'simulate moex|--error-code'
            echo 1
        case 'simulate moex|--stall-after'
            echo 1
        case 'simulate moex|--silent-after'
            echo 1
        case 'simulate moex|--malformed-every'
            echo 1
        case 'simulate binance|--host'
            echo 1
        case 'simulate binance|--port'
            echo 1
        case 'simulate binance|--rate'
            echo 1
        case 'simulate binance|--seed'
            echo 1
        case 'simulate binance|--channel'
            echo 1
        case 'simulate binance|--rest-429-every'
            echo 1
        case 'simulate binance|--drop-after'
            echo 1
        case 'simulate binance|--rest-limits-scale'
            echo 1
        case 'simulate binance|--skip-update-every'
            echo 1
        case 'simulate binance|--bad-checksum-every'
            echo 1
        case 'simulate binance|--snapshot-lag'
            echo 1
        case 'simulate okx|--host'
            echo 1
        case 'simulate okx|--port'
            echo 1
        case 'simulate okx|--rate'
            echo 1
        case 'simulate okx|--seed'
            echo 1
        case 'simulate okx|--channel'
            echo 1
        case 'simulate okx|--rest-429-every'
            echo 1
        case 'simulate okx|--drop-after'
            echo 1
        case 'simulate okx|--rest-limits-scale'
            echo 1
        case 'simulate okx|--skip-update-every'
            echo 1
        case 'simulate okx|--bad-checksum-every'
            echo 1
        case 'simulate okx|--snapshot-lag'
            echo 1
        case 'simulate coinbase|--host'
            echo 1
        case 'simulate coinbase|--port'
            echo 1
        case 'simulate coinbase|--rate'
            echo 1
        case 'simulate coinbase|--seed'
            echo 1
        case 'simulate coinbase|--channel'
            echo 1
        case 'simulate coinbase|--rest-429-every'
            echo 1
        case 'simulate coinbase|--drop-after'
            echo 1
        case 'simulate coinbase|--rest-limits-scale'
            echo 1
        case 'simulate coinbase|--skip-update-every'
            echo 1
        case 'simulate coinbase|--bad-checksum-every'
            echo 1
        case 'simulate coinbase|--snapshot-lag'
            echo 1
        case 'simulate bybit|--host'
            echo 1
        case 'simulate bybit|--port'
            echo 1
        case 'simulate bybit|--rate'
            echo 1
        case 'simulate bybit|--seed'
            echo 1
        case 'simulate bybit|--channel'
            echo 1
        case 'simulate bybit|--rest-429-every'
            echo 1
        case 'simulate bybit|--drop-after'
            echo 1
        case 'simulate bybit|--rest-limits-scale'
            echo 1
        case 'simulate bybit|--skip-update-every'
            echo 1
        case 'simulate bybit|--bad-checksum-every'
            echo 1
        case 'simulate bybit|--snapshot-lag'
            echo 1
        case 'simulate kucoin|--host'
            echo 1
        case 'simulate kucoin|--port'
            echo 1
        case 'simulate kucoin|--rate'
            echo 1
        case 'simulate kucoin|--seed'
            echo 1
        case 'simulate kucoin|--channel'
            echo 1
        case 'simulate kucoin|--rest-429-every'
            echo 1
        case 'simulate kucoin|--drop-after'
            echo 1
        case 'simulate kucoin|--rest-limits-scale'
            echo 1
        case 'simulate kucoin|--skip-update-every'
            echo 1
        case 'simulate kucoin|--bad-checksum-every'
            echo 1
        case 'simulate kucoin|--snapshot-lag'
            echo 1
        case 'simulate gate|--host'
            echo 1
        case 'simulate gate|--port'
            echo 1
        case 'simulate gate|--rate'
            echo 1
        case 'simulate gate|--seed'
            echo 1
        case 'simulate gate|--channel'
            echo 1
        case 'simulate gate|--rest-429-every'
            echo 1
        case 'simulate gate|--drop-after'
            echo 1
        case 'simulate gate|--rest-limits-scale'
            echo 1
        case 'simulate gate|--skip-update-every'
            echo 1
        case 'simulate gate|--bad-checksum-every'
            echo 1
        case 'simulate gate|--snapshot-lag'
            echo 1
        case 'login|--url'
            echo 1
        case 'login|-u' 'login|--user'
            echo 1
        case 'login|--profile'
            echo 1
        case 'logout|--url'
            echo 1
        case 'logout|--profile'
            echo 1
        case 'auth token|--url'
            echo 1
        case 'auth token|--profile'
            echo 1
        case 'auth login|--url'
            echo 1
        case 'auth login|-u' 'auth login|--user'
            echo 1
        case 'auth login|--profile'
            echo 1
        case 'auth logout|--url'
            echo 1
        case 'auth logout|--profile'
            echo 1
        case '*'
            echo 0
    end
end

# Print how many positional words the command line before the cursor has, then its
# subcommand path (nothing for the program itself; '!' after a word that is no subcommand).
function __feedcli_state --description 'Print the positional count and the subcommand path'
    set -l cmdpath
    set -l npos 0
    set -l skip 0
    set -l ddash 0
    for word in (commandline -opc)[2..-1]
        if test $skip -gt 0
            set skip (math $skip - 1)
        else if test $ddash -eq 1
            set npos (math $npos + 1)
        else
            switch $word
                case --
                    set ddash 1
                case '-*=*'
                case '-?*'
                    set skip (__feedcli_arity "$cmdpath" $word)
                case '*'
                    set -l subcommands (__feedcli_commands "$cmdpath")
                    if test (count $subcommands) -eq 0
                        set npos (math $npos + 1)
                    else if contains -- $word $subcommands
                        set -a cmdpath $word
                        set npos 0
                    else
                        printf '%s\n' $npos '!'
                        return
                    end
            end
        end
    end
    echo $npos
    string join ' ' -- $cmdpath
end

function __feedcli_at --description 'True when the subcommand path before the cursor is argv'
    set -l state (__feedcli_state)
    test "$state[2..-1]" = "$argv"
end

function __feedcli_arg --description 'True at positional index argv[1] (N, or N+: N and on) of path argv[2..]'
    set -l state (__feedcli_state)
    test "$state[2..-1]" = "$argv[2..-1]"; or return 1
    set -l first (string trim -r -c + -- $argv[1])
    if string match -q -- '*+' $argv[1]
        test $state[1] -ge $first
    else
        test $state[1] -eq $first
    end
end

# feedcli
complete -c feedcli -n __feedcli_at -a stream -d 'Stream live data as NDJSON (piped) or a live view...'
complete -c feedcli -n __feedcli_at -a record -d 'Record a stream to NDJSON files: rotated, compressed, on...'
complete -c feedcli -n __feedcli_at -a replay -d 'Play recordings back: the lines exactly as recorded,...'
complete -c feedcli -n __feedcli_at -a export -d 'Export recordings to one Parquet or CSV table of one kind...'
complete -c feedcli -n __feedcli_at -a search -d 'Search a provider\'s instruments: a table on a terminal,...'
complete -c feedcli -n __feedcli_at -a providers -d 'List the providers, their selectors, channels and paths:...'
complete -c feedcli -n __feedcli_at -a demo -d 'Watch a simulated market live: no account, no network,...'
complete -c feedcli -n __feedcli_at -a simulate -d 'Serve a provider\'s real protocol on loopback with...'
complete -c feedcli -n __feedcli_at -a login -d 'Log in, and store the credentials for the profile (mode...'
complete -c feedcli -n __feedcli_at -a logout -d 'Forget the stored credentials of a family (tokens, or...'
complete -c feedcli -n __feedcli_at -a auth -d 'Log in and out, see where you are logged in, print a...'
complete -c feedcli -n __feedcli_at -a completion -d 'Print the completion script of a shell on stdout.'
complete -c feedcli -n __feedcli_at -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n __feedcli_at -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n __feedcli_at -s V -l version -d 'Print the version and exit.'
complete -c feedcli -n __feedcli_at -s h -l help -d 'Show this message and exit.'

# feedcli stream
complete -c feedcli -n '__feedcli_at stream' -a tse -d 'HT Data Engine: Tehran Stock Exchange & IFB.'
complete -c feedcli -n '__feedcli_at stream' -a ime -d 'HT Data Engine: Iran Mercantile Exchange.'
complete -c feedcli -n '__feedcli_at stream' -a datafye -d 'Datafye: US stocks (quotes, trades, aggregates) live and...'
complete -c feedcli -n '__feedcli_at stream' -a moex -d 'MOEX ISS+ over STOMP: securities, order books and candles...'
complete -c feedcli -n '__feedcli_at stream' -a binance -d 'Binance spot: kline (candle) streams.'
complete -c feedcli -n '__feedcli_at stream' -a okx -d 'OKX: candlestick channels (business WebSocket).'
complete -c feedcli -n '__feedcli_at stream' -a coinbase -d 'Coinbase Advanced Trade: candles (5m streamed, others...'
complete -c feedcli -n '__feedcli_at stream' -a bybit -d 'Bybit v5 spot: live kline candles (WebSocket) with REST...'
complete -c feedcli -n '__feedcli_at stream' -a kucoin -d 'KuCoin spot: candles over the bullet-public WebSocket.'
complete -c feedcli -n '__feedcli_at stream' -a gate -d 'Gate.io API v4 spot: live candlesticks (WebSocket) with...'
complete -c feedcli -n '__feedcli_at stream' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at stream' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at stream' -s h -l help -d 'Show this message and exit.'

# feedcli stream tse
complete -c feedcli -n '__feedcli_at stream tse' -l isin -x -d 'Symbol by ISIN (repeatable).'
complete -c feedcli -n '__feedcli_at stream tse' -l name -x -d 'Symbol by name (repeatable).'
complete -c feedcli -n '__feedcli_at stream tse' -s c -l channel -x -a 'best-limit order-book ohlcv-last-1m aggregate institutional-vs-individual contract-info fund-info' -d 'best-limit, order-book, ohlcv-last-1m, aggregate, institutional-vs-individual...'
complete -c feedcli -n '__feedcli_at stream tse' -l bearer -d 'Send \'Authorization: Bearer <token>\' instead of the raw token.'
complete -c feedcli -n '__feedcli_at stream tse' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at stream tse' -l format -x -a 'auto ndjson view' -d 'auto: a live view on a terminal, NDJSON otherwise.'
complete -c feedcli -n '__feedcli_at stream tse' -s o -l output -r -F -d 'Write NDJSON to FILE instead of stdout.'
complete -c feedcli -n '__feedcli_at stream tse' -l limit -x -d 'Exit 0 after N data lines (N at least 1).'
complete -c feedcli -n '__feedcli_at stream tse' -l duration -x -d 'Exit 0 after DURATION (seconds, or a number with a unit: 90, 90s, 1.5m, 15m,...'
complete -c feedcli -n '__feedcli_at stream tse' -l events -d 'Also write control lines (connected, disconnected, reconnected, ...).'
complete -c feedcli -n '__feedcli_at stream tse' -l stale-after -x -d 'Reconnect when no data came for DURATION (pings and heartbeats don\'t count);...'
complete -c feedcli -n '__feedcli_at stream tse' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at stream tse' -l ping-interval -x -d 'Ping the server every DURATION; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at stream tse' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at stream tse' -l fps -x -d 'Redraws per second of the live view, 1 to 60.'
complete -c feedcli -n '__feedcli_at stream tse' -l focus -x -d 'The live view\'s detail panel starts on SYMBOL (an identifier or a name); arro...'
complete -c feedcli -n '__feedcli_at stream tse' -l tz -x -d 'The zone of every clock in the live view: UTC (the default), local, or a name...'
complete -c feedcli -n '__feedcli_at stream tse' -l sink -x -d 'Also send every line, control lines too, to redis://HOST:PORT/DB?key=TEMPLATE...'
complete -c feedcli -n '__feedcli_at stream tse' -l normalize -d 'Write each line\'s data in the common shape of its kind (book, trade, candle,...'
complete -c feedcli -n '__feedcli_at stream tse' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at stream tse' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at stream tse' -s h -l help -d 'Show this message and exit.'

# feedcli stream ime
complete -c feedcli -n '__feedcli_at stream ime' -l contract-id -x -d 'Contract by id (repeatable).'
complete -c feedcli -n '__feedcli_at stream ime' -l contract-name -x -d 'Contract by name (repeatable).'
complete -c feedcli -n '__feedcli_at stream ime' -l bearer -d 'Send \'Authorization: Bearer <token>\' instead of the raw token.'
complete -c feedcli -n '__feedcli_at stream ime' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at stream ime' -l format -x -a 'auto ndjson view' -d 'auto: a live view on a terminal, NDJSON otherwise.'
complete -c feedcli -n '__feedcli_at stream ime' -s o -l output -r -F -d 'Write NDJSON to FILE instead of stdout.'
complete -c feedcli -n '__feedcli_at stream ime' -l limit -x -d 'Exit 0 after N data lines (N at least 1).'
complete -c feedcli -n '__feedcli_at stream ime' -l duration -x -d 'Exit 0 after DURATION (seconds, or a number with a unit: 90, 90s, 1.5m, 15m,...'
complete -c feedcli -n '__feedcli_at stream ime' -l events -d 'Also write control lines (connected, disconnected, reconnected, ...).'
complete -c feedcli -n '__feedcli_at stream ime' -l stale-after -x -d 'Reconnect when no data came for DURATION (pings and heartbeats don\'t count);...'
complete -c feedcli -n '__feedcli_at stream ime' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at stream ime' -l ping-interval -x -d 'Ping the server every DURATION; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at stream ime' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at stream ime' -l fps -x -d 'Redraws per second of the live view, 1 to 60.'
complete -c feedcli -n '__feedcli_at stream ime' -l focus -x -d 'The live view\'s detail panel starts on SYMBOL (an identifier or a name); arro...'
complete -c feedcli -n '__feedcli_at stream ime' -l tz -x -d 'The zone of every clock in the live view: UTC (the default), local, or a name...'
complete -c feedcli -n '__feedcli_at stream ime' -l sink -x -d 'Also send every line, control lines too, to redis://HOST:PORT/DB?key=TEMPLATE...'
complete -c feedcli -n '__feedcli_at stream ime' -l normalize -d 'Write each line\'s data in the common shape of its kind (book, trade, candle,...'
complete -c feedcli -n '__feedcli_at stream ime' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at stream ime' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at stream ime' -s h -l help -d 'Show this message and exit.'

# feedcli stream datafye
complete -c feedcli -n '__feedcli_at stream datafye' -l symbol -x -d 'Symbol (repeatable).'
complete -c feedcli -n '__feedcli_at stream datafye' -s c -l channel -x -a 'quotes trades aggregates sma ema' -d 'quotes, trades, aggregates, sma, ema (repeatable; one connection each). Defau...'
complete -c feedcli -n '__feedcli_at stream datafye' -l dataset -x -d 'Dataset: SIP (default), Synthetic, Crypto.'
complete -c feedcli -n '__feedcli_at stream datafye' -l frequency -x -d 'Bar size for aggregates: Second, Minute (default), Hour, Day.'
complete -c feedcli -n '__feedcli_at stream datafye' -l from -x -d 'History from this time (ISO 8601): replays instead of live.'
complete -c feedcli -n '__feedcli_at stream datafye' -l to -x -d 'History up to this time (ISO 8601).'
complete -c feedcli -n '__feedcli_at stream datafye' -l deployment -x -a 'local internal external' -d 'local (ws://localhost:8080), internal (ws://api.rumi.local) or external (buil...'
complete -c feedcli -n '__feedcli_at stream datafye' -l user -x -d 'Your Datafye name, for --deployment external.'
complete -c feedcli -n '__feedcli_at stream datafye' -l type -x -a 'foundry trading' -d 'foundry or trading, for --deployment external.'
complete -c feedcli -n '__feedcli_at stream datafye' -l env -x -d 'Environment (dev, staging, ...), for --deployment external; none for production.'
complete -c feedcli -n '__feedcli_at stream datafye' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at stream datafye' -l format -x -a 'auto ndjson view' -d 'auto: a live view on a terminal, NDJSON otherwise.'
complete -c feedcli -n '__feedcli_at stream datafye' -s o -l output -r -F -d 'Write NDJSON to FILE instead of stdout.'
complete -c feedcli -n '__feedcli_at stream datafye' -l limit -x -d 'Exit 0 after N data lines (N at least 1).'
complete -c feedcli -n '__feedcli_at stream datafye' -l duration -x -d 'Exit 0 after DURATION (seconds, or a number with a unit: 90, 90s, 1.5m, 15m,...'
complete -c feedcli -n '__feedcli_at stream datafye' -l events -d 'Also write control lines (connected, disconnected, reconnected, ...).'
complete -c feedcli -n '__feedcli_at stream datafye' -l stale-after -x -d 'Reconnect when no data came for DURATION (pings and heartbeats don\'t count);...'
complete -c feedcli -n '__feedcli_at stream datafye' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at stream datafye' -l ping-interval -x -d 'Ping the server every DURATION; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at stream datafye' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at stream datafye' -l fps -x -d 'Redraws per second of the live view, 1 to 60.'
complete -c feedcli -n '__feedcli_at stream datafye' -l focus -x -d 'The live view\'s detail panel starts on SYMBOL (an identifier or a name); arro...'
complete -c feedcli -n '__feedcli_at stream datafye' -l tz -x -d 'The zone of every clock in the live view: UTC (the default), local, or a name...'
complete -c feedcli -n '__feedcli_at stream datafye' -l sink -x -d 'Also send every line, control lines too, to redis://HOST:PORT/DB?key=TEMPLATE...'
complete -c feedcli -n '__feedcli_at stream datafye' -l normalize -d 'Write each line\'s data in the common shape of its kind (book, trade, candle,...'
complete -c feedcli -n '__feedcli_at stream datafye' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at stream datafye' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at stream datafye' -s h -l help -d 'Show this message and exit.'

# feedcli stream moex
complete -c feedcli -n '__feedcli_at stream moex' -l ticker -x -d 'Ticker as MARKET.BOARD.SECID, e.g. MXSE.TQBR.SBER (repeatable).'
complete -c feedcli -n '__feedcli_at stream moex' -l stream -x -a 'securities orderbooks candles' -d 'securities, orderbooks, candles (repeatable). Default: securities.'
complete -c feedcli -n '__feedcli_at stream moex' -l interval -x -a 'M1 M10 H1 D1 W1 m1 m3 Q1' -d 'Candle interval: M1 (default), M10, H1, D1, W1, m1 (a month), m3, Q1 (quarters).'
complete -c feedcli -n '__feedcli_at stream moex' -l heartbeat -x -d 'STOMP heart-beat to ask for, in seconds (default 10; 0: none). A server silen...'
complete -c feedcli -n '__feedcli_at stream moex' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at stream moex' -l format -x -a 'auto ndjson view' -d 'auto: a live view on a terminal, NDJSON otherwise.'
complete -c feedcli -n '__feedcli_at stream moex' -s o -l output -r -F -d 'Write NDJSON to FILE instead of stdout.'
complete -c feedcli -n '__feedcli_at stream moex' -l limit -x -d 'Exit 0 after N data lines (N at least 1).'
complete -c feedcli -n '__feedcli_at stream moex' -l duration -x -d 'Exit 0 after DURATION (seconds, or a number with a unit: 90, 90s, 1.5m, 15m,...'
complete -c feedcli -n '__feedcli_at stream moex' -l events -d 'Also write control lines (connected, disconnected, reconnected, ...).'
complete -c feedcli -n '__feedcli_at stream moex' -l stale-after -x -d 'Reconnect when no data came for DURATION (pings and heartbeats don\'t count);...'
complete -c feedcli -n '__feedcli_at stream moex' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at stream moex' -l ping-interval -x -d 'Ping the server every DURATION; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at stream moex' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at stream moex' -l fps -x -d 'Redraws per second of the live view, 1 to 60.'
complete -c feedcli -n '__feedcli_at stream moex' -l focus -x -d 'The live view\'s detail panel starts on SYMBOL (an identifier or a name); arro...'
complete -c feedcli -n '__feedcli_at stream moex' -l tz -x -d 'The zone of every clock in the live view: UTC (the default), local, or a name...'
complete -c feedcli -n '__feedcli_at stream moex' -l sink -x -d 'Also send every line, control lines too, to redis://HOST:PORT/DB?key=TEMPLATE...'
complete -c feedcli -n '__feedcli_at stream moex' -l normalize -d 'Write each line\'s data in the common shape of its kind (book, trade, candle,...'
complete -c feedcli -n '__feedcli_at stream moex' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at stream moex' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at stream moex' -s h -l help -d 'Show this message and exit.'

# feedcli stream binance
complete -c feedcli -n '__feedcli_at stream binance' -l pair -x -d 'Market as BASE-QUOTE, e.g. BTC-USDT (repeatable).'
complete -c feedcli -n '__feedcli_at stream binance' -l interval -x -a '1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M' -d 'Candle interval (default 1m). Intervals without a WebSocket stream are polled...'
complete -c feedcli -n '__feedcli_at stream binance' -l backfill -x -d 'Fetch the last N candles over REST before streaming.'
complete -c feedcli -n '__feedcli_at stream binance' -l channel -x -a 'candles trades book ticker' -d 'candles (default), trades, book, ticker (repeatable; one connection carries t...'
complete -c feedcli -n '__feedcli_at stream binance' -l depth -x -d 'Levels per side of a book line (default 10; 1 to 1000).'
complete -c feedcli -n '__feedcli_at stream binance' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at stream binance' -l format -x -a 'auto ndjson view' -d 'auto: a live view on a terminal, NDJSON otherwise.'
complete -c feedcli -n '__feedcli_at stream binance' -s o -l output -r -F -d 'Write NDJSON to FILE instead of stdout.'
complete -c feedcli -n '__feedcli_at stream binance' -l limit -x -d 'Exit 0 after N data lines (N at least 1).'
complete -c feedcli -n '__feedcli_at stream binance' -l duration -x -d 'Exit 0 after DURATION (seconds, or a number with a unit: 90, 90s, 1.5m, 15m,...'
complete -c feedcli -n '__feedcli_at stream binance' -l events -d 'Also write control lines (connected, disconnected, reconnected, ...).'
complete -c feedcli -n '__feedcli_at stream binance' -l stale-after -x -d 'Reconnect when no data came for DURATION (pings and heartbeats don\'t count);...'
complete -c feedcli -n '__feedcli_at stream binance' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at stream binance' -l ping-interval -x -d 'Ping the server every DURATION; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at stream binance' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at stream binance' -l fps -x -d 'Redraws per second of the live view, 1 to 60.'
complete -c feedcli -n '__feedcli_at stream binance' -l focus -x -d 'The live view\'s detail panel starts on SYMBOL (an identifier or a name); arro...'
complete -c feedcli -n '__feedcli_at stream binance' -l tz -x -d 'The zone of every clock in the live view: UTC (the default), local, or a name...'
complete -c feedcli -n '__feedcli_at stream binance' -l sink -x -d 'Also send every line, control lines too, to redis://HOST:PORT/DB?key=TEMPLATE...'
complete -c feedcli -n '__feedcli_at stream binance' -l normalize -d 'Write each line\'s data in the common shape of its kind (book, trade, candle,...'
complete -c feedcli -n '__feedcli_at stream binance' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at stream binance' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at stream binance' -s h -l help -d 'Show this message and exit.'

# feedcli stream okx
complete -c feedcli -n '__feedcli_at stream okx' -l pair -x -d 'Market as BASE-QUOTE, e.g. BTC-USDT (repeatable).'
complete -c feedcli -n '__feedcli_at stream okx' -l interval -x -a '1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 12h 1d 3d 1w 1M' -d 'Candle interval (default 1m). Intervals without a WebSocket stream are polled...'
complete -c feedcli -n '__feedcli_at stream okx' -l backfill -x -d 'Fetch the last N candles over REST before streaming.'
complete -c feedcli -n '__feedcli_at stream okx' -l channel -x -a 'candles trades book ticker' -d 'candles (default), trades, book, ticker (repeatable; one connection carries t...'
complete -c feedcli -n '__feedcli_at stream okx' -l depth -x -d 'Levels per side of a book line (default 10; 1 to 400).'
complete -c feedcli -n '__feedcli_at stream okx' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at stream okx' -l format -x -a 'auto ndjson view' -d 'auto: a live view on a terminal, NDJSON otherwise.'
complete -c feedcli -n '__feedcli_at stream okx' -s o -l output -r -F -d 'Write NDJSON to FILE instead of stdout.'
complete -c feedcli -n '__feedcli_at stream okx' -l limit -x -d 'Exit 0 after N data lines (N at least 1).'
complete -c feedcli -n '__feedcli_at stream okx' -l duration -x -d 'Exit 0 after DURATION (seconds, or a number with a unit: 90, 90s, 1.5m, 15m,...'
complete -c feedcli -n '__feedcli_at stream okx' -l events -d 'Also write control lines (connected, disconnected, reconnected, ...).'
complete -c feedcli -n '__feedcli_at stream okx' -l stale-after -x -d 'Reconnect when no data came for DURATION (pings and heartbeats don\'t count);...'
complete -c feedcli -n '__feedcli_at stream okx' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at stream okx' -l ping-interval -x -d 'Ping the server every DURATION; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at stream okx' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at stream okx' -l fps -x -d 'Redraws per second of the live view, 1 to 60.'
complete -c feedcli -n '__feedcli_at stream okx' -l focus -x -d 'The live view\'s detail panel starts on SYMBOL (an identifier or a name); arro...'
complete -c feedcli -n '__feedcli_at stream okx' -l tz -x -d 'The zone of every clock in the live view: UTC (the default), local, or a name...'
complete -c feedcli -n '__feedcli_at stream okx' -l sink -x -d 'Also send every line, control lines too, to redis://HOST:PORT/DB?key=TEMPLATE...'
complete -c feedcli -n '__feedcli_at stream okx' -l normalize -d 'Write each line\'s data in the common shape of its kind (book, trade, candle,...'
complete -c feedcli -n '__feedcli_at stream okx' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at stream okx' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at stream okx' -s h -l help -d 'Show this message and exit.'

# feedcli stream coinbase
complete -c feedcli -n '__feedcli_at stream coinbase' -l pair -x -d 'Market as BASE-QUOTE, e.g. BTC-USDT (repeatable).'
complete -c feedcli -n '__feedcli_at stream coinbase' -l interval -x -a '1m 5m 15m 30m 1h 2h 6h 1d' -d 'Candle interval (default 5m). Intervals without a WebSocket stream are polled...'
complete -c feedcli -n '__feedcli_at stream coinbase' -l backfill -x -d 'Fetch the last N candles over REST before streaming.'
complete -c feedcli -n '__feedcli_at stream coinbase' -l channel -x -a 'candles trades book ticker' -d 'candles (default), trades, book, ticker (repeatable; one connection carries t...'
complete -c feedcli -n '__feedcli_at stream coinbase' -l depth -x -d 'Levels per side of a book line (default 10; 1 to 1000).'
complete -c feedcli -n '__feedcli_at stream coinbase' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at stream coinbase' -l format -x -a 'auto ndjson view' -d 'auto: a live view on a terminal, NDJSON otherwise.'
complete -c feedcli -n '__feedcli_at stream coinbase' -s o -l output -r -F -d 'Write NDJSON to FILE instead of stdout.'
complete -c feedcli -n '__feedcli_at stream coinbase' -l limit -x -d 'Exit 0 after N data lines (N at least 1).'
complete -c feedcli -n '__feedcli_at stream coinbase' -l duration -x -d 'Exit 0 after DURATION (seconds, or a number with a unit: 90, 90s, 1.5m, 15m,...'
complete -c feedcli -n '__feedcli_at stream coinbase' -l events -d 'Also write control lines (connected, disconnected, reconnected, ...).'
complete -c feedcli -n '__feedcli_at stream coinbase' -l stale-after -x -d 'Reconnect when no data came for DURATION (pings and heartbeats don\'t count);...'
complete -c feedcli -n '__feedcli_at stream coinbase' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at stream coinbase' -l ping-interval -x -d 'Ping the server every DURATION; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at stream coinbase' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at stream coinbase' -l fps -x -d 'Redraws per second of the live view, 1 to 60.'
complete -c feedcli -n '__feedcli_at stream coinbase' -l focus -x -d 'The live view\'s detail panel starts on SYMBOL (an identifier or a name); arro...'
complete -c feedcli -n '__feedcli_at stream coinbase' -l tz -x -d 'The zone of every clock in the live view: UTC (the default), local, or a name...'
complete -c feedcli -n '__feedcli_at stream coinbase' -l sink -x -d 'Also send every line, control lines too, to redis://HOST:PORT/DB?key=TEMPLATE...'
complete -c feedcli -n '__feedcli_at stream coinbase' -l normalize -d 'Write each line\'s data in the common shape of its kind (book, trade, candle,...'
complete -c feedcli -n '__feedcli_at stream coinbase' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at stream coinbase' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at stream coinbase' -s h -l help -d 'Show this message and exit.'

# feedcli stream bybit
complete -c feedcli -n '__feedcli_at stream bybit' -l pair -x -d 'Market as BASE-QUOTE, e.g. BTC-USDT (repeatable).'
complete -c feedcli -n '__feedcli_at stream bybit' -l interval -x -a '1m 3m 5m 15m 30m 1h 2h 4h 6h 12h 1d 1w 1M' -d 'Candle interval (default 1m). Intervals without a WebSocket stream are polled...'
complete -c feedcli -n '__feedcli_at stream bybit' -l backfill -x -d 'Fetch the last N candles over REST before streaming.'
complete -c feedcli -n '__feedcli_at stream bybit' -l channel -x -a 'candles trades book ticker' -d 'candles (default), trades, book, ticker (repeatable; one connection carries t...'
complete -c feedcli -n '__feedcli_at stream bybit' -l depth -x -d 'Levels per side of a book line (default 10; 1 to 1000).'
complete -c feedcli -n '__feedcli_at stream bybit' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at stream bybit' -l format -x -a 'auto ndjson view' -d 'auto: a live view on a terminal, NDJSON otherwise.'
complete -c feedcli -n '__feedcli_at stream bybit' -s o -l output -r -F -d 'Write NDJSON to FILE instead of stdout.'
complete -c feedcli -n '__feedcli_at stream bybit' -l limit -x -d 'Exit 0 after N data lines (N at least 1).'
complete -c feedcli -n '__feedcli_at stream bybit' -l duration -x -d 'Exit 0 after DURATION (seconds, or a number with a unit: 90, 90s, 1.5m, 15m,...'
complete -c feedcli -n '__feedcli_at stream bybit' -l events -d 'Also write control lines (connected, disconnected, reconnected, ...).'
complete -c feedcli -n '__feedcli_at stream bybit' -l stale-after -x -d 'Reconnect when no data came for DURATION (pings and heartbeats don\'t count);...'
complete -c feedcli -n '__feedcli_at stream bybit' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at stream bybit' -l ping-interval -x -d 'Ping the server every DURATION; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at stream bybit' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at stream bybit' -l fps -x -d 'Redraws per second of the live view, 1 to 60.'
complete -c feedcli -n '__feedcli_at stream bybit' -l focus -x -d 'The live view\'s detail panel starts on SYMBOL (an identifier or a name); arro...'
complete -c feedcli -n '__feedcli_at stream bybit' -l tz -x -d 'The zone of every clock in the live view: UTC (the default), local, or a name...'
complete -c feedcli -n '__feedcli_at stream bybit' -l sink -x -d 'Also send every line, control lines too, to redis://HOST:PORT/DB?key=TEMPLATE...'
complete -c feedcli -n '__feedcli_at stream bybit' -l normalize -d 'Write each line\'s data in the common shape of its kind (book, trade, candle,...'
complete -c feedcli -n '__feedcli_at stream bybit' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at stream bybit' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at stream bybit' -s h -l help -d 'Show this message and exit.'

# feedcli stream kucoin
complete -c feedcli -n '__feedcli_at stream kucoin' -l pair -x -d 'Market as BASE-QUOTE, e.g. BTC-USDT (repeatable).'
complete -c feedcli -n '__feedcli_at stream kucoin' -l interval -x -a '1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 1w' -d 'Candle interval (default 1m). Intervals without a WebSocket stream are polled...'
complete -c feedcli -n '__feedcli_at stream kucoin' -l backfill -x -d 'Fetch the last N candles over REST before streaming.'
complete -c feedcli -n '__feedcli_at stream kucoin' -l channel -x -a 'candles trades book ticker' -d 'candles (default), trades, book, ticker (repeatable; one connection carries t...'
complete -c feedcli -n '__feedcli_at stream kucoin' -l depth -x -d 'Levels per side of a book line (default 10; 1 to 50).'
complete -c feedcli -n '__feedcli_at stream kucoin' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at stream kucoin' -l format -x -a 'auto ndjson view' -d 'auto: a live view on a terminal, NDJSON otherwise.'
complete -c feedcli -n '__feedcli_at stream kucoin' -s o -l output -r -F -d 'Write NDJSON to FILE instead of stdout.'
complete -c feedcli -n '__feedcli_at stream kucoin' -l limit -x -d 'Exit 0 after N data lines (N at least 1).'
complete -c feedcli -n '__feedcli_at stream kucoin' -l duration -x -d 'Exit 0 after DURATION (seconds, or a number with a unit: 90, 90s, 1.5m, 15m,...'
complete -c feedcli -n '__feedcli_at stream kucoin' -l events -d 'Also write control lines (connected, disconnected, reconnected, ...).'
complete -c feedcli -n '__feedcli_at stream kucoin' -l stale-after -x -d 'Reconnect when no data came for DURATION (pings and heartbeats don\'t count);...'
complete -c feedcli -n '__feedcli_at stream kucoin' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at stream kucoin' -l ping-interval -x -d 'Ping the server every DURATION; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at stream kucoin' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at stream kucoin' -l fps -x -d 'Redraws per second of the live view, 1 to 60.'
complete -c feedcli -n '__feedcli_at stream kucoin' -l focus -x -d 'The live view\'s detail panel starts on SYMBOL (an identifier or a name); arro...'
complete -c feedcli -n '__feedcli_at stream kucoin' -l tz -x -d 'The zone of every clock in the live view: UTC (the default), local, or a name...'
complete -c feedcli -n '__feedcli_at stream kucoin' -l sink -x -d 'Also send every line, control lines too, to redis://HOST:PORT/DB?key=TEMPLATE...'
complete -c feedcli -n '__feedcli_at stream kucoin' -l normalize -d 'Write each line\'s data in the common shape of its kind (book, trade, candle,...'
complete -c feedcli -n '__feedcli_at stream kucoin' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at stream kucoin' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at stream kucoin' -s h -l help -d 'Show this message and exit.'

# feedcli stream gate
complete -c feedcli -n '__feedcli_at stream gate' -l pair -x -d 'Market as BASE-QUOTE, e.g. BTC-USDT (repeatable).'
complete -c feedcli -n '__feedcli_at stream gate' -l interval -x -a '1s 1m 5m 15m 30m 1h 4h 8h 1d 1w 1M' -d 'Candle interval (default 1m). Intervals without a WebSocket stream are polled...'
complete -c feedcli -n '__feedcli_at stream gate' -l backfill -x -d 'Fetch the last N candles over REST before streaming.'
complete -c feedcli -n '__feedcli_at stream gate' -l channel -x -a 'candles trades book ticker' -d 'candles (default), trades, book, ticker (repeatable; one connection carries t...'
complete -c feedcli -n '__feedcli_at stream gate' -l depth -x -d 'Levels per side of a book line (default 10; 1 to 50).'
complete -c feedcli -n '__feedcli_at stream gate' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at stream gate' -l format -x -a 'auto ndjson view' -d 'auto: a live view on a terminal, NDJSON otherwise.'
complete -c feedcli -n '__feedcli_at stream gate' -s o -l output -r -F -d 'Write NDJSON to FILE instead of stdout.'
complete -c feedcli -n '__feedcli_at stream gate' -l limit -x -d 'Exit 0 after N data lines (N at least 1).'
complete -c feedcli -n '__feedcli_at stream gate' -l duration -x -d 'Exit 0 after DURATION (seconds, or a number with a unit: 90, 90s, 1.5m, 15m,...'
complete -c feedcli -n '__feedcli_at stream gate' -l events -d 'Also write control lines (connected, disconnected, reconnected, ...).'
complete -c feedcli -n '__feedcli_at stream gate' -l stale-after -x -d 'Reconnect when no data came for DURATION (pings and heartbeats don\'t count);...'
complete -c feedcli -n '__feedcli_at stream gate' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at stream gate' -l ping-interval -x -d 'Ping the server every DURATION; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at stream gate' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at stream gate' -l fps -x -d 'Redraws per second of the live view, 1 to 60.'
complete -c feedcli -n '__feedcli_at stream gate' -l focus -x -d 'The live view\'s detail panel starts on SYMBOL (an identifier or a name); arro...'
complete -c feedcli -n '__feedcli_at stream gate' -l tz -x -d 'The zone of every clock in the live view: UTC (the default), local, or a name...'
complete -c feedcli -n '__feedcli_at stream gate' -l sink -x -d 'Also send every line, control lines too, to redis://HOST:PORT/DB?key=TEMPLATE...'
complete -c feedcli -n '__feedcli_at stream gate' -l normalize -d 'Write each line\'s data in the common shape of its kind (book, trade, candle,...'
complete -c feedcli -n '__feedcli_at stream gate' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at stream gate' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at stream gate' -s h -l help -d 'Show this message and exit.'

# feedcli record
complete -c feedcli -n '__feedcli_at record' -a tse -d 'HT Data Engine: Tehran Stock Exchange & IFB.'
complete -c feedcli -n '__feedcli_at record' -a ime -d 'HT Data Engine: Iran Mercantile Exchange.'
complete -c feedcli -n '__feedcli_at record' -a datafye -d 'Datafye: US stocks (quotes, trades, aggregates) live and...'
complete -c feedcli -n '__feedcli_at record' -a moex -d 'MOEX ISS+ over STOMP: securities, order books and candles...'
complete -c feedcli -n '__feedcli_at record' -a binance -d 'Binance spot: kline (candle) streams.'
complete -c feedcli -n '__feedcli_at record' -a okx -d 'OKX: candlestick channels (business WebSocket).'
complete -c feedcli -n '__feedcli_at record' -a coinbase -d 'Coinbase Advanced Trade: candles (5m streamed, others...'
complete -c feedcli -n '__feedcli_at record' -a bybit -d 'Bybit v5 spot: live kline candles (WebSocket) with REST...'
complete -c feedcli -n '__feedcli_at record' -a kucoin -d 'KuCoin spot: candles over the bullet-public WebSocket.'
complete -c feedcli -n '__feedcli_at record' -a gate -d 'Gate.io API v4 spot: live candlesticks (WebSocket) with...'
complete -c feedcli -n '__feedcli_at record' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at record' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at record' -s h -l help -d 'Show this message and exit.'

# feedcli record tse
complete -c feedcli -n '__feedcli_at record tse' -l isin -x -d 'Symbol by ISIN (repeatable).'
complete -c feedcli -n '__feedcli_at record tse' -l name -x -d 'Symbol by name (repeatable).'
complete -c feedcli -n '__feedcli_at record tse' -s c -l channel -x -a 'best-limit order-book ohlcv-last-1m aggregate institutional-vs-individual contract-info fund-info' -d 'best-limit, order-book, ohlcv-last-1m, aggregate, institutional-vs-individual...'
complete -c feedcli -n '__feedcli_at record tse' -l bearer -d 'Send \'Authorization: Bearer <token>\' instead of the raw token.'
complete -c feedcli -n '__feedcli_at record tse' -s o -l output -r -F -d 'A file, or a directory (existing, or ending in /) where files are named by pr...'
complete -c feedcli -n '__feedcli_at record tse' -l rotate-size -x -d 'Start a new file past SIZE (100MB, 1GiB).'
complete -c feedcli -n '__feedcli_at record tse' -l rotate-interval -x -d 'Start a new file every DURATION (1h, 15m, 1d).'
complete -c feedcli -n '__feedcli_at record tse' -l compress -x -a 'none gzip zstd' -d 'Compress each file as a stream. Default: what the -o name says (.gz gzip, .zs...'
complete -c feedcli -n '__feedcli_at record tse' -l flush-interval -x -d 'Push what was received to the disk (fsync) at least this often: the most a cr...'
complete -c feedcli -n '__feedcli_at record tse' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at record tse' -l limit -x -d 'Exit 0 after N data lines (N at least 1).'
complete -c feedcli -n '__feedcli_at record tse' -l duration -x -d 'Exit 0 after DURATION (seconds, or a number with a unit: 90, 90s, 1.5m, 15m,...'
complete -c feedcli -n '__feedcli_at record tse' -l stale-after -x -d 'Reconnect when no data came for DURATION (pings and heartbeats don\'t count);...'
complete -c feedcli -n '__feedcli_at record tse' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at record tse' -l ping-interval -x -d 'Ping the server every DURATION; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at record tse' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at record tse' -l sink -x -d 'Also send every line, control lines too, to redis://HOST:PORT/DB?key=TEMPLATE...'
complete -c feedcli -n '__feedcli_at record tse' -l normalize -d 'Write each line\'s data in the common shape of its kind (book, trade, candle,...'
complete -c feedcli -n '__feedcli_at record tse' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at record tse' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at record tse' -s h -l help -d 'Show this message and exit.'

# feedcli record ime
complete -c feedcli -n '__feedcli_at record ime' -l contract-id -x -d 'Contract by id (repeatable).'
complete -c feedcli -n '__feedcli_at record ime' -l contract-name -x -d 'Contract by name (repeatable).'
complete -c feedcli -n '__feedcli_at record ime' -l bearer -d 'Send \'Authorization: Bearer <token>\' instead of the raw token.'
complete -c feedcli -n '__feedcli_at record ime' -s o -l output -r -F -d 'A file, or a directory (existing, or ending in /) where files are named by pr...'
complete -c feedcli -n '__feedcli_at record ime' -l rotate-size -x -d 'Start a new file past SIZE (100MB, 1GiB).'
complete -c feedcli -n '__feedcli_at record ime' -l rotate-interval -x -d 'Start a new file every DURATION (1h, 15m, 1d).'
complete -c feedcli -n '__feedcli_at record ime' -l compress -x -a 'none gzip zstd' -d 'Compress each file as a stream. Default: what the -o name says (.gz gzip, .zs...'
complete -c feedcli -n '__feedcli_at record ime' -l flush-interval -x -d 'Push what was received to the disk (fsync) at least this often: the most a cr...'
complete -c feedcli -n '__feedcli_at record ime' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at record ime' -l limit -x -d 'Exit 0 after N data lines (N at least 1).'
complete -c feedcli -n '__feedcli_at record ime' -l duration -x -d 'Exit 0 after DURATION (seconds, or a number with a unit: 90, 90s, 1.5m, 15m,...'
complete -c feedcli -n '__feedcli_at record ime' -l stale-after -x -d 'Reconnect when no data came for DURATION (pings and heartbeats don\'t count);...'
complete -c feedcli -n '__feedcli_at record ime' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at record ime' -l ping-interval -x -d 'Ping the server every DURATION; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at record ime' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at record ime' -l sink -x -d 'Also send every line, control lines too, to redis://HOST:PORT/DB?key=TEMPLATE...'
complete -c feedcli -n '__feedcli_at record ime' -l normalize -d 'Write each line\'s data in the common shape of its kind (book, trade, candle,...'
complete -c feedcli -n '__feedcli_at record ime' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at record ime' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at record ime' -s h -l help -d 'Show this message and exit.'

# feedcli record datafye
complete -c feedcli -n '__feedcli_at record datafye' -l symbol -x -d 'Symbol (repeatable).'
complete -c feedcli -n '__feedcli_at record datafye' -s c -l channel -x -a 'quotes trades aggregates sma ema' -d 'quotes, trades, aggregates, sma, ema (repeatable; one connection each). Defau...'
complete -c feedcli -n '__feedcli_at record datafye' -l dataset -x -d 'Dataset: SIP (default), Synthetic, Crypto.'
complete -c feedcli -n '__feedcli_at record datafye' -l frequency -x -d 'Bar size for aggregates: Second, Minute (default), Hour, Day.'
complete -c feedcli -n '__feedcli_at record datafye' -l from -x -d 'History from this time (ISO 8601): replays instead of live.'
complete -c feedcli -n '__feedcli_at record datafye' -l to -x -d 'History up to this time (ISO 8601).'
complete -c feedcli -n '__feedcli_at record datafye' -l deployment -x -a 'local internal external' -d 'local (ws://localhost:8080), internal (ws://api.rumi.local) or external (buil...'
complete -c feedcli -n '__feedcli_at record datafye' -l user -x -d 'Your Datafye name, for --deployment external.'
complete -c feedcli -n '__feedcli_at record datafye' -l type -x -a 'foundry trading' -d 'foundry or trading, for --deployment external.'
complete -c feedcli -n '__feedcli_at record datafye' -l env -x -d 'Environment (dev, staging, ...), for --deployment external; none for production.'
complete -c feedcli -n '__feedcli_at record datafye' -s o -l output -r -F -d 'A file, or a directory (existing, or ending in /) where files are named by pr...'
complete -c feedcli -n '__feedcli_at record datafye' -l rotate-size -x -d 'Start a new file past SIZE (100MB, 1GiB).'
complete -c feedcli -n '__feedcli_at record datafye' -l rotate-interval -x -d 'Start a new file every DURATION (1h, 15m, 1d).'
complete -c feedcli -n '__feedcli_at record datafye' -l compress -x -a 'none gzip zstd' -d 'Compress each file as a stream. Default: what the -o name says (.gz gzip, .zs...'
complete -c feedcli -n '__feedcli_at record datafye' -l flush-interval -x -d 'Push what was received to the disk (fsync) at least this often: the most a cr...'
complete -c feedcli -n '__feedcli_at record datafye' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at record datafye' -l limit -x -d 'Exit 0 after N data lines (N at least 1).'
complete -c feedcli -n '__feedcli_at record datafye' -l duration -x -d 'Exit 0 after DURATION (seconds, or a number with a unit: 90, 90s, 1.5m, 15m,...'
complete -c feedcli -n '__feedcli_at record datafye' -l stale-after -x -d 'Reconnect when no data came for DURATION (pings and heartbeats don\'t count);...'
complete -c feedcli -n '__feedcli_at record datafye' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at record datafye' -l ping-interval -x -d 'Ping the server every DURATION; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at record datafye' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at record datafye' -l sink -x -d 'Also send every line, control lines too, to redis://HOST:PORT/DB?key=TEMPLATE...'
complete -c feedcli -n '__feedcli_at record datafye' -l normalize -d 'Write each line\'s data in the common shape of its kind (book, trade, candle,...'
complete -c feedcli -n '__feedcli_at record datafye' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at record datafye' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at record datafye' -s h -l help -d 'Show this message and exit.'

# feedcli record moex
complete -c feedcli -n '__feedcli_at record moex' -l ticker -x -d 'Ticker as MARKET.BOARD.SECID, e.g. MXSE.TQBR.SBER (repeatable).'
complete -c feedcli -n '__feedcli_at record moex' -l stream -x -a 'securities orderbooks candles' -d 'securities, orderbooks, candles (repeatable). Default: securities.'
complete -c feedcli -n '__feedcli_at record moex' -l interval -x -a 'M1 M10 H1 D1 W1 m1 m3 Q1' -d 'Candle interval: M1 (default), M10, H1, D1, W1, m1 (a month), m3, Q1 (quarters).'
complete -c feedcli -n '__feedcli_at record moex' -l heartbeat -x -d 'STOMP heart-beat to ask for, in seconds (default 10; 0: none). A server silen...'
complete -c feedcli -n '__feedcli_at record moex' -s o -l output -r -F -d 'A file, or a directory (existing, or ending in /) where files are named by pr...'
complete -c feedcli -n '__feedcli_at record moex' -l rotate-size -x -d 'Start a new file past SIZE (100MB, 1GiB).'
complete -c feedcli -n '__feedcli_at record moex' -l rotate-interval -x -d 'Start a new file every DURATION (1h, 15m, 1d).'
complete -c feedcli -n '__feedcli_at record moex' -l compress -x -a 'none gzip zstd' -d 'Compress each file as a stream. Default: what the -o name says (.gz gzip, .zs...'
complete -c feedcli -n '__feedcli_at record moex' -l flush-interval -x -d 'Push what was received to the disk (fsync) at least this often: the most a cr...'
complete -c feedcli -n '__feedcli_at record moex' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at record moex' -l limit -x -d 'Exit 0 after N data lines (N at least 1).'
complete -c feedcli -n '__feedcli_at record moex' -l duration -x -d 'Exit 0 after DURATION (seconds, or a number with a unit: 90, 90s, 1.5m, 15m,...'
complete -c feedcli -n '__feedcli_at record moex' -l stale-after -x -d 'Reconnect when no data came for DURATION (pings and heartbeats don\'t count);...'
complete -c feedcli -n '__feedcli_at record moex' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at record moex' -l ping-interval -x -d 'Ping the server every DURATION; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at record moex' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at record moex' -l sink -x -d 'Also send every line, control lines too, to redis://HOST:PORT/DB?key=TEMPLATE...'
complete -c feedcli -n '__feedcli_at record moex' -l normalize -d 'Write each line\'s data in the common shape of its kind (book, trade, candle,...'
complete -c feedcli -n '__feedcli_at record moex' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at record moex' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at record moex' -s h -l help -d 'Show this message and exit.'

# feedcli record binance
complete -c feedcli -n '__feedcli_at record binance' -l pair -x -d 'Market as BASE-QUOTE, e.g. BTC-USDT (repeatable).'
complete -c feedcli -n '__feedcli_at record binance' -l interval -x -a '1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M' -d 'Candle interval (default 1m). Intervals without a WebSocket stream are polled...'
complete -c feedcli -n '__feedcli_at record binance' -l backfill -x -d 'Fetch the last N candles over REST before streaming.'
complete -c feedcli -n '__feedcli_at record binance' -l channel -x -a 'candles trades book ticker' -d 'candles (default), trades, book, ticker (repeatable; one connection carries t...'
complete -c feedcli -n '__feedcli_at record binance' -l depth -x -d 'Levels per side of a book line (default 10; 1 to 1000).'
complete -c feedcli -n '__feedcli_at record binance' -s o -l output -r -F -d 'A file, or a directory (existing, or ending in /) where files are named by pr...'
complete -c feedcli -n '__feedcli_at record binance' -l rotate-size -x -d 'Start a new file past SIZE (100MB, 1GiB).'
complete -c feedcli -n '__feedcli_at record binance' -l rotate-interval -x -d 'Start a new file every DURATION (1h, 15m, 1d).'
complete -c feedcli -n '__feedcli_at record binance' -l compress -x -a 'none gzip zstd' -d 'Compress each file as a stream. Default: what the -o name says (.gz gzip, .zs...'
complete -c feedcli -n '__feedcli_at record binance' -l flush-interval -x -d 'Push what was received to the disk (fsync) at least this often: the most a cr...'
complete -c feedcli -n '__feedcli_at record binance' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at record binance' -l limit -x -d 'Exit 0 after N data lines (N at least 1).'
complete -c feedcli -n '__feedcli_at record binance' -l duration -x -d 'Exit 0 after DURATION (seconds, or a number with a unit: 90, 90s, 1.5m, 15m,...'
complete -c feedcli -n '__feedcli_at record binance' -l stale-after -x -d 'Reconnect when no data came for DURATION (pings and heartbeats don\'t count);...'
complete -c feedcli -n '__feedcli_at record binance' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at record binance' -l ping-interval -x -d 'Ping the server every DURATION; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at record binance' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at record binance' -l sink -x -d 'Also send every line, control lines too, to redis://HOST:PORT/DB?key=TEMPLATE...'
complete -c feedcli -n '__feedcli_at record binance' -l normalize -d 'Write each line\'s data in the common shape of its kind (book, trade, candle,...'
complete -c feedcli -n '__feedcli_at record binance' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at record binance' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at record binance' -s h -l help -d 'Show this message and exit.'

# feedcli record okx
complete -c feedcli -n '__feedcli_at record okx' -l pair -x -d 'Market as BASE-QUOTE, e.g. BTC-USDT (repeatable).'
complete -c feedcli -n '__feedcli_at record okx' -l interval -x -a '1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 12h 1d 3d 1w 1M' -d 'Candle interval (default 1m). Intervals without a WebSocket stream are polled...'
complete -c feedcli -n '__feedcli_at record okx' -l backfill -x -d 'Fetch the last N candles over REST before streaming.'
complete -c feedcli -n '__feedcli_at record okx' -l channel -x -a 'candles trades book ticker' -d 'candles (default), trades, book, ticker (repeatable; one connection carries t...'
complete -c feedcli -n '__feedcli_at record okx' -l depth -x -d 'Levels per side of a book line (default 10; 1 to 400).'
complete -c feedcli -n '__feedcli_at record okx' -s o -l output -r -F -d 'A file, or a directory (existing, or ending in /) where files are named by pr...'
complete -c feedcli -n '__feedcli_at record okx' -l rotate-size -x -d 'Start a new file past SIZE (100MB, 1GiB).'
complete -c feedcli -n '__feedcli_at record okx' -l rotate-interval -x -d 'Start a new file every DURATION (1h, 15m, 1d).'
complete -c feedcli -n '__feedcli_at record okx' -l compress -x -a 'none gzip zstd' -d 'Compress each file as a stream. Default: what the -o name says (.gz gzip, .zs...'
complete -c feedcli -n '__feedcli_at record okx' -l flush-interval -x -d 'Push what was received to the disk (fsync) at least this often: the most a cr...'
complete -c feedcli -n '__feedcli_at record okx' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at record okx' -l limit -x -d 'Exit 0 after N data lines (N at least 1).'
complete -c feedcli -n '__feedcli_at record okx' -l duration -x -d 'Exit 0 after DURATION (seconds, or a number with a unit: 90, 90s, 1.5m, 15m,...'
complete -c feedcli -n '__feedcli_at record okx' -l stale-after -x -d 'Reconnect when no data came for DURATION (pings and heartbeats don\'t count);...'
complete -c feedcli -n '__feedcli_at record okx' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at record okx' -l ping-interval -x -d 'Ping the server every DURATION; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at record okx' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at record okx' -l sink -x -d 'Also send every line, control lines too, to redis://HOST:PORT/DB?key=TEMPLATE...'
complete -c feedcli -n '__feedcli_at record okx' -l normalize -d 'Write each line\'s data in the common shape of its kind (book, trade, candle,...'
complete -c feedcli -n '__feedcli_at record okx' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at record okx' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at record okx' -s h -l help -d 'Show this message and exit.'

# feedcli record coinbase
complete -c feedcli -n '__feedcli_at record coinbase' -l pair -x -d 'Market as BASE-QUOTE, e.g. BTC-USDT (repeatable).'
complete -c feedcli -n '__feedcli_at record coinbase' -l interval -x -a '1m 5m 15m 30m 1h 2h 6h 1d' -d 'Candle interval (default 5m). Intervals without a WebSocket stream are polled...'
complete -c feedcli -n '__feedcli_at record coinbase' -l backfill -x -d 'Fetch the last N candles over REST before streaming.'
complete -c feedcli -n '__feedcli_at record coinbase' -l channel -x -a 'candles trades book ticker' -d 'candles (default), trades, book, ticker (repeatable; one connection carries t...'
complete -c feedcli -n '__feedcli_at record coinbase' -l depth -x -d 'Levels per side of a book line (default 10; 1 to 1000).'
complete -c feedcli -n '__feedcli_at record coinbase' -s o -l output -r -F -d 'A file, or a directory (existing, or ending in /) where files are named by pr...'
complete -c feedcli -n '__feedcli_at record coinbase' -l rotate-size -x -d 'Start a new file past SIZE (100MB, 1GiB).'
complete -c feedcli -n '__feedcli_at record coinbase' -l rotate-interval -x -d 'Start a new file every DURATION (1h, 15m, 1d).'
complete -c feedcli -n '__feedcli_at record coinbase' -l compress -x -a 'none gzip zstd' -d 'Compress each file as a stream. Default: what the -o name says (.gz gzip, .zs...'
complete -c feedcli -n '__feedcli_at record coinbase' -l flush-interval -x -d 'Push what was received to the disk (fsync) at least this often: the most a cr...'
complete -c feedcli -n '__feedcli_at record coinbase' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at record coinbase' -l limit -x -d 'Exit 0 after N data lines (N at least 1).'
complete -c feedcli -n '__feedcli_at record coinbase' -l duration -x -d 'Exit 0 after DURATION (seconds, or a number with a unit: 90, 90s, 1.5m, 15m,...'
complete -c feedcli -n '__feedcli_at record coinbase' -l stale-after -x -d 'Reconnect when no data came for DURATION (pings and heartbeats don\'t count);...'
complete -c feedcli -n '__feedcli_at record coinbase' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at record coinbase' -l ping-interval -x -d 'Ping the server every DURATION; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at record coinbase' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at record coinbase' -l sink -x -d 'Also send every line, control lines too, to redis://HOST:PORT/DB?key=TEMPLATE...'
complete -c feedcli -n '__feedcli_at record coinbase' -l normalize -d 'Write each line\'s data in the common shape of its kind (book, trade, candle,...'
complete -c feedcli -n '__feedcli_at record coinbase' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at record coinbase' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at record coinbase' -s h -l help -d 'Show this message and exit.'

# feedcli record bybit
complete -c feedcli -n '__feedcli_at record bybit' -l pair -x -d 'Market as BASE-QUOTE, e.g. BTC-USDT (repeatable).'
complete -c feedcli -n '__feedcli_at record bybit' -l interval -x -a '1m 3m 5m 15m 30m 1h 2h 4h 6h 12h 1d 1w 1M' -d 'Candle interval (default 1m). Intervals without a WebSocket stream are polled...'
complete -c feedcli -n '__feedcli_at record bybit' -l backfill -x -d 'Fetch the last N candles over REST before streaming.'
complete -c feedcli -n '__feedcli_at record bybit' -l channel -x -a 'candles trades book ticker' -d 'candles (default), trades, book, ticker (repeatable; one connection carries t...'
complete -c feedcli -n '__feedcli_at record bybit' -l depth -x -d 'Levels per side of a book line (default 10; 1 to 1000).'
complete -c feedcli -n '__feedcli_at record bybit' -s o -l output -r -F -d 'A file, or a directory (existing, or ending in /) where files are named by pr...'
complete -c feedcli -n '__feedcli_at record bybit' -l rotate-size -x -d 'Start a new file past SIZE (100MB, 1GiB).'
complete -c feedcli -n '__feedcli_at record bybit' -l rotate-interval -x -d 'Start a new file every DURATION (1h, 15m, 1d).'
complete -c feedcli -n '__feedcli_at record bybit' -l compress -x -a 'none gzip zstd' -d 'Compress each file as a stream. Default: what the -o name says (.gz gzip, .zs...'
complete -c feedcli -n '__feedcli_at record bybit' -l flush-interval -x -d 'Push what was received to the disk (fsync) at least this often: the most a cr...'
complete -c feedcli -n '__feedcli_at record bybit' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at record bybit' -l limit -x -d 'Exit 0 after N data lines (N at least 1).'
complete -c feedcli -n '__feedcli_at record bybit' -l duration -x -d 'Exit 0 after DURATION (seconds, or a number with a unit: 90, 90s, 1.5m, 15m,...'
complete -c feedcli -n '__feedcli_at record bybit' -l stale-after -x -d 'Reconnect when no data came for DURATION (pings and heartbeats don\'t count);...'
complete -c feedcli -n '__feedcli_at record bybit' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at record bybit' -l ping-interval -x -d 'Ping the server every DURATION; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at record bybit' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at record bybit' -l sink -x -d 'Also send every line, control lines too, to redis://HOST:PORT/DB?key=TEMPLATE...'
complete -c feedcli -n '__feedcli_at record bybit' -l normalize -d 'Write each line\'s data in the common shape of its kind (book, trade, candle,...'
complete -c feedcli -n '__feedcli_at record bybit' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at record bybit' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at record bybit' -s h -l help -d 'Show this message and exit.'

# feedcli record kucoin
complete -c feedcli -n '__feedcli_at record kucoin' -l pair -x -d 'Market as BASE-QUOTE, e.g. BTC-USDT (repeatable).'
complete -c feedcli -n '__feedcli_at record kucoin' -l interval -x -a '1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 1w' -d 'Candle interval (default 1m). Intervals without a WebSocket stream are polled...'
complete -c feedcli -n '__feedcli_at record kucoin' -l backfill -x -d 'Fetch the last N candles over REST before streaming.'
complete -c feedcli -n '__feedcli_at record kucoin' -l channel -x -a 'candles trades book ticker' -d 'candles (default), trades, book, ticker (repeatable; one connection carries t...'
complete -c feedcli -n '__feedcli_at record kucoin' -l depth -x -d 'Levels per side of a book line (default 10; 1 to 50).'
complete -c feedcli -n '__feedcli_at record kucoin' -s o -l output -r -F -d 'A file, or a directory (existing, or ending in /) where files are named by pr...'
complete -c feedcli -n '__feedcli_at record kucoin' -l rotate-size -x -d 'Start a new file past SIZE (100MB, 1GiB).'
complete -c feedcli -n '__feedcli_at record kucoin' -l rotate-interval -x -d 'Start a new file every DURATION (1h, 15m, 1d).'
complete -c feedcli -n '__feedcli_at record kucoin' -l compress -x -a 'none gzip zstd' -d 'Compress each file as a stream. Default: what the -o name says (.gz gzip, .zs...'
complete -c feedcli -n '__feedcli_at record kucoin' -l flush-interval -x -d 'Push what was received to the disk (fsync) at least this often: the most a cr...'
complete -c feedcli -n '__feedcli_at record kucoin' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at record kucoin' -l limit -x -d 'Exit 0 after N data lines (N at least 1).'
complete -c feedcli -n '__feedcli_at record kucoin' -l duration -x -d 'Exit 0 after DURATION (seconds, or a number with a unit: 90, 90s, 1.5m, 15m,...'
complete -c feedcli -n '__feedcli_at record kucoin' -l stale-after -x -d 'Reconnect when no data came for DURATION (pings and heartbeats don\'t count);...'
complete -c feedcli -n '__feedcli_at record kucoin' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at record kucoin' -l ping-interval -x -d 'Ping the server every DURATION; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at record kucoin' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at record kucoin' -l sink -x -d 'Also send every line, control lines too, to redis://HOST:PORT/DB?key=TEMPLATE...'
complete -c feedcli -n '__feedcli_at record kucoin' -l normalize -d 'Write each line\'s data in the common shape of its kind (book, trade, candle,...'
complete -c feedcli -n '__feedcli_at record kucoin' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at record kucoin' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at record kucoin' -s h -l help -d 'Show this message and exit.'

# feedcli record gate
complete -c feedcli -n '__feedcli_at record gate' -l pair -x -d 'Market as BASE-QUOTE, e.g. BTC-USDT (repeatable).'
complete -c feedcli -n '__feedcli_at record gate' -l interval -x -a '1s 1m 5m 15m 30m 1h 4h 8h 1d 1w 1M' -d 'Candle interval (default 1m). Intervals without a WebSocket stream are polled...'
complete -c feedcli -n '__feedcli_at record gate' -l backfill -x -d 'Fetch the last N candles over REST before streaming.'
complete -c feedcli -n '__feedcli_at record gate' -l channel -x -a 'candles trades book ticker' -d 'candles (default), trades, book, ticker (repeatable; one connection carries t...'
complete -c feedcli -n '__feedcli_at record gate' -l depth -x -d 'Levels per side of a book line (default 10; 1 to 50).'
complete -c feedcli -n '__feedcli_at record gate' -s o -l output -r -F -d 'A file, or a directory (existing, or ending in /) where files are named by pr...'
complete -c feedcli -n '__feedcli_at record gate' -l rotate-size -x -d 'Start a new file past SIZE (100MB, 1GiB).'
complete -c feedcli -n '__feedcli_at record gate' -l rotate-interval -x -d 'Start a new file every DURATION (1h, 15m, 1d).'
complete -c feedcli -n '__feedcli_at record gate' -l compress -x -a 'none gzip zstd' -d 'Compress each file as a stream. Default: what the -o name says (.gz gzip, .zs...'
complete -c feedcli -n '__feedcli_at record gate' -l flush-interval -x -d 'Push what was received to the disk (fsync) at least this often: the most a cr...'
complete -c feedcli -n '__feedcli_at record gate' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at record gate' -l limit -x -d 'Exit 0 after N data lines (N at least 1).'
complete -c feedcli -n '__feedcli_at record gate' -l duration -x -d 'Exit 0 after DURATION (seconds, or a number with a unit: 90, 90s, 1.5m, 15m,...'
complete -c feedcli -n '__feedcli_at record gate' -l stale-after -x -d 'Reconnect when no data came for DURATION (pings and heartbeats don\'t count);...'
complete -c feedcli -n '__feedcli_at record gate' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at record gate' -l ping-interval -x -d 'Ping the server every DURATION; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at record gate' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at record gate' -l sink -x -d 'Also send every line, control lines too, to redis://HOST:PORT/DB?key=TEMPLATE...'
complete -c feedcli -n '__feedcli_at record gate' -l normalize -d 'Write each line\'s data in the common shape of its kind (book, trade, candle,...'
complete -c feedcli -n '__feedcli_at record gate' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at record gate' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at record gate' -s h -l help -d 'Show this message and exit.'

# feedcli replay
complete -c feedcli -n '__feedcli_at replay' -l speed -x -d '1: real time; 10: ten times faster; 0.5: half speed; 0: as fast as the reader...'
complete -c feedcli -n '__feedcli_at replay' -l from -x -d 'Start at this receive time (ISO 8601, inclusive; no zone means UTC).'
complete -c feedcli -n '__feedcli_at replay' -l to -x -d 'Stop before this receive time (ISO 8601, exclusive; no zone means UTC).'
complete -c feedcli -n '__feedcli_at replay' -l channel -x -d 'Only data lines of this channel (repeatable). Control lines are kept.'
complete -c feedcli -n '__feedcli_at replay' -l symbol -x -d 'Only data lines of this symbol (repeatable). Control lines are kept.'
complete -c feedcli -n '__feedcli_at replay' -l format -x -a 'auto ndjson view' -d 'auto: a live view on a terminal, NDJSON otherwise.'
complete -c feedcli -n '__feedcli_at replay' -l fps -x -d 'Redraws per second of the live view, 1 to 60.'
complete -c feedcli -n '__feedcli_at replay' -l focus -x -d 'The live view\'s detail panel starts on SYMBOL (an identifier or a name); arro...'
complete -c feedcli -n '__feedcli_at replay' -l tz -x -d 'The zone of every clock in the live view: UTC (the default), local, or a name...'
complete -c feedcli -n '__feedcli_at replay' -l normalize -d 'Write each line\'s data in the common shape of its kind (book, trade, candle,...'
complete -c feedcli -n '__feedcli_at replay' -l serve -x -d 'Serve the recording over its provider\'s own protocol (tse, ime, datafye, moex...'
complete -c feedcli -n '__feedcli_at replay' -l public -d 'With --serve: allow a HOST that is not loopback (0.0.0.0, a LAN address); the...'
complete -c feedcli -n '__feedcli_at replay' -s f -l follow -d 'With a redis:// or nats:// URL: after what is there, keep reading new lines a...'
complete -c feedcli -n '__feedcli_at replay' -l sink -x -d 'Also send every line, control lines too, to redis://HOST:PORT/DB?key=TEMPLATE...'
complete -c feedcli -n '__feedcli_at replay' -l wait-clients -x -d 'With --serve: start the recording once N client connections have subscribed,...'
complete -c feedcli -n '__feedcli_at replay' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at replay' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at replay' -s h -l help -d 'Show this message and exit.'

# feedcli export
complete -c feedcli -n '__feedcli_at export' -s o -l output -x -d 'OUT.parquet (needs pip install \'feedcli\\[parquet]\') or OUT.csv.'
complete -c feedcli -n '__feedcli_at export' -l kind -x -d 'book, trade, candle, quote, stats or info. Default: the one kind the lines hold.'
complete -c feedcli -n '__feedcli_at export' -l channel -x -d 'Only lines of this channel (repeatable).'
complete -c feedcli -n '__feedcli_at export' -l symbol -x -d 'Only lines of this symbol (repeatable).'
complete -c feedcli -n '__feedcli_at export' -l force -d 'Replace OUT if it exists.'
complete -c feedcli -n '__feedcli_at export' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at export' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at export' -s h -l help -d 'Show this message and exit.'
complete -c feedcli -n '__feedcli_arg 0+ export' -F

# feedcli search
complete -c feedcli -n '__feedcli_at search' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at search' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at search' -l json -d 'Print one JSON array (even on a terminal).'
complete -c feedcli -n '__feedcli_at search' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at search' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at search' -s h -l help -d 'Show this message and exit.'

# feedcli providers
complete -c feedcli -n '__feedcli_at providers' -l json -d 'Print one JSON array (even on a terminal).'
complete -c feedcli -n '__feedcli_at providers' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at providers' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at providers' -s h -l help -d 'Show this message and exit.'

# feedcli demo
complete -c feedcli -n '__feedcli_at demo' -l rate -x -d 'Simulated market events per second.'
complete -c feedcli -n '__feedcli_at demo' -l seed -x -d 'Seed of the simulated market.'
complete -c feedcli -n '__feedcli_at demo' -l duration -x -d 'Exit 0 after DURATION (seconds, or a number with a unit: 90, 90s, 1.5m, 15m,...'
complete -c feedcli -n '__feedcli_at demo' -l format -x -a 'auto ndjson view' -d 'auto: a live view on a terminal, NDJSON otherwise.'
complete -c feedcli -n '__feedcli_at demo' -l limit -x -d 'Exit 0 after N data lines (N at least 1).'
complete -c feedcli -n '__feedcli_at demo' -l fps -x -d 'Redraws per second of the live view, 1 to 60.'
complete -c feedcli -n '__feedcli_at demo' -l channel -x -d 'Stream these channels rather than the demo\'s own (repeatable; the provider\'s...'
complete -c feedcli -n '__feedcli_at demo' -l focus -x -d 'The live view\'s detail panel starts on SYMBOL (an identifier or a name); arro...'
complete -c feedcli -n '__feedcli_at demo' -l tz -x -d 'The zone of every clock in the live view: UTC (the default), local, or a name...'
complete -c feedcli -n '__feedcli_at demo' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at demo' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at demo' -s h -l help -d 'Show this message and exit.'
complete -c feedcli -n '__feedcli_arg 0 demo' -a 'tse ime moex binance okx coinbase bybit kucoin gate'

# feedcli simulate
complete -c feedcli -n '__feedcli_at simulate' -a tse -d 'HT Data Engine (TSE & IFB, and IME on the same port):...'
complete -c feedcli -n '__feedcli_at simulate' -a ime -d 'HT Data Engine (IME, and TSE & IFB on the same port):...'
complete -c feedcli -n '__feedcli_at simulate' -a datafye -d 'Datafye WebSocket API: live quotes, trades, aggregates,...'
complete -c feedcli -n '__feedcli_at simulate' -a moex -d 'MOEX ISS+ over STOMP: CONNECT with metadata, securities,...'
complete -c feedcli -n '__feedcli_at simulate' -a binance -d 'Binance spot: kline streams on /ws and /stream, ping...'
complete -c feedcli -n '__feedcli_at simulate' -a okx -d 'OKX: candles on /ws/v5/business, text ping/pong, REST...'
complete -c feedcli -n '__feedcli_at simulate' -a coinbase -d 'Coinbase Advanced Trade: 5-minute candles, heartbeats...'
complete -c feedcli -n '__feedcli_at simulate' -a bybit -d 'Bybit v5 public spot: kline topics, JSON ping, REST...'
complete -c feedcli -n '__feedcli_at simulate' -a kucoin -d 'KuCoin: bullet-public token flow, welcome/ping/pong, REST...'
complete -c feedcli -n '__feedcli_at simulate' -a gate -d 'Gate.io API v4: spot.candlesticks, spot.ping, REST...'
complete -c feedcli -n '__feedcli_at simulate' -l install-completion -d 'Install completion for the current shell.'
complete -c feedcli -n '__feedcli_at simulate' -l show-completion -d 'Show completion for the current shell, to copy it or customize the installation.'
complete -c feedcli -n '__feedcli_at simulate' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at simulate' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at simulate' -s h -l help -d 'Show this message and exit.'

# feedcli simulate tse
complete -c feedcli -n '__feedcli_at simulate tse' -l host -x -d 'Address to bind: loopback only, unless --public.'
complete -c feedcli -n '__feedcli_at simulate tse' -l port -x -d 'Port to listen on; 0 picks a free one.'
complete -c feedcli -n '__feedcli_at simulate tse' -l public -d 'Allow a --host that is not loopback (0.0.0.0, a LAN address): the simulator\'s...'
complete -c feedcli -n '__feedcli_at simulate tse' -l rate -x -d 'Market events per second.'
complete -c feedcli -n '__feedcli_at simulate tse' -l seed -x -d 'Seed of the random walk: same seed, same data.'
complete -c feedcli -n '__feedcli_at simulate tse' -l strict-universe -d 'Serve the listed symbols and contracts only; refuse (1008) any other, even we...'
complete -c feedcli -n '__feedcli_at simulate tse' -l drop-after -x -d 'Cut each connection (no close frame) after N messages.'
complete -c feedcli -n '__feedcli_at simulate tse' -l stall-after -x -d 'Go silent on each connection after N messages (pings still answered).'
complete -c feedcli -n '__feedcli_at simulate tse' -l malformed-every -x -d 'Send a malformed frame before every Nth message.'
complete -c feedcli -n '__feedcli_at simulate tse' -l login-errors -x -d 'Answer the first logins with these HTTP statuses (e.g. 429,503).'
complete -c feedcli -n '__feedcli_at simulate tse' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at simulate tse' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at simulate tse' -s h -l help -d 'Show this message and exit.'

# feedcli simulate ime
complete -c feedcli -n '__feedcli_at simulate ime' -l host -x -d 'Address to bind: loopback only, unless --public.'
complete -c feedcli -n '__feedcli_at simulate ime' -l port -x -d 'Port to listen on; 0 picks a free one.'
complete -c feedcli -n '__feedcli_at simulate ime' -l public -d 'Allow a --host that is not loopback (0.0.0.0, a LAN address): the simulator\'s...'
complete -c feedcli -n '__feedcli_at simulate ime' -l rate -x -d 'Market events per second.'
complete -c feedcli -n '__feedcli_at simulate ime' -l seed -x -d 'Seed of the random walk: same seed, same data.'
complete -c feedcli -n '__feedcli_at simulate ime' -l strict-universe -d 'Serve the listed symbols and contracts only; refuse (1008) any other, even we...'
complete -c feedcli -n '__feedcli_at simulate ime' -l drop-after -x -d 'Cut each connection (no close frame) after N messages.'
complete -c feedcli -n '__feedcli_at simulate ime' -l stall-after -x -d 'Go silent on each connection after N messages (pings still answered).'
complete -c feedcli -n '__feedcli_at simulate ime' -l malformed-every -x -d 'Send a malformed frame before every Nth message.'
complete -c feedcli -n '__feedcli_at simulate ime' -l login-errors -x -d 'Answer the first logins with these HTTP statuses (e.g. 429,503).'
complete -c feedcli -n '__feedcli_at simulate ime' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at simulate ime' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at simulate ime' -s h -l help -d 'Show this message and exit.'

# feedcli simulate datafye
complete -c feedcli -n '__feedcli_at simulate datafye' -l host -x -d 'Address to bind: loopback only, unless --public.'
complete -c feedcli -n '__feedcli_at simulate datafye' -l port -x -d 'Port to listen on; 0 picks a free one.'
complete -c feedcli -n '__feedcli_at simulate datafye' -l public -d 'Allow a --host that is not loopback (0.0.0.0, a LAN address): the simulator\'s...'
complete -c feedcli -n '__feedcli_at simulate datafye' -l rate -x -d 'Data messages per second on each connection, spread over its symbols.'
complete -c feedcli -n '__feedcli_at simulate datafye' -l seed -x -d 'Seed of the random walk: same seed, same data.'
complete -c feedcli -n '__feedcli_at simulate datafye' -l heartbeat-interval -x -d 'Seconds between heartbeats.'
complete -c feedcli -n '__feedcli_at simulate datafye' -l pong-timeout -x -d 'Close a connection (4001 \'no pong\') that leaves a heartbeat unanswered this l...'
complete -c feedcli -n '__feedcli_at simulate datafye' -l halt-every -x -d 'Halt each live connection after every N data messages (\'halt\', silence, \'resu...'
complete -c feedcli -n '__feedcli_at simulate datafye' -l halt-seconds -x -d 'How long a halt lasts.'
complete -c feedcli -n '__feedcli_at simulate datafye' -l drop-after -x -d 'Cut each connection (no close frame) after N messages.'
complete -c feedcli -n '__feedcli_at simulate datafye' -l stall-after -x -d 'Go silent on each connection after N data messages, unannounced (heartbeats g...'
complete -c feedcli -n '__feedcli_at simulate datafye' -l malformed-every -x -d 'Send a malformed frame before every Nth message.'
complete -c feedcli -n '__feedcli_at simulate datafye' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at simulate datafye' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at simulate datafye' -s h -l help -d 'Show this message and exit.'

# feedcli simulate moex
complete -c feedcli -n '__feedcli_at simulate moex' -l host -x -d 'Address to bind: loopback only, unless --public.'
complete -c feedcli -n '__feedcli_at simulate moex' -l port -x -d 'Port to listen on; 0 picks a free one.'
complete -c feedcli -n '__feedcli_at simulate moex' -l public -d 'Allow a --host that is not loopback (0.0.0.0, a LAN address): the simulator\'s...'
complete -c feedcli -n '__feedcli_at simulate moex' -l rate -x -d 'Market events per second, per instrument.'
complete -c feedcli -n '__feedcli_at simulate moex' -l seed -x -d 'Seed of the random walk: same seed, same data.'
complete -c feedcli -n '__feedcli_at simulate moex' -l heart-beat -x -d 'The server\'s heart-beat in CONNECTED (ms, both ways); the rate is agreed with...'
complete -c feedcli -n '__feedcli_at simulate moex' -l drop-after -x -d 'Cut each connection (no close frame) after N messages.'
complete -c feedcli -n '__feedcli_at simulate moex' -l gap-every -x -d 'Skip a seqnum in every Nth packet of a subscription (a lost packet: a gap).'
complete -c feedcli -n '__feedcli_at simulate moex' -l error-after -x -d 'Send ERROR --error-code after N messages on a connection, and close it.'
complete -c feedcli -n '__feedcli_at simulate moex' -l error-code -x -d 'The code --error-after sends: gateway.timeout, gateway.transport, gateway.exc...'
complete -c feedcli -n '__feedcli_at simulate moex' -l stall-after -x -d 'Send no more data on a connection after N messages; heart-beats go on.'
complete -c feedcli -n '__feedcli_at simulate moex' -l silent-after -x -d 'Send nothing at all on a connection after N messages, not even heart-beats.'
complete -c feedcli -n '__feedcli_at simulate moex' -l malformed-every -x -d 'Send a malformed frame before every Nth message.'
complete -c feedcli -n '__feedcli_at simulate moex' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at simulate moex' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at simulate moex' -s h -l help -d 'Show this message and exit.'

# feedcli simulate binance
complete -c feedcli -n '__feedcli_at simulate binance' -l host -x -d 'Address to bind: loopback only, unless --public.'
complete -c feedcli -n '__feedcli_at simulate binance' -l port -x -d 'Port to listen on; 0 picks a free one.'
complete -c feedcli -n '__feedcli_at simulate binance' -l public -d 'Allow a --host that is not loopback (0.0.0.0, a LAN address): the simulator\'s...'
complete -c feedcli -n '__feedcli_at simulate binance' -l rate -x -d 'Updates per second of each subscribed candle.'
complete -c feedcli -n '__feedcli_at simulate binance' -l seed -x -d 'Seed of the random walk: same seed, same data.'
complete -c feedcli -n '__feedcli_at simulate binance' -l channel -x -a 'candles trades book ticker' -d 'Serve only these channels: candles, trades, book, ticker (repeatable; default...'
complete -c feedcli -n '__feedcli_at simulate binance' -l rest-429-every -x -d 'Answer every Nth REST call with 429 and Retry-After: 1.'
complete -c feedcli -n '__feedcli_at simulate binance' -l drop-after -x -d 'Cut each connection (no close frame) after N messages.'
complete -c feedcli -n '__feedcli_at simulate binance' -l rest-limits-scale -x -d 'Enforce the exchange\'s documented REST limits (429/418 past them), every wind...'
complete -c feedcli -n '__feedcli_at simulate binance' -l skip-update-every -x -d 'Leave out every Nth book update of each pair (a sequence gap).'
complete -c feedcli -n '__feedcli_at simulate binance' -l bad-checksum-every -x -d 'Send a wrong book checksum now and then, about every Nth time (where the exch...'
complete -c feedcli -n '__feedcli_at simulate binance' -l snapshot-lag -x -d 'Answer REST book snapshots with the book as it was N updates ago.'
complete -c feedcli -n '__feedcli_at simulate binance' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at simulate binance' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at simulate binance' -s h -l help -d 'Show this message and exit.'

# feedcli simulate okx
complete -c feedcli -n '__feedcli_at simulate okx' -l host -x -d 'Address to bind: loopback only, unless --public.'
complete -c feedcli -n '__feedcli_at simulate okx' -l port -x -d 'Port to listen on; 0 picks a free one.'
complete -c feedcli -n '__feedcli_at simulate okx' -l public -d 'Allow a --host that is not loopback (0.0.0.0, a LAN address): the simulator\'s...'
complete -c feedcli -n '__feedcli_at simulate okx' -l rate -x -d 'Updates per second of each subscribed candle.'
complete -c feedcli -n '__feedcli_at simulate okx' -l seed -x -d 'Seed of the random walk: same seed, same data.'
complete -c feedcli -n '__feedcli_at simulate okx' -l channel -x -a 'candles trades book ticker' -d 'Serve only these channels: candles, trades, book, ticker (repeatable; default...'
complete -c feedcli -n '__feedcli_at simulate okx' -l rest-429-every -x -d 'Answer every Nth REST call with 429 and Retry-After: 1.'
complete -c feedcli -n '__feedcli_at simulate okx' -l drop-after -x -d 'Cut each connection (no close frame) after N messages.'
complete -c feedcli -n '__feedcli_at simulate okx' -l rest-limits-scale -x -d 'Enforce the exchange\'s documented REST limits (429/418 past them), every wind...'
complete -c feedcli -n '__feedcli_at simulate okx' -l skip-update-every -x -d 'Leave out every Nth book update of each pair (a sequence gap).'
complete -c feedcli -n '__feedcli_at simulate okx' -l bad-checksum-every -x -d 'Send a wrong book checksum now and then, about every Nth time (where the exch...'
complete -c feedcli -n '__feedcli_at simulate okx' -l snapshot-lag -x -d 'Answer REST book snapshots with the book as it was N updates ago.'
complete -c feedcli -n '__feedcli_at simulate okx' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at simulate okx' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at simulate okx' -s h -l help -d 'Show this message and exit.'

# feedcli simulate coinbase
complete -c feedcli -n '__feedcli_at simulate coinbase' -l host -x -d 'Address to bind: loopback only, unless --public.'
complete -c feedcli -n '__feedcli_at simulate coinbase' -l port -x -d 'Port to listen on; 0 picks a free one.'
complete -c feedcli -n '__feedcli_at simulate coinbase' -l public -d 'Allow a --host that is not loopback (0.0.0.0, a LAN address): the simulator\'s...'
complete -c feedcli -n '__feedcli_at simulate coinbase' -l rate -x -d 'Updates per second of each subscribed candle.'
complete -c feedcli -n '__feedcli_at simulate coinbase' -l seed -x -d 'Seed of the random walk: same seed, same data.'
complete -c feedcli -n '__feedcli_at simulate coinbase' -l channel -x -a 'candles trades book ticker' -d 'Serve only these channels: candles, trades, book, ticker (repeatable; default...'
complete -c feedcli -n '__feedcli_at simulate coinbase' -l rest-429-every -x -d 'Answer every Nth REST call with 429 and Retry-After: 1.'
complete -c feedcli -n '__feedcli_at simulate coinbase' -l drop-after -x -d 'Cut each connection (no close frame) after N messages.'
complete -c feedcli -n '__feedcli_at simulate coinbase' -l rest-limits-scale -x -d 'Enforce the exchange\'s documented REST limits (429/418 past them), every wind...'
complete -c feedcli -n '__feedcli_at simulate coinbase' -l skip-update-every -x -d 'Leave out every Nth book update of each pair (a sequence gap).'
complete -c feedcli -n '__feedcli_at simulate coinbase' -l bad-checksum-every -x -d 'Send a wrong book checksum now and then, about every Nth time (where the exch...'
complete -c feedcli -n '__feedcli_at simulate coinbase' -l snapshot-lag -x -d 'Answer REST book snapshots with the book as it was N updates ago.'
complete -c feedcli -n '__feedcli_at simulate coinbase' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at simulate coinbase' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at simulate coinbase' -s h -l help -d 'Show this message and exit.'

# feedcli simulate bybit
complete -c feedcli -n '__feedcli_at simulate bybit' -l host -x -d 'Address to bind: loopback only, unless --public.'
complete -c feedcli -n '__feedcli_at simulate bybit' -l port -x -d 'Port to listen on; 0 picks a free one.'
complete -c feedcli -n '__feedcli_at simulate bybit' -l public -d 'Allow a --host that is not loopback (0.0.0.0, a LAN address): the simulator\'s...'
complete -c feedcli -n '__feedcli_at simulate bybit' -l rate -x -d 'Updates per second of each subscribed candle.'
complete -c feedcli -n '__feedcli_at simulate bybit' -l seed -x -d 'Seed of the random walk: same seed, same data.'
complete -c feedcli -n '__feedcli_at simulate bybit' -l channel -x -a 'candles trades book ticker' -d 'Serve only these channels: candles, trades, book, ticker (repeatable; default...'
complete -c feedcli -n '__feedcli_at simulate bybit' -l rest-429-every -x -d 'Answer every Nth REST call with 429 and Retry-After: 1.'
complete -c feedcli -n '__feedcli_at simulate bybit' -l drop-after -x -d 'Cut each connection (no close frame) after N messages.'
complete -c feedcli -n '__feedcli_at simulate bybit' -l rest-limits-scale -x -d 'Enforce the exchange\'s documented REST limits (429/418 past them), every wind...'
complete -c feedcli -n '__feedcli_at simulate bybit' -l skip-update-every -x -d 'Leave out every Nth book update of each pair (a sequence gap).'
complete -c feedcli -n '__feedcli_at simulate bybit' -l bad-checksum-every -x -d 'Send a wrong book checksum now and then, about every Nth time (where the exch...'
complete -c feedcli -n '__feedcli_at simulate bybit' -l snapshot-lag -x -d 'Answer REST book snapshots with the book as it was N updates ago.'
complete -c feedcli -n '__feedcli_at simulate bybit' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at simulate bybit' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at simulate bybit' -s h -l help -d 'Show this message and exit.'

# feedcli simulate kucoin
complete -c feedcli -n '__feedcli_at simulate kucoin' -l host -x -d 'Address to bind: loopback only, unless --public.'
complete -c feedcli -n '__feedcli_at simulate kucoin' -l port -x -d 'Port to listen on; 0 picks a free one.'
complete -c feedcli -n '__feedcli_at simulate kucoin' -l public -d 'Allow a --host that is not loopback (0.0.0.0, a LAN address): the simulator\'s...'
complete -c feedcli -n '__feedcli_at simulate kucoin' -l rate -x -d 'Updates per second of each subscribed candle.'
complete -c feedcli -n '__feedcli_at simulate kucoin' -l seed -x -d 'Seed of the random walk: same seed, same data.'
complete -c feedcli -n '__feedcli_at simulate kucoin' -l channel -x -a 'candles trades book ticker' -d 'Serve only these channels: candles, trades, book, ticker (repeatable; default...'
complete -c feedcli -n '__feedcli_at simulate kucoin' -l rest-429-every -x -d 'Answer every Nth REST call with 429 and Retry-After: 1.'
complete -c feedcli -n '__feedcli_at simulate kucoin' -l drop-after -x -d 'Cut each connection (no close frame) after N messages.'
complete -c feedcli -n '__feedcli_at simulate kucoin' -l rest-limits-scale -x -d 'Enforce the exchange\'s documented REST limits (429/418 past them), every wind...'
complete -c feedcli -n '__feedcli_at simulate kucoin' -l skip-update-every -x -d 'Leave out every Nth book update of each pair (a sequence gap).'
complete -c feedcli -n '__feedcli_at simulate kucoin' -l bad-checksum-every -x -d 'Send a wrong book checksum now and then, about every Nth time (where the exch...'
complete -c feedcli -n '__feedcli_at simulate kucoin' -l snapshot-lag -x -d 'Answer REST book snapshots with the book as it was N updates ago.'
complete -c feedcli -n '__feedcli_at simulate kucoin' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at simulate kucoin' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at simulate kucoin' -s h -l help -d 'Show this message and exit.'

# feedcli simulate gate
complete -c feedcli -n '__feedcli_at simulate gate' -l host -x -d 'Address to bind: loopback only, unless --public.'
complete -c feedcli -n '__feedcli_at simulate gate' -l port -x -d 'Port to listen on; 0 picks a free one.'
complete -c feedcli -n '__feedcli_at simulate gate' -l public -d 'Allow a --host that is not loopback (0.0.0.0, a LAN address): the simulator\'s...'
complete -c feedcli -n '__feedcli_at simulate gate' -l rate -x -d 'Updates per second of each subscribed candle.'
complete -c feedcli -n '__feedcli_at simulate gate' -l seed -x -d 'Seed of the random walk: same seed, same data.'
complete -c feedcli -n '__feedcli_at simulate gate' -l channel -x -a 'candles trades book ticker' -d 'Serve only these channels: candles, trades, book, ticker (repeatable; default...'
complete -c feedcli -n '__feedcli_at simulate gate' -l rest-429-every -x -d 'Answer every Nth REST call with 429 and Retry-After: 1.'
complete -c feedcli -n '__feedcli_at simulate gate' -l drop-after -x -d 'Cut each connection (no close frame) after N messages.'
complete -c feedcli -n '__feedcli_at simulate gate' -l rest-limits-scale -x -d 'Enforce the exchange\'s documented REST limits (429/418 past them), every wind...'
complete -c feedcli -n '__feedcli_at simulate gate' -l skip-update-every -x -d 'Leave out every Nth book update of each pair (a sequence gap).'
complete -c feedcli -n '__feedcli_at simulate gate' -l bad-checksum-every -x -d 'Send a wrong book checksum now and then, about every Nth time (where the exch...'
complete -c feedcli -n '__feedcli_at simulate gate' -l snapshot-lag -x -d 'Answer REST book snapshots with the book as it was N updates ago.'
complete -c feedcli -n '__feedcli_at simulate gate' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at simulate gate' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at simulate gate' -s h -l help -d 'Show this message and exit.'

# feedcli login
complete -c feedcli -n '__feedcli_at login' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at login' -s u -l user -x -d 'User name or e-mail.'
complete -c feedcli -n '__feedcli_at login' -l password-stdin -d 'Read the password from standard input.'
complete -c feedcli -n '__feedcli_at login' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at login' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at login' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at login' -s h -l help -d 'Show this message and exit.'
complete -c feedcli -n '__feedcli_arg 0 login' -a 'ht moex'

# feedcli logout
complete -c feedcli -n '__feedcli_at logout' -l url -x -d 'Forget this host\'s login only.'
complete -c feedcli -n '__feedcli_at logout' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at logout' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at logout' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at logout' -s h -l help -d 'Show this message and exit.'
complete -c feedcli -n '__feedcli_arg 0 logout' -a 'ht moex'

# feedcli auth
complete -c feedcli -n '__feedcli_at auth' -a status -d 'Show, per profile, where you are logged in: provider...'
complete -c feedcli -n '__feedcli_at auth' -a token -d 'Print the stored token (a passcode for a family without...'
complete -c feedcli -n '__feedcli_at auth' -a login -d 'Log in, and store the credentials for the profile (mode...'
complete -c feedcli -n '__feedcli_at auth' -a logout -d 'Forget the stored credentials of a family (tokens, or...'
complete -c feedcli -n '__feedcli_at auth' -l install-completion -d 'Install completion for the current shell.'
complete -c feedcli -n '__feedcli_at auth' -l show-completion -d 'Show completion for the current shell, to copy it or customize the installation.'
complete -c feedcli -n '__feedcli_at auth' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at auth' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at auth' -s h -l help -d 'Show this message and exit.'

# feedcli auth status
complete -c feedcli -n '__feedcli_at auth status' -l json -d 'Print JSON (even on a terminal).'
complete -c feedcli -n '__feedcli_at auth status' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at auth status' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at auth status' -s h -l help -d 'Show this message and exit.'

# feedcli auth token
complete -c feedcli -n '__feedcli_at auth token' -l url -x -d 'The host whose token to print (default: as `stream` finds it: FEEDCLI_*_URL,...'
complete -c feedcli -n '__feedcli_at auth token' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at auth token' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at auth token' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at auth token' -s h -l help -d 'Show this message and exit.'
complete -c feedcli -n '__feedcli_arg 0 auth token' -a 'ht moex'

# feedcli auth login
complete -c feedcli -n '__feedcli_at auth login' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at auth login' -s u -l user -x -d 'User name or e-mail.'
complete -c feedcli -n '__feedcli_at auth login' -l password-stdin -d 'Read the password from standard input.'
complete -c feedcli -n '__feedcli_at auth login' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at auth login' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at auth login' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at auth login' -s h -l help -d 'Show this message and exit.'
complete -c feedcli -n '__feedcli_arg 0 auth login' -a 'ht moex'

# feedcli auth logout
complete -c feedcli -n '__feedcli_at auth logout' -l url -x -d 'Forget this host\'s login only.'
complete -c feedcli -n '__feedcli_at auth logout' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at auth logout' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at auth logout' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at auth logout' -s h -l help -d 'Show this message and exit.'
complete -c feedcli -n '__feedcli_arg 0 auth logout' -a 'ht moex'

# feedcli completion
complete -c feedcli -n '__feedcli_at completion' -s q -l quiet -d 'Print nothing on stderr but the final error, if any.'
complete -c feedcli -n '__feedcli_at completion' -s v -l verbose -d 'Tracebacks of unexpected errors; progress even when stderr is not a terminal...'
complete -c feedcli -n '__feedcli_at completion' -s h -l help -d 'Show this message and exit.'
complete -c feedcli -n '__feedcli_arg 0 completion' -a 'bash zsh fish'
