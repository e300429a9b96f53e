# Static bash completion for feedcli.
# GENERATED from the feedcli command tree by feedcli/completion_scripts.py: do not edit.
# Regenerate: python -m feedcli.completion_scripts   (tests/e2e/test_completions.py fails while this is stale)
# Use: source this file, or copy it to ~/.local/share/bash-completion/completions/feedcli
# Needs bash 4 or later; bash-completion is not needed.

# Add to COMPREPLY each word after the first argument that starts with the first argument.
__feedcli_add() {
    local cur="$1" word
    shift
    for word in "$@"; do
        [[ "$word" == "$cur"* ]] && COMPREPLY+=("$word")
    done
    return 0
}

# Add file (-f) or directory (-d) names starting with $2; names with spaces survive.
__feedcli_files() {
    local line
    type compopt &>/dev/null && compopt -o filenames 2>/dev/null
    while IFS= read -r line; do COMPREPLY+=("$line"); done < <(compgen "$1" -- "$2")
}

# Set __feedcli_reply to the subcommands of the command path $1 ('' is feedcli itself).
__feedcli_commands() {
    case "$1" in
        '') __feedcli_reply=(stream record replay export search providers demo simulate login logout auth completion) ;;
        stream) __feedcli_reply=(tse ime datafye moex binance okx coinbase bybit kucoin gate) ;;
        record) __feedcli_reply=(tse ime datafye moex binance okx coinbase bybit kucoin gate) ;;
        simulate) __feedcli_reply=(tse ime datafye moex binance okx coinbase bybit kucoin gate) ;;
        auth) __feedcli_reply=(status token login logout) ;;
        *) __feedcli_reply=() ;;
    esac
}

# Set __feedcli_reply to the options of the command path $1.
__feedcli_options() {
    case "$1" in
        '') __feedcli_reply=(-q --quiet -v --verbose -V --version -h --help) ;;
        stream) __feedcli_reply=(-q --quiet -v --verbose -h --help) ;;
        'stream tse') __feedcli_reply=(--isin --name -c --channel --bearer --url --format -o --output --limit --duration --events --stale-after --max-retries --ping-interval --profile --fps --focus --tz --sink --normalize -q --quiet -v --verbose -h --help) ;;
        'stream ime') __feedcli_reply=(--contract-id --contract-name --bearer --url --format -o --output --limit --duration --events --stale-after --max-retries --ping-interval --profile --fps --focus --tz --sink --normalize -q --quiet -v --verbose -h --help) ;;
        'stream datafye') __feedcli_reply=(--symbol -c --channel --dataset --frequency --from --to --deployment --user --type --env --url --format -o --output --limit --duration --events --stale-after --max-retries --ping-interval --profile --fps --focus --tz --sink --normalize -q --quiet -v --verbose -h --help) ;;
        'stream moex') __feedcli_reply=(--ticker --stream --interval --heartbeat --url --format -o --output --limit --duration --events --stale-after --max-retries --ping-interval --profile --fps --focus --tz --sink --normalize -q --quiet -v --verbose -h --help) ;;
        'stream binance') __feedcli_reply=(--pair --interval --backfill --channel --depth --url --format -o --output --limit --duration --events --stale-after --max-retries --ping-interval --profile --fps --focus --tz --sink --normalize -q --quiet -v --verbose -h --help) ;;
        'stream okx') __feedcli_reply=(--pair --interval --backfill --channel --depth --url --format -o --output --limit --duration --events --stale-after --max-retries --ping-interval --profile --fps --focus --tz --sink --normalize -q --quiet -v --verbose -h --help) ;;
        'stream coinbase') __feedcli_reply=(--pair --interval --backfill --channel --depth --url --format -o --output --limit --duration --events --stale-after --max-retries --ping-interval --profile --fps --focus --tz --sink --normalize -q --quiet -v --verbose -h --help) ;;
        'stream bybit') __feedcli_reply=(--pair --interval --backfill --channel --depth --url --format -o --output --limit --duration --events --stale-after --max-retries --ping-interval --profile --fps --focus --tz --sink --normalize -q --quiet -v --verbose -h --help) ;;
        'stream kucoin') __feedcli_reply=(--pair --interval --backfill --channel --depth --url --format -o --output --limit --duration --events --stale-after --max-retries --ping-interval --profile --fps --focus --tz --sink --normalize -q --quiet -v --verbose -h --help) ;;
        'stream gate') __feedcli_reply=(--pair --interval --backfill --channel --depth --url --format -o --output --limit --duration --events --stale-after --max-retries --ping-interval --profile --fps --focus --tz --sink --normalize -q --quiet -v --verbose -h --help) ;;
        record) __feedcli_reply=(-q --quiet -v --verbose -h --help) ;;
        'record tse') __feedcli_reply=(--isin --name -c --channel --bearer -o --output --rotate-size --rotate-interval --compress --flush-interval --url --limit --duration --stale-after --max-retries --ping-interval --profile --sink --normalize -q --quiet -v --verbose -h --help) ;;
        'record ime') __feedcli_reply=(--contract-id --contract-name --bearer -o --output --rotate-size --rotate-interval --compress --flush-interval --url --limit --duration --stale-after --max-retries --ping-interval --profile --sink --normalize -q --quiet -v --verbose -h --help) ;;
        'record datafye') __feedcli_reply=(--symbol -c --channel --dataset --frequency --from --to --deployment --user --type --env -o --output --rotate-size --rotate-interval --compress --flush-interval --url --limit --duration --stale-after --max-retries --ping-interval --profile --sink --normalize -q --quiet -v --verbose -h --help) ;;
        'record moex') __feedcli_reply=(--ticker --stream --interval --heartbeat -o --output --rotate-size --rotate-interval --compress --flush-interval --url --limit --duration --stale-after --max-retries --ping-interval --profile --sink --normalize -q --quiet -v --verbose -h --help) ;;
        'record binance') __feedcli_reply=(--pair --interval --backfill --channel --depth -o --output --rotate-size --rotate-interval --compress --flush-interval --url --limit --duration --stale-after --max-retries --ping-interval --profile --sink --normalize -q --quiet -v --verbose -h --help) ;;
        'record okx') __feedcli_reply=(--pair --interval --backfill --channel --depth -o --output --rotate-size --rotate-interval --compress --flush-interval --url --limit --duration --stale-after --max-retries --ping-interval --profile --sink --normalize -q --quiet -v --verbose -h --help) ;;
        'record coinbase') __feedcli_reply=(--pair --interval --backfill --channel --depth -o --output --rotate-size --rotate-interval --compress --flush-interval --url --limit --duration --stale-after --max-retries --ping-interval --profile --sink --normalize -q --quiet -v --verbose -h --help) ;;
        'record bybit') __feedcli_reply=(--pair --interval --backfill --channel --depth -o --output --rotate-size --rotate-interval --compress --flush-interval --url --limit --duration --stale-after --max-retries --ping-interval --profile --sink --normalize -q --quiet -v --verbose -h --help) ;;
        'record kucoin') __feedcli_reply=(--pair --interval --backfill --channel --depth -o --output --rotate-size --rotate-interval --compress --flush-interval --url --limit --duration --stale-after --max-retries --ping-interval --profile --sink --normalize -q --quiet -v --verbose -h --help) ;;
        'record gate') __feedcli_reply=(--pair --interval --backfill --channel --depth -o --output --rotate-size --rotate-interval --compress --flush-interval --url --limit --duration --stale-after --max-retries --ping-interval --profile --sink --normalize -q --quiet -v --verbose -h --help) ;;
        replay) __feedcli_reply=(--speed --from --to --channel --symbol --format --fps --focus --tz --normalize --serve --public -f --follow --sink --wait-clients -q --quiet -v --verbose -h --help) ;;
        export) __feedcli_reply=(-o --output --kind --channel --symbol --force -q --quiet -v --verbose -h --help) ;;
        search) __feedcli_reply=(--url --profile --json -q --quiet -v --verbose -h --help) ;;
        providers) __feedcli_reply=(--json -q --quiet -v --verbose -h --help) ;;
        demo) __feedcli_reply=(--rate --seed --duration --format --limit --fps --channel --focus --tz -q --quiet -v --verbose -h --help) ;;
        simulate) __feedcli_reply=(--install-completion --show-completion -q --quiet -v --verbose -h --help) ;;
        'simulate tse') __feedcli_reply=(--host --port --public --rate --seed --strict-universe --drop-after --stall-after --malformed-every --login-errors -q --quiet -v --verbose -h --help) ;;
        'simulate ime') __feedcli_reply=(--host --port --public --rate --seed --strict-universe --drop-after --stall-after --malformed-every --login-errors -q --quiet -v --verbose -h --help) ;;
        'simulate datafye') __feedcli_reply=(--host --port --public --rate --seed --heartbeat-interval --pong-timeout --halt-every --halt-seconds --drop-after --stall-after --malformed-every -q --quiet -v --verbose -h --help) ;;
        'simulate moex') __feedcli_reply=(--host --port --public --rate --seed --heart-beat --drop-after --gap-every --error-after --error-code --stall-after --silent-after --malformed-every -q --quiet -v --verbose -h --help) ;;
        'simulate binance') __feedcli_reply=(--host --port --public --rate --seed --channel --rest-429-every --drop-after --rest-limits-scale --skip-update-every --bad-checksum-every --snapshot-lag -q --quiet -v --verbose -h --help) ;;
        'simulate okx') __feedcli_reply=(--host --port --public --rate --seed --channel --rest-429-every --drop-after --rest-limits-scale --skip-update-every --bad-checksum-every --snapshot-lag -q --quiet -v --verbose -h --help) ;;
        'simulate coinbase') __feedcli_reply=(--host --port --public --rate --seed --channel --rest-429-every --drop-after --rest-limits-scale --skip-update-every --bad-checksum-every --snapshot-lag -q --quiet -v --verbose -h --help) ;;
        'simulate bybit') __feedcli_reply=(--host --port --public --rate --seed --channel --rest-429-every --drop-after --rest-limits-scale --skip-update-every --bad-checksum-every --snapshot-lag -q --quiet -v --verbose -h --help) ;;
        'simulate kucoin') __feedcli_reply=(--host --port --public --rate --seed --channel --rest-429-every --drop-after --rest-limits-scale --skip-update-every --bad-checksum-every --snapshot-lag -q --quiet -v --verbose -h --help) ;;
        'simulate gate') __feedcli_reply=(--host --port --public --rate --seed --channel --rest-429-every --drop-after --rest-limits-scale --skip-update-every --bad-checksum-every --snapshot-lag -q --quiet -v --verbose -h --help) ;;
        login) __feedcli_reply=(--url -u --user --password-stdin --profile -q --quiet -v --verbose -h --help) ;;
        logout) __feedcli_reply=(--url --profile -q --quiet -v --verbose -h --help) ;;
        auth) __feedcli_reply=(--install-completion --show-completion -q --quiet -v --verbose -h --help) ;;
        'auth status') __feedcli_reply=(--json -q --quiet -v --verbose -h --help) ;;
        'auth token') __feedcli_reply=(--url --profile -q --quiet -v --verbose -h --help) ;;
        'auth login') __feedcli_reply=(--url -u --user --password-stdin --profile -q --quiet -v --verbose -h --help) ;;
        'auth logout') __feedcli_reply=(--url --profile -q --quiet -v --verbose -h --help) ;;
        completion) __feedcli_reply=(-q --quiet -v --verbose -h --help) ;;
        *) __feedcli_reply=() ;;
    esac
}

# Set REPLY to how many words follow option $2 of command path $1 (0: a flag or unknown).
__feedcli_arity() {
    case "$1|$2" in
        'stream tse|--isin') REPLY=1 ;;
        'stream tse|--name') REPLY=1 ;;
        'stream tse|-c'|'stream tse|--channel') REPLY=1 ;;
        'stream tse|--url') REPLY=1 ;;
        'stream tse|--format') REPLY=1 ;;
        'stream tse|-o'|'stream tse|--output') REPLY=1 ;;
        'stream tse|--limit') REPLY=1 ;;
        'stream tse|--duration') REPLY=1 ;;
        'stream tse|--stale-after') REPLY=1 ;;
        'stream tse|--max-retries') REPLY=1 ;;
        'stream tse|--ping-interval') REPLY=1 ;;
        'stream tse|--profile') REPLY=1 ;;
        'stream tse|--fps') REPLY=1 ;;
        'stream tse|--focus') REPLY=1 ;;
        'stream tse|--tz') REPLY=1 ;;
        'stream tse|--sink') REPLY=1 ;;
        'stream ime|--contract-id') REPLY=1 ;;
        'stream ime|--contract-name') REPLY=1 ;;
        'stream ime|--url') REPLY=1 ;;
        'stream ime|--format') REPLY=1 ;;
        'stream ime|-o'|'stream ime|--output') REPLY=1 ;;
        'stream ime|--limit') REPLY=1 ;;
        'stream ime|--duration') REPLY=1 ;;
        'stream ime|--stale-after') REPLY=1 ;;
        'stream ime|--max-retries') REPLY=1 ;;
        'stream ime|--ping-interval') REPLY=1 ;;
        'stream ime|--profile') REPLY=1 ;;
        'stream ime|--fps') REPLY=1 ;;
        'stream ime|--focus') REPLY=1 ;;
        'stream ime|--tz') REPLY=1 ;;
        'stream ime|--sink') REPLY=1 ;;
        'stream datafye|--symbol') REPLY=1 ;;
        'stream datafye|-c'|'stream datafye|--channel') REPLY=1 ;;
        'stream datafye|--dataset') REPLY=1 ;;
        'stream datafye|--frequency') REPLY=1 ;;
        'stream datafye|--from') REPLY=1 ;;
        'stream datafye|--to') REPLY=1 ;;
        'stream datafye|--deployment') REPLY=1 ;;
        'stream datafye|--user') REPLY=1 ;;
        'stream datafye|--type') REPLY=1 ;;
        'stream datafye|--env') REPLY=1 ;;
        'stream datafye|--url') REPLY=1 ;;
        'stream datafye|--format') REPLY=1 ;;
        'stream datafye|-o'|'stream datafye|--output') REPLY=1 ;;
        'stream datafye|--limit') REPLY=1 ;;
        'stream datafye|--duration') REPLY=1 ;;
        'stream datafye|--stale-after') REPLY=1 ;;
        'stream datafye|--max-retries') REPLY=1 ;;
        'stream datafye|--ping-interval') REPLY=1 ;;
        'stream datafye|--profile') REPLY=1 ;;
        'stream datafye|--fps') REPLY=1 ;;
        'stream datafye|--focus') REPLY=1 ;;
        'stream datafye|--tz') REPLY=1 ;;
        'stream datafye|--sink') REPLY=1 ;;
        'stream moex|--ticker') REPLY=1 ;;
        'stream moex|--stream') REPLY=1 ;;
        'stream moex|--interval') REPLY=1 ;;
        'stream moex|--heartbeat') REPLY=1 ;;
        'stream moex|--url') REPLY=1 ;;
        'stream moex|--format') REPLY=1 ;;
        'stream moex|-o'|'stream moex|--output') REPLY=1 ;;
        'stream moex|--limit') REPLY=1 ;;
        'stream moex|--duration') REPLY=1 ;;
        'stream moex|--stale-after') REPLY=1 ;;
        'stream moex|--max-retries') REPLY=1 ;;
        'stream moex|--ping-interval') REPLY=1 ;;
        'stream moex|--profile') REPLY=1 ;;
        'stream moex|--fps') REPLY=1 ;;
        'stream moex|--focus') REPLY=1 ;;
        'stream moex|--tz') REPLY=1 ;;
        'stream moex|--sink') REPLY=1 ;;
        'stream binance|--pair') REPLY=1 ;;
        'stream binance|--interval') REPLY=1 ;;
        'stream binance|--backfill') REPLY=1 ;;
        'stream binance|--channel') REPLY=1 ;;
        'stream binance|--depth') REPLY=1 ;;
        'stream binance|--url') REPLY=1 ;;
        'stream binance|--format') REPLY=1 ;;
        'stream binance|-o'|'stream binance|--output') REPLY=1 ;;
        'stream binance|--limit') REPLY=1 ;;
        'stream binance|--duration') REPLY=1 ;;
        'stream binance|--stale-after') REPLY=1 ;;
        'stream binance|--max-retries') REPLY=1 ;;
        'stream binance|--ping-interval') REPLY=1 ;;
        'stream binance|--profile') REPLY=1 ;;
        'stream binance|--fps') REPLY=1 ;;
        'stream binance|--focus') REPLY=1 ;;
        'stream binance|--tz') REPLY=1 ;;
        'stream binance|--sink') REPLY=1 ;;
        'stream okx|--pair') REPLY=1 ;;
        'stream okx|--interval') REPLY=1 ;;
        'stream okx|--backfill') REPLY=1 ;;
        'stream okx|--channel') REPLY=1 ;;
        'stream okx|--depth') REPLY=1 ;;
        'stream okx|--url') REPLY=1 ;;
        'stream okx|--format') REPLY=1 ;;
        'stream okx|-o'|'stream okx|--output') REPLY=1 ;;
        'stream okx|--limit') REPLY=1 ;;
        'stream okx|--duration') REPLY=1 ;;
        'stream okx|--stale-after') REPLY=1 ;;
        'stream okx|--max-retries') REPLY=1 ;;
        'stream okx|--ping-interval') REPLY=1 ;;
        'stream okx|--profile') REPLY=1 ;;
        'stream okx|--fps') REPLY=1 ;;
        'stream okx|--focus') REPLY=1 ;;
        'stream okx|--tz') REPLY=1 ;;
        'stream okx|--sink') REPLY=1 ;;
        'stream coinbase|--pair') REPLY=1 ;;
        'stream coinbase|--interval') REPLY=1 ;;
        'stream coinbase|--backfill') REPLY=1 ;;
        'stream coinbase|--channel') REPLY=1 ;;
        'stream coinbase|--depth') REPLY=1 ;;
        'stream coinbase|--url') REPLY=1 ;;
        'stream coinbase|--format') REPLY=1 ;;
        'stream coinbase|-o'|'stream coinbase|--output') REPLY=1 ;;
        'stream coinbase|--limit') REPLY=1 ;;
        'stream coinbase|--duration') REPLY=1 ;;
        'stream coinbase|--stale-after') REPLY=1 ;;
        'stream coinbase|--max-retries') REPLY=1 ;;
        'stream coinbase|--ping-interval') REPLY=1 ;;
        'stream coinbase|--profile') REPLY=1 ;;
        'stream coinbase|--fps') REPLY=1 ;;
        'stream coinbase|--focus') REPLY=1 ;;
        'stream coinbase|--tz') REPLY=1 ;;
        'stream coinbase|--sink') REPLY=1 ;;
        'stream bybit|--pair') REPLY=1 ;;
        'stream bybit|--interval') REPLY=1 ;;
        'stream bybit|--backfill') REPLY=1 ;;
        'stream bybit|--channel') REPLY=1 ;;
        'stream bybit|--depth') REPLY=1 ;;
        'stream bybit|--url') REPLY=1 ;;
        'stream bybit|--format') REPLY=1 ;;
        'stream bybit|-o'|'stream bybit|--output') REPLY=1 ;;
        'stream bybit|--limit') REPLY=1 ;;
        'stream bybit|--duration') REPLY=1 ;;
        'stream bybit|--stale-after') REPLY=1 ;;
        'stream bybit|--max-retries') REPLY=1 ;;
        'stream bybit|--ping-interval') REPLY=1 ;;
        'stream bybit|--profile') REPLY=1 ;;
        'stream bybit|--fps') REPLY=1 ;;
        'stream bybit|--focus') REPLY=1 ;;
        'stream bybit|--tz') REPLY=1 ;;
        'stream bybit|--sink') REPLY=1 ;;
        'stream kucoin|--pair') REPLY=1 ;;
        'stream kucoin|--interval') REPLY=1 ;;
        'stream kucoin|--backfill') REPLY=1 ;;
        'stream kucoin|--channel') REPLY=1 ;;
        'stream kucoin|--depth') REPLY=1 ;;
        'stream kucoin|--url') REPLY=1 ;;
        'stream kucoin|--format') REPLY=1 ;;
        'stream kucoin|-o'|'stream kucoin|--output') REPLY=1 ;;
        'stream kucoin|--limit') REPLY=1 ;;
        'stream kucoin|--duration') REPLY=1 ;;
        'stream kucoin|--stale-after') REPLY=1 ;;
        'stream kucoin|--max-retries') REPLY=1 ;;
        'stream kucoin|--ping-interval') REPLY=1 ;;
        'stream kucoin|--profile') REPLY=1 ;;
        'stream kucoin|--fps') REPLY=1 ;;
        'stream kucoin|--focus') REPLY=1 ;;
        'stream kucoin|--tz') REPLY=1 ;;
        'stream kucoin|--sink') REPLY=1 ;;
        'stream gate|--pair') REPLY=1 ;;
        'stream gate|--interval') REPLY=1 ;;
        'stream gate|--backfill') REPLY=1 ;;
        'stream gate|--channel') REPLY=1 ;;
        'stream gate|--depth') REPLY=1 ;;
        'stream gate|--url') REPLY=1 ;;
        'stream gate|--format') REPLY=1 ;;
        'stream gate|-o'|'stream gate|--output') REPLY=1 ;;
        'stream gate|--limit') REPLY=1 ;;
        'stream gate|--duration') REPLY=1 ;;
        'stream gate|--stale-after') REPLY=1 ;;
        'stream gate|--max-retries') REPLY=1 ;;
        'stream gate|--ping-interval') REPLY=1 ;;
        'stream gate|--profile') REPLY=1 ;;
        'stream gate|--fps') REPLY=1 ;;
        'stream gate|--focus') REPLY=1 ;;
        'stream gate|--tz') REPLY=1 ;;
        'stream gate|--sink') REPLY=1 ;;
        'record tse|--isin') REPLY=1 ;;
        'record tse|--name') REPLY=1 ;;
        'record tse|-c'|'record tse|--channel') REPLY=1 ;;
        'record tse|-o'|'record tse|--output') REPLY=1 ;;
        'record tse|--rotate-size') REPLY=1 ;;
        'record tse|--rotate-interval') REPLY=1 ;;
        'record tse|--compress') REPLY=1 ;;
        'record tse|--flush-interval') REPLY=1 ;;
        'record tse|--url') REPLY=1 ;;
        'record tse|--limit') REPLY=1 ;;
        'record tse|--duration') REPLY=1 ;;
        'record tse|--stale-after') REPLY=1 ;;
        'record tse|--max-retries') REPLY=1 ;;
        'record tse|--ping-interval') REPLY=1 ;;
        'record tse|--profile') REPLY=1 ;;
        'record tse|--sink') REPLY=1 ;;
        'record ime|--contract-id') REPLY=1 ;;
        'record ime|--contract-name') REPLY=1 ;;
        'record ime|-o'|'record ime|--output') REPLY=1 ;;
        'record ime|--rotate-size') REPLY=1 ;;
        'record ime|--rotate-interval') REPLY=1 ;;
        'record ime|--compress') REPLY=1 ;;
        'record ime|--flush-interval') REPLY=1 ;;
        'record ime|--url') REPLY=1 ;;
        'record ime|--limit') REPLY=1 ;;
        'record ime|--duration') REPLY=1 ;;
        'record ime|--stale-after') REPLY=1 ;;
        'record ime|--max-retries') REPLY=1 ;;
        'record ime|--ping-interval') REPLY=1 ;;
        'record ime|--profile') REPLY=1 ;;
        'record ime|--sink') REPLY=1 ;;
        'record datafye|--symbol') REPLY=1 ;;
        'record datafye|-c'|'record datafye|--channel') REPLY=1 ;;
        'record datafye|--dataset') REPLY=1 ;;
        'record datafye|--frequency') REPLY=1 ;;
        'record datafye|--from') REPLY=1 ;;
        'record datafye|--to') REPLY=1 ;;
        'record datafye|--deployment') REPLY=1 ;;
        'record datafye|--user') REPLY=1 ;;
        'record datafye|--type') REPLY=1 ;;
        'record datafye|--env') REPLY=1 ;;
        'record datafye|-o'|'record datafye|--output') REPLY=1 ;;
        'record datafye|--rotate-size') REPLY=1 ;;
        'record datafye|--rotate-interval') REPLY=1 ;;
        'record datafye|--compress') REPLY=1 ;;
        'record datafye|--flush-interval') REPLY=1 ;;
        'record datafye|--url') REPLY=1 ;;
        'record datafye|--limit') REPLY=1 ;;
        'record datafye|--duration') REPLY=1 ;;
        'record datafye|--stale-after') REPLY=1 ;;
        'record datafye|--max-retries') REPLY=1 ;;
        'record datafye|--ping-interval') REPLY=1 ;;
        'record datafye|--profile') REPLY=1 ;;
        'record datafye|--sink') REPLY=1 ;;
        'record moex|--ticker') REPLY=1 ;;
        'record moex|--stream') REPLY=1 ;;
        'record moex|--interval') REPLY=1 ;;
        'record moex|--heartbeat') REPLY=1 ;;
        'record moex|-o'|'record moex|--output') REPLY=1 ;;
        'record moex|--rotate-size') REPLY=1 ;;
        'record moex|--rotate-interval') REPLY=1 ;;
        'record moex|--compress') REPLY=1 ;;
        'record moex|--flush-interval') REPLY=1 ;;
        'record moex|--url') REPLY=1 ;;
        'record moex|--limit') REPLY=1 ;;
        'record moex|--duration') REPLY=1 ;;
        'record moex|--stale-after') REPLY=1 ;;
        'record moex|--max-retries') REPLY=1 ;;
        'record moex|--ping-interval') REPLY=1 ;;
        'record moex|--profile') REPLY=1 ;;
        'record moex|--sink') REPLY=1 ;;
        'record binance|--pair') REPLY=1 ;;
        'record binance|--interval') REPLY=1 ;;
        'record binance|--backfill') REPLY=1 ;;
        'record binance|--channel') REPLY=1 ;;
        'record binance|--depth') REPLY=1 ;;
        'record binance|-o'|'record binance|--output') REPLY=1 ;;
        'record binance|--rotate-size') REPLY=1 ;;
        'record binance|--rotate-interval') REPLY=1 ;;
        'record binance|--compress') REPLY=1 ;;
        'record binance|--flush-interval') REPLY=1 ;;
        'record binance|--url') REPLY=1 ;;
        'record binance|--limit') REPLY=1 ;;
        'record binance|--duration') REPLY=1 ;;
        'record binance|--stale-after') REPLY=1 ;;
        'record binance|--max-retries') REPLY=1 ;;
        'record binance|--ping-interval') REPLY=1 ;;
        'record binance|--profile') REPLY=1 ;;
        'record binance|--sink') REPLY=1 ;;
        'record okx|--pair') REPLY=1 ;;
        'record okx|--interval') REPLY=1 ;;
        'record okx|--backfill') REPLY=1 ;;
        'record okx|--channel') REPLY=1 ;;
        'record okx|--depth') REPLY=1 ;;
        'record okx|-o'|'record okx|--output') REPLY=1 ;;
        'record okx|--rotate-size') REPLY=1 ;;
        'record okx|--rotate-interval') REPLY=1 ;;
        'record okx|--compress') REPLY=1 ;;
        'record okx|--flush-interval') REPLY=1 ;;
        'record okx|--url') REPLY=1 ;;
        'record okx|--limit') REPLY=1 ;;
        'record okx|--duration') REPLY=1 ;;
        'record okx|--stale-after') REPLY=1 ;;
        'record okx|--max-retries') REPLY=1 ;;
        'record okx|--ping-interval') REPLY=1 ;;
        'record okx|--profile') REPLY=1 ;;
        'record okx|--sink') REPLY=1 ;;
        'record coinbase|--pair') REPLY=1 ;;
        'record coinbase|--interval') REPLY=1 ;;
        'record coinbase|--backfill') REPLY=1 ;;
        'record coinbase|--channel') REPLY=1 ;;
        'record coinbase|--depth') REPLY=1 ;;
        'record coinbase|-o'|'record coinbase|--output') REPLY=1 ;;
        'record coinbase|--rotate-size') REPLY=1 ;;
        'record coinbase|--rotate-interval') REPLY=1 ;;
        'record coinbase|--compress') REPLY=1 ;;
        'record coinbase|--flush-interval') REPLY=1 ;;
        'record coinbase|--url') REPLY=1 ;;
        'record coinbase|--limit') REPLY=1 ;;
        'record coinbase|--duration') REPLY=1 ;;
        'record coinbase|--stale-after') REPLY=1 ;;
        'record coinbase|--max-retries') REPLY=1 ;;
        'record coinbase|--ping-interval') REPLY=1 ;;
        'record coinbase|--profile') REPLY=1 ;;
        'record coinbase|--sink') REPLY=1 ;;
        'record bybit|--pair') REPLY=1 ;;
        'record bybit|--interval') REPLY=1 ;;
        'record bybit|--backfill') REPLY=1 ;;
        'record bybit|--channel') REPLY=1 ;;
        'record bybit|--depth') REPLY=1 ;;
        'record bybit|-o'|'record bybit|--output') REPLY=1 ;;
        'record bybit|--rotate-size') REPLY=1 ;;
        'record bybit|--rotate-interval') REPLY=1 ;;
        'record bybit|--compress') REPLY=1 ;;
        'record bybit|--flush-interval') REPLY=1 ;;
        'record bybit|--url') REPLY=1 ;;
        'record bybit|--limit') REPLY=1 ;;
        'record bybit|--duration') REPLY=1 ;;
        'record bybit|--stale-after') REPLY=1 ;;
        'record bybit|--max-retries') REPLY=1 ;;
        'record bybit|--ping-interval') REPLY=1 ;;
        'record bybit|--profile') REPLY=1 ;;
        'record bybit|--sink') REPLY=1 ;;
        'record kucoin|--pair') REPLY=1 ;;
        'record kucoin|--interval') REPLY=1 ;;
        'record kucoin|--backfill') REPLY=1 ;;
        'record kucoin|--channel') REPLY=1 ;;
        'record kucoin|--depth') REPLY=1 ;;
        'record kucoin|-o'|'record kucoin|--output') REPLY=1 ;;
        'record kucoin|--rotate-size') REPLY=1 ;;
        'record kucoin|--rotate-interval') REPLY=1 ;;
        'record kucoin|--compress') REPLY=1 ;;
        'record kucoin|--flush-interval') REPLY=1 ;;
        'record kucoin|--url') REPLY=1 ;;
        'record kucoin|--limit') REPLY=1 ;;
        'record kucoin|--duration') REPLY=1 ;;
        'record kucoin|--stale-after') REPLY=1 ;;
        'record kucoin|--max-retries') REPLY=1 ;;
        'record kucoin|--ping-interval') REPLY=1 ;;
        'record kucoin|--profile') REPLY=1 ;;
        'record kucoin|--sink') REPLY=1 ;;
        'record gate|--pair') REPLY=1 ;;
        'record gate|--interval') REPLY=1 ;;
        'record gate|--backfill') REPLY=1 ;;
        'record gate|--channel') REPLY=1 ;;
        'record gate|--depth') REPLY=1 ;;
        'record gate|-o'|'record gate|--output') REPLY=1 ;;
        'record gate|--rotate-size') REPLY=1 ;;
        'record gate|--rotate-interval') REPLY=1 ;;
        'record gate|--compress') REPLY=1 ;;
        'record gate|--flush-interval') REPLY=1 ;;
        'record gate|--url') REPLY=1 ;;
        'record gate|--limit') REPLY=1 ;;
        'record gate|--duration') REPLY=1 ;;
        'record gate|--stale-after') REPLY=1 ;;
        'record gate|--max-retries') REPLY=1 ;;
        'record gate|--ping-interval') REPLY=1 ;;
        'record gate|--profile') REPLY=1 ;;
        'record gate|--sink') REPLY=1 ;;
        'replay|--speed') REPLY=1 ;;
        'replay|--from') REPLY=1 ;;
        'replay|--to') REPLY=1 ;;
        'replay|--channel') REPLY=1 ;;
        'replay|--symbol') REPLY=1 ;;
        'replay|--format') REPLY=1 ;;
        'replay|--fps') REPLY=1 ;;
        'replay|--focus') REPLY=1 ;;
        'replay|--tz') REPLY=1 ;;
        'replay|--serve') REPLY=1 ;;
        'replay|--sink') REPLY=1 ;;
        'replay|--wait-clients') REPLY=1 ;;
        'export|-o'|'export|--output') REPLY=1 ;;
        'export|--kind') REPLY=1 ;;
        'export|--channel') REPLY=1 ;;
        'export|--symbol') REPLY=1 ;;
        'search|--url') REPLY=1 ;;
        'search|--profile') REPLY=1 ;;
        'demo|--rate') REPLY=1 ;;
        'demo|--seed') REPLY=1 ;;
        'demo|--duration') REPLY=1 ;;
        'demo|--format') REPLY=1 ;;
        'demo|--limit') REPLY=1 ;;
        'demo|--fps') REPLY=1 ;;
        'demo|--channel') REPLY=1 ;;
        'demo|--focus') REPLY=1 ;;
        'demo|--tz') REPLY=1 ;;
        'simulate tse|--host') REPLY=1 ;;
        'simulate tse|--port') REPLY=1 ;;
        'simulate tse|--rate') REPLY=1 ;;
        'simulate tse|--seed') REPLY=1 ;;
        'simulate tse|--drop-after') REPLY=1 ;;
        'simulate tse|--stall-after') REPLY=1 ;;
        'simulate tse|--malformed-every') REPLY=1 ;;
        'simulate tse|--login-errors') REPLY=1 ;;
        'simulate ime|--host') REPLY=1 ;;
        'simulate ime|--port') REPLY=1 ;;
        'simulate ime|--rate') REPLY=1 ;;
        'simulate ime|--seed') REPLY=1 ;;
        'simulate ime|--drop-after') REPLY=1 ;;
        'simulate ime|--stall-after') REPLY=1 ;;
        'simulate ime|--malformed-every') REPLY=1 ;;
        'simulate ime|--login-errors') REPLY=1 ;;
        'simulate datafye|--host') REPLY=1 ;;
        'simulate datafye|--port') REPLY=1 ;;
        'simulate datafye|--rate') REPLY=1 ;;
        'simulate datafye|--seed') REPLY=1 ;;
        'simulate datafye|--heartbeat-interval') REPLY=1 ;;
        'simulate datafye|--pong-timeout') REPLY=1 ;;
        'simulate datafye|--halt-every') REPLY=1 ;;
        'simulate datafye|--halt-seconds') REPLY=1 ;;
        'simulate datafye|--drop-after') REPLY=1 ;;
        'simulate datafye|--stall-after') REPLY=1 ;;
        'simulate datafye|--malformed-every') REPLY=1 ;;
        'simulate moex|--host') REPLY=1 ;;
        'simulate moex|--port') REPLY=1 ;;
        'simulate moex|--rate') REPLY=1 ;;
        'simulate moex|--seed') REPLY=1 ;;
        'simulate moex|--heart-beat') REPLY=1 ;;
        'simulate moex|--drop-after') REPLY=1 ;;
        'simulate moex|--gap-every') REPLY=1 ;;
        'simulate moex|--error-after') REPLY=1 ;;
        'simulate moex|--error-code') REPLY=1 ;;
        'simulate moex|--stall-after') REPLY=1 ;;
        'simulate moex|--silent-after') REPLY=1 ;;
        'simulate moex|--malformed-every') REPLY=1 ;;
        'simulate binance|--host') REPLY=1 ;;
        'simulate binance|--port') REPLY=1 ;;
        'simulate binance|--rate') REPLY=1 ;;
        'simulate binance|--seed') REPLY=1 ;;
        'simulate binance|--channel') REPLY=1 ;;
        'simulate binance|--rest-429-every') REPLY=1 ;;
        'simulate binance|--drop-after') REPLY=1 ;;
        'simulate binance|--rest-limits-scale') REPLY=1 ;;
        'simulate binance|--skip-update-every') REPLY=1 ;;
        'simulate binance|--bad-checksum-every') REPLY=1 ;;
        'simulate binance|--snapshot-lag') REPLY=1 ;;
        'simulate okx|--host') REPLY=1 ;;
        'simulate okx|--port') REPLY=1 ;;
        'simulate okx|--rate') REPLY=1 ;;
        'simulate okx|--seed') REPLY=1 ;;
        'simulate okx|--channel') REPLY=1 ;;
        'simulate okx|--rest-429-every') REPLY=1 ;;
        'simulate okx|--drop-after') REPLY=1 ;;
        'simulate okx|--rest-limits-scale') REPLY=1 ;;
        'simulate okx|--skip-update-every') REPLY=1 ;;
        'simulate okx|--bad-checksum-every') REPLY=1 ;;
        'simulate okx|--snapshot-lag') REPLY=1 ;;
        'simulate coinbase|--host') REPLY=1 ;;
        'simulate coinbase|--port') REPLY=1 ;;
        'simulate coinbase|--rate') REPLY=1 ;;
        'simulate coinbase|--seed') REPLY=1 ;;
        'simulate coinbase|--channel') REPLY=1 ;;
        'simulate coinbase|--rest-429-every') REPLY=1 ;;
        'simulate coinbase|--drop-after') REPLY=1 ;;
        'simulate coinbase|--rest-limits-scale') REPLY=1 ;;
        'simulate coinbase|--skip-update-every') REPLY=1 ;;
        'simulate coinbase|--bad-checksum-every') REPLY=1 ;;
        'simulate coinbase|--snapshot-lag') REPLY=1 ;;
        'simulate bybit|--host') REPLY=1 ;;
        'simulate bybit|--port') REPLY=1 ;;
        'simulate bybit|--rate') REPLY=1 ;;
        'simulate bybit|--seed') REPLY=1 ;;
        'simulate bybit|--channel') REPLY=1 ;;
        'simulate bybit|--rest-429-every') REPLY=1 ;;
        'simulate bybit|--drop-after') REPLY=1 ;;
        'simulate bybit|--rest-limits-scale') REPLY=1 ;;
        'simulate bybit|--skip-update-every') REPLY=1 ;;
        'simulate bybit|--bad-checksum-every') REPLY=1 ;;
        'simulate bybit|--snapshot-lag') REPLY=1 ;;
        'simulate kucoin|--host') REPLY=1 ;;
        'simulate kucoin|--port') REPLY=1 ;;
        'simulate kucoin|--rate') REPLY=1 ;;
        'simulate kucoin|--seed') REPLY=1 ;;
        'simulate kucoin|--channel') REPLY=1 ;;
        'simulate kucoin|--rest-429-every') REPLY=1 ;;
        'simulate kucoin|--drop-after') REPLY=1 ;;
        'simulate kucoin|--rest-limits-scale') REPLY=1 ;;
        'simulate kucoin|--skip-update-every') REPLY=1 ;;
        'simulate kucoin|--bad-checksum-every') REPLY=1 ;;
        'simulate kucoin|--snapshot-lag') REPLY=1 ;;
        'simulate gate|--host') REPLY=1 ;;
        'simulate gate|--port') REPLY=1 ;;
        'simulate gate|--rate') REPLY=1 ;;
        'simulate gate|--seed') REPLY=1 ;;
        'simulate gate|--channel') REPLY=1 ;;
        'simulate gate|--rest-429-every') REPLY=1 ;;
        'simulate gate|--drop-after') REPLY=1 ;;
        'simulate gate|--rest-limits-scale') REPLY=1 ;;
        'simulate gate|--skip-update-every') REPLY=1 ;;
        'simulate gate|--bad-checksum-every') REPLY=1 ;;
        'simulate gate|--snapshot-lag') REPLY=1 ;;
        'login|--url') REPLY=1 ;;
        'login|-u'|'login|--user') REPLY=1 ;;
        'login|--profile') REPLY=1 ;;
        'logout|--url') REPLY=1 ;;
        'logout|--profile') REPLY=1 ;;
        'auth token|--url') REPLY=1 ;;
        'auth token|--profile') REPLY=1 ;;
        'auth login|--url') REPLY=1 ;;
        'auth login|-u'|'auth login|--user') REPLY=1 ;;
        'auth login|--profile') REPLY=1 ;;
        'auth logout|--url') REPLY=1 ;;
        'auth logout|--profile') REPLY=1 ;;
        *) REPLY=0 ;;
    esac
}

# Complete $3 as a value of option $2 of command path $1 (free text completes nothing).
__feedcli_value() {
    case "$1|$2" in
        'stream tse|-c'|'stream tse|--channel') __feedcli_add "$3" best-limit order-book ohlcv-last-1m aggregate institutional-vs-individual contract-info fund-info ;;
        'stream tse|--format') __feedcli_add "$3" auto ndjson view ;;
        'stream tse|-o'|'stream tse|--output') __feedcli_files -f "$3" ;;
        'stream ime|--format') __feedcli_add "$3" auto ndjson view ;;
        'stream ime|-o'|'stream ime|--output') __feedcli_files -f "$3" ;;
        'stream datafye|-c'|'stream datafye|--channel') __feedcli_add "$3" quotes trades aggregates sma ema ;;
        'stream datafye|--deployment') __feedcli_add "$3" local internal external ;;
        'stream datafye|--type') __feedcli_add "$3" foundry trading ;;
        'stream datafye|--format') __feedcli_add "$3" auto ndjson view ;;
        'stream datafye|-o'|'stream datafye|--output') __feedcli_files -f "$3" ;;
        'stream moex|--stream') __feedcli_add "$3" securities orderbooks candles ;;
        'stream moex|--interval') __feedcli_add "$3" M1 M10 H1 D1 W1 m1 m3 Q1 ;;
        'stream moex|--format') __feedcli_add "$3" auto ndjson view ;;
        'stream moex|-o'|'stream moex|--output') __feedcli_files -f "$3" ;;
        'stream binance|--interval') __feedcli_add "$3" 1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M ;;
        'stream binance|--channel') __feedcli_add "$3" candles trades book ticker ;;
        'stream binance|--format') __feedcli_add "$3" auto ndjson view ;;
        'stream binance|-o'|'stream binance|--output') __feedcli_files -f "$3" ;;
        'stream okx|--interval') __feedcli_add "$3" 1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 12h 1d 3d 1w 1M ;;
        'stream okx|--channel') __feedcli_add "$3" candles trades book ticker ;;
        'stream okx|--format') __feedcli_add "$3" auto ndjson view ;;
        'stream okx|-o'|'stream okx|--output') __feedcli_files -f "$3" ;;
        'stream coinbase|--interval') __feedcli_add "$3" 1m 5m 15m 30m 1h 2h 6h 1d ;;
        'stream coinbase|--channel') __feedcli_add "$3" candles trades book ticker ;;
        'stream coinbase|--format') __feedcli_add "$3" auto ndjson view ;;
        'stream coinbase|-o'|'stream coinbase|--output') __feedcli_files -f "$3" ;;
        'stream bybit|--interval') __feedcli_add "$3" 1m 3m 5m 15m 30m 1h 2h 4h 6h 12h 1d 1w 1M ;;
        'stream bybit|--channel') __feedcli_add "$3" candles trades book ticker ;;
        'stream bybit|--format') __feedcli_add "$3" auto ndjson view ;;
        'stream bybit|-o'|'stream bybit|--output') __feedcli_files -f "$3" ;;
        'stream kucoin|--interval') __feedcli_add "$3" 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 1w ;;
        'stream kucoin|--channel') __feedcli_add "$3" candles trades book ticker ;;
        'stream kucoin|--format') __feedcli_add "$3" auto ndjson view ;;
        'stream kucoin|-o'|'stream kucoin|--output') __feedcli_files -f "$3" ;;
        'stream gate|--interval') __feedcli_add "$3" 1s 1m 5m 15m 30m 1h 4h 8h 1d 1w 1M ;;
        'stream gate|--channel') __feedcli_add "$3" candles trades book ticker ;;
        'stream gate|--format') __feedcli_add "$3" auto ndjson view ;;
        'stream gate|-o'|'stream gate|--output') __feedcli_files -f "$3" ;;
        'record tse|-c'|'record tse|--channel') __feedcli_add "$3" best-limit order-book ohlcv-last-1m aggregate institutional-vs-individual contract-info fund-info ;;
        'record tse|-o'|'record tse|--output') __feedcli_files -f "$3" ;;
        'record tse|--compress') __feedcli_add "$3" none gzip zstd ;;
        'record ime|-o'|'record ime|--output') __feedcli_files -f "$3" ;;
        'record ime|--compress') __feedcli_add "$3" none gzip zstd ;;
        'record datafye|-c'|'record datafye|--channel') __feedcli_add "$3" quotes trades aggregates sma ema ;;
        'record datafye|--deployment') __feedcli_add "$3" local internal external ;;
        'record datafye|--type') __feedcli_add "$3" foundry trading ;;
        'record datafye|-o'|'record datafye|--output') __feedcli_files -f "$3" ;;
        'record datafye|--compress') __feedcli_add "$3" none gzip zstd ;;
        'record moex|--stream') __feedcli_add "$3" securities orderbooks candles ;;
        'record moex|--interval') __feedcli_add "$3" M1 M10 H1 D1 W1 m1 m3 Q1 ;;
        'record moex|-o'|'record moex|--output') __feedcli_files -f "$3" ;;
        'record moex|--compress') __feedcli_add "$3" none gzip zstd ;;
        'record binance|--interval') __feedcli_add "$3" 1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M ;;
        'record binance|--channel') __feedcli_add "$3" candles trades book ticker ;;
        'record binance|-o'|'record binance|--output') __feedcli_files -f "$3" ;;
        'record binance|--compress') __feedcli_add "$3" none gzip zstd ;;
        'record okx|--interval') __feedcli_add "$3" 1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 12h 1d 3d 1w 1M ;;
        'record okx|--channel') __feedcli_add "$3" candles trades book ticker ;;
        'record okx|-o'|'record okx|--output') __feedcli_files -f "$3" ;;
        'record okx|--compress') __feedcli_add "$3" none gzip zstd ;;
        'record coinbase|--interval') __feedcli_add "$3" 1m 5m 15m 30m 1h 2h 6h 1d ;;
        'record coinbase|--channel') __feedcli_add "$3" candles trades book ticker ;;
        'record coinbase|-o'|'record coinbase|--output') __feedcli_files -f "$3" ;;
        'record coinbase|--compress') __feedcli_add "$3" none gzip zstd ;;
        'record bybit|--interval') __feedcli_add "$3" 1m 3m 5m 15m 30m 1h 2h 4h 6h 12h 1d 1w 1M ;;
        'record bybit|--channel') __feedcli_add "$3" candles trades book ticker ;;
        'record bybit|-o'|'record bybit|--output') __feedcli_files -f "$3" ;;
        'record bybit|--compress') __feedcli_add "$3" none gzip zstd ;;
        'record kucoin|--interval') __feedcli_add "$3" 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 1w ;;
        'record kucoin|--channel') __feedcli_add "$3" candles trades book ticker ;;
        'record kucoin|-o'|'record kucoin|--output') __feedcli_files -f "$3" ;;
        'record kucoin|--compress') __feedcli_add "$3" none gzip zstd ;;
        'record gate|--interval') __feedcli_add "$3" 1s 1m 5m 15m 30m 1h 4h 8h 1d 1w 1M ;;
        'record gate|--channel') __feedcli_add "$3" candles trades book ticker ;;
        'record gate|-o'|'record gate|--output') __feedcli_files -f "$3" ;;
        'record gate|--compress') __feedcli_add "$3" none gzip zstd ;;
        'replay|--format') __feedcli_add "$3" auto ndjson view ;;
        'demo|--format') __feedcli_add "$3" auto ndjson view ;;
        'simulate binance|--channel') __feedcli_add "$3" candles trades book ticker ;;
        'simulate okx|--channel') __feedcli_add "$3" candles trades book ticker ;;
        'simulate coinbase|--channel') __feedcli_add "$3" candles trades book ticker ;;
        'simulate bybit|--channel') __feedcli_add "$3" candles trades book ticker ;;
        'simulate kucoin|--channel') __feedcli_add "$3" candles trades book ticker ;;
        'simulate gate|--channel') __feedcli_add "$3" candles trades book ticker ;;
        *) : ;;
    esac
}

# Complete $3 as the positional argument at index $2 (from 0) of command path $1.
__feedcli_argument() {
    case "$1|$2" in
        'export|'*) __feedcli_files -f "$3" ;;
        'demo|0') __feedcli_add "$3" tse ime moex binance okx coinbase bybit kucoin gate ;;
        'login|0') __feedcli_add "$3" ht moex ;;
        'logout|0') __feedcli_add "$3" ht moex ;;
        'auth token|0') __feedcli_add "$3" ht moex ;;
        'auth login|0') __feedcli_add "$3" ht moex ;;
        'auth logout|0') __feedcli_add "$3" ht moex ;;
        'completion|0') __feedcli_add "$3" bash zsh fish ;;
        *) : ;;
    esac
}

# The completion function: find the subcommand path in COMP_WORDS, then complete there.
_feedcli() {
    local cur="${COMP_WORDS[COMP_CWORD]}" cmdpath="" word
    local i=1 npos=0 ddash=0 REPLY
    local -a __feedcli_reply=()
    COMPREPLY=()
    while (( i < COMP_CWORD )); do
        word="${COMP_WORDS[i]}"
        if (( ddash )); then
            npos=$((npos + 1))  # after --, every word is positional
        else
            case "$word" in
                --) ddash=1 ;;
                -*=*) ;;  # --opt=value in one word
                -?*)
                    __feedcli_arity "$cmdpath" "$word"
                    if (( REPLY > 0 )); then
                        # With "=" in COMP_WORDBREAKS (the default), --opt=value is three words.
                        [[ "${COMP_WORDS[i+1]-}" == "=" ]] && i=$((i + 1))
                        if (( i + REPLY >= COMP_CWORD )); then  # the cursor is on its value
                            [[ "$cur" == "=" ]] && cur=""
                            __feedcli_value "$cmdpath" "$word" "$cur"
                            return 0
                        fi
                        i=$((i + REPLY))
                    fi
                    ;;
                *)
                    __feedcli_commands "$cmdpath"
                    if (( ${#__feedcli_reply[@]} == 0 )); then
                        npos=$((npos + 1))
                    elif [[ " ${__feedcli_reply[*]} " == *" $word "* ]]; then
                        cmdpath="${cmdpath:+$cmdpath }$word"
                        npos=0
                    else
                        return 0  # not a subcommand: nothing sensible to complete
                    fi
                    ;;
            esac
        fi
        i=$((i + 1))
    done
    if (( ! ddash )); then
        if [[ "$cur" == -*=* ]]; then  # --opt=va when "=" is not a word break
            local opt="${cur%%=*}"
            __feedcli_value "$cmdpath" "$opt" "${cur#*=}"
            COMPREPLY=("${COMPREPLY[@]/#/$opt=}")
            return 0
        fi
        if [[ "$cur" == -* ]]; then
            __feedcli_options "$cmdpath"
            __feedcli_add "$cur" "${__feedcli_reply[@]}"
            return 0
        fi
    fi
    __feedcli_commands "$cmdpath"
    if (( ${#__feedcli_reply[@]} )); then
        __feedcli_add "$cur" "${__feedcli_reply[@]}"
    else
        __feedcli_argument "$cmdpath" "$npos" "$cur"
    fi
    return 0
}

complete -F _feedcli feedcli
