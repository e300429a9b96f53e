# Static fish completion for feedcli.
# GENERATED from the feedcli command tree by feedcli/completion_scripts.py: do not edit.
# Regenerate: python -m feedcli.completion_scripts   (tests/test_completions.py fails while this is stale)
# Use: copy this file to ~/.config/fish/completions/feedcli.fish

complete -c feedcli -f  # no file names unless an option or argument wants them

function __feedcli_commands --description 'Print the subcommands of a command path'
    switch $argv[1]
        case ''
            printf '%s\n' login logout replay demo providers stream record simulate
        case stream
            printf '%s\n' tse ime datafye
        case record
            printf '%s\n' tse ime datafye
        case simulate
            printf '%s\n' tse ime datafye
    end
end

function __feedcli_arity --description 'Print how many words follow an option of a command path'
    switch "$argv[1]|$argv[2]"
        case 'login|--url'
            echo 1
        case 'login|-u' 'login|--user'
            echo 1
        case 'login|--profile'
            echo 1
        case 'logout|--profile'
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
        case 'replay|--serve'
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
complete -c feedcli -n __feedcli_at -a login -d 'Fetch a token and store it for the profile (mode 0600).'
complete -c feedcli -n __feedcli_at -a logout -d 'Forget the stored token(s) of a profile.'
complete -c feedcli -n __feedcli_at -a replay -d 'Play recordings back: the lines exactly as recorded,...'
complete -c feedcli -n __feedcli_at -a demo -d 'Watch a simulated market live: no account, no network,...'
complete -c feedcli -n __feedcli_at -a providers -d 'List the providers, their selectors, channels and paths...'
complete -c feedcli -n __feedcli_at -a stream -d 'Stream live data as NDJSON (piped) or a live view...'
complete -c feedcli -n __feedcli_at -a record -d 'Record a stream to NDJSON files: rotated, compressed, on...'
complete -c feedcli -n __feedcli_at -a simulate -d 'Serve a provider\'s real protocol on loopback with...'
complete -c feedcli -n __feedcli_at -s V -l version -d 'Print the version and exit.'
complete -c feedcli -n __feedcli_at -s v -l verbose -d 'Show tracebacks of unexpected errors.'
complete -c feedcli -n __feedcli_at -s h -l help -d 'Show this message and exit.'

# feedcli login
complete -c feedcli -n '__feedcli_at login' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at login' -s u -l user -x -d 'User name or e-mail.'
complete -c feedcli -n '__feedcli_at login' -l password-stdin -d 'Read the password from standard input.'
complete -c feedcli -n '__feedcli_at login' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at login' -s h -l help -d 'Show this message and exit.'
complete -c feedcli -n '__feedcli_arg 0 login' -a ht

# feedcli logout
complete -c feedcli -n '__feedcli_at logout' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at logout' -s h -l help -d 'Show this message and exit.'
complete -c feedcli -n '__feedcli_arg 0 logout' -a ht

# feedcli replay
complete -c feedcli -n '__feedcli_at replay' -l speed -x -d '1: real time; 10: ten times faster; 0.5: half speed; 0: as fast as the reader...'
complete -c feedcli -n '__feedcli_at replay' -l from -x -d 'Start at this receive time (ISO 8601, inclusive; no zone means UTC).'
complete -c feedcli -n '__feedcli_at replay' -l to -x -d 'Stop before this receive time (ISO 8601, exclusive; no zone means UTC).'
complete -c feedcli -n '__feedcli_at replay' -l channel -x -d 'Only data lines of this channel (repeatable). Control lines are kept.'
complete -c feedcli -n '__feedcli_at replay' -l symbol -x -d 'Only data lines of this symbol (repeatable). Control lines are kept.'
complete -c feedcli -n '__feedcli_at replay' -l format -x -a 'auto ndjson view' -d 'auto: a live view on a terminal, NDJSON otherwise.'
complete -c feedcli -n '__feedcli_at replay' -l fps -x -d 'Redraws per second of the live view.'
complete -c feedcli -n '__feedcli_at replay' -l serve -x -d 'Serve the recording over its provider\'s own protocol (tse, ime, datafye) at H...'
complete -c feedcli -n '__feedcli_at replay' -s h -l help -d 'Show this message and exit.'
complete -c feedcli -n '__feedcli_arg 0+ replay' -F

# feedcli demo
complete -c feedcli -n '__feedcli_at demo' -l rate -x -d 'Simulated market events per second.'
complete -c feedcli -n '__feedcli_at demo' -l seed -x -d 'Seed of the simulated market.'
complete -c feedcli -n '__feedcli_at demo' -l duration -x -d 'Exit 0 after SECONDS.'
complete -c feedcli -n '__feedcli_at demo' -l format -x -a 'auto ndjson view' -d 'auto: a live view on a terminal, NDJSON otherwise.'
complete -c feedcli -n '__feedcli_at demo' -l limit -x -d 'Exit 0 after N data lines.'
complete -c feedcli -n '__feedcli_at demo' -l fps -x -d 'Redraws per second of the live view.'
complete -c feedcli -n '__feedcli_at demo' -s h -l help -d 'Show this message and exit.'
complete -c feedcli -n '__feedcli_arg 0 demo' -a 'tse ime'

# feedcli providers
complete -c feedcli -n '__feedcli_at providers' -s h -l help -d 'Show this message and exit.'

# feedcli stream
complete -c feedcli -n '__feedcli_at stream' -a tse -d 'HT Data Engine: Tehran Stock Exchange & IFB.'
complete -c feedcli -n '__feedcli_at stream' -a ime -d 'HT Data Engine: Iran Mercantile Exchange.'
complete -c feedcli -n '__feedcli_at stream' -a datafye -d 'Datafye: US stocks (quotes, trades, aggregates) live and...'
complete -c feedcli -n '__feedcli_at stream' -s h -l help -d 'Show this message and exit.'

# feedcli stream tse
complete -c feedcli -n '__feedcli_at stream tse' -l isin -x -d 'Symbol by ISIN (repeatable).'
complete -c feedcli -n '__feedcli_at stream tse' -l name -x -d 'Symbol by name (repeatable).'
complete -c feedcli -n '__feedcli_at stream tse' -s c -l channel -x -a 'best-limit order-book ohlcv-last-1m aggregate institutional-vs-individual contract-info fund-info' -d 'best-limit, order-book, ohlcv-last-1m, aggregate, institutional-vs-individual...'
complete -c feedcli -n '__feedcli_at stream tse' -l bearer -d 'Send \'Authorization: Bearer <token>\' instead of the raw token.'
complete -c feedcli -n '__feedcli_at stream tse' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at stream tse' -l format -x -a 'auto ndjson view' -d 'auto: a live view on a terminal, NDJSON otherwise.'
complete -c feedcli -n '__feedcli_at stream tse' -s o -l output -r -F -d 'Write NDJSON to FILE instead of stdout.'
complete -c feedcli -n '__feedcli_at stream tse' -l limit -x -d 'Exit 0 after N data lines.'
complete -c feedcli -n '__feedcli_at stream tse' -l duration -x -d 'Exit 0 after SECONDS.'
complete -c feedcli -n '__feedcli_at stream tse' -l events -d 'Also write control lines (connected, disconnected, reconnected, ...).'
complete -c feedcli -n '__feedcli_at stream tse' -l stale-after -x -d 'Reconnect when no data came for SECONDS (pings and heartbeats don\'t count); 0...'
complete -c feedcli -n '__feedcli_at stream tse' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at stream tse' -l ping-interval -x -d 'Ping the server every SECONDS; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at stream tse' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at stream tse' -l fps -x -d 'Redraws per second of the live view.'
complete -c feedcli -n '__feedcli_at stream tse' -s h -l help -d 'Show this message and exit.'

# feedcli stream ime
complete -c feedcli -n '__feedcli_at stream ime' -l contract-id -x -d 'Contract by id (repeatable).'
complete -c feedcli -n '__feedcli_at stream ime' -l contract-name -x -d 'Contract by name (repeatable).'
complete -c feedcli -n '__feedcli_at stream ime' -l bearer -d 'Send \'Authorization: Bearer <token>\' instead of the raw token.'
complete -c feedcli -n '__feedcli_at stream ime' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at stream ime' -l format -x -a 'auto ndjson view' -d 'auto: a live view on a terminal, NDJSON otherwise.'
complete -c feedcli -n '__feedcli_at stream ime' -s o -l output -r -F -d 'Write NDJSON to FILE instead of stdout.'
complete -c feedcli -n '__feedcli_at stream ime' -l limit -x -d 'Exit 0 after N data lines.'
complete -c feedcli -n '__feedcli_at stream ime' -l duration -x -d 'Exit 0 after SECONDS.'
complete -c feedcli -n '__feedcli_at stream ime' -l events -d 'Also write control lines (connected, disconnected, reconnected, ...).'
complete -c feedcli -n '__feedcli_at stream ime' -l stale-after -x -d 'Reconnect when no data came for SECONDS (pings and heartbeats don\'t count); 0...'
complete -c feedcli -n '__feedcli_at stream ime' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at stream ime' -l ping-interval -x -d 'Ping the server every SECONDS; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at stream ime' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at stream ime' -l fps -x -d 'Redraws per second of the live view.'
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
complete -c feedcli -n '__feedcli_at stream datafye' -l limit -x -d 'Exit 0 after N data lines.'
complete -c feedcli -n '__feedcli_at stream datafye' -l duration -x -d 'Exit 0 after SECONDS.'
complete -c feedcli -n '__feedcli_at stream datafye' -l events -d 'Also write control lines (connected, disconnected, reconnected, ...).'
complete -c feedcli -n '__feedcli_at stream datafye' -l stale-after -x -d 'Reconnect when no data came for SECONDS (pings and heartbeats don\'t count); 0...'
complete -c feedcli -n '__feedcli_at stream datafye' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at stream datafye' -l ping-interval -x -d 'Ping the server every SECONDS; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at stream datafye' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at stream datafye' -l fps -x -d 'Redraws per second of the live view.'
complete -c feedcli -n '__feedcli_at stream datafye' -s h -l help -d 'Show this message and exit.'

# feedcli record
complete -c feedcli -n '__feedcli_at record' -a tse -d 'HT Data Engine: Tehran Stock Exchange & IFB.'
complete -c feedcli -n '__feedcli_at record' -a ime -d 'HT Data Engine: Iran Mercantile Exchange.'
complete -c feedcli -n '__feedcli_at record' -a datafye -d 'Datafye: US stocks (quotes, trades, aggregates) live and...'
complete -c feedcli -n '__feedcli_at record' -s h -l help -d 'Show this message and exit.'

# feedcli record tse
complete -c feedcli -n '__feedcli_at record tse' -l isin -x -d 'Symbol by ISIN (repeatable).'
complete -c feedcli -n '__feedcli_at record tse' -l name -x -d 'Symbol by name (repeatable).'
complete -c feedcli -n '__feedcli_at record tse' -s c -l channel -x -a 'best-limit order-book ohlcv-last-1m aggregate institutional-vs-individual contract-info fund-info' -d 'best-limit, order-book, ohlcv-last-1m, aggregate, institutional-vs-individual...'
complete -c feedcli -n '__feedcli_at record tse' -l bearer -d 'Send \'Authorization: Bearer <token>\' instead of the raw token.'
complete -c feedcli -n '__feedcli_at record tse' -s o -l output -r -F -d 'A file, or a directory (existing, or ending in /) where files are named by pr...'
complete -c feedcli -n '__feedcli_at record tse' -l rotate-size -x -d 'Start a new file past SIZE (100MB, 1GiB).'
complete -c feedcli -n '__feedcli_at record tse' -l rotate-interval -x -d 'Start a new file every DURATION (1h, 15m, 1d).'
complete -c feedcli -n '__feedcli_at record tse' -l compress -x -a 'none gzip zstd' -d 'Compress each file as a stream.'
complete -c feedcli -n '__feedcli_at record tse' -l flush-interval -x -d 'Push what was received to the disk (fsync) at least this often: the most a cr...'
complete -c feedcli -n '__feedcli_at record tse' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at record tse' -l limit -x -d 'Exit 0 after N data lines.'
complete -c feedcli -n '__feedcli_at record tse' -l duration -x -d 'Exit 0 after SECONDS.'
complete -c feedcli -n '__feedcli_at record tse' -l stale-after -x -d 'Reconnect when no data came for SECONDS (pings and heartbeats don\'t count); 0...'
complete -c feedcli -n '__feedcli_at record tse' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at record tse' -l ping-interval -x -d 'Ping the server every SECONDS; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at record tse' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at record tse' -s h -l help -d 'Show this message and exit.'

# feedcli record ime
complete -c feedcli -n '__feedcli_at record ime' -l contract-id -x -d 'Contract by id (repeatable).'
complete -c feedcli -n '__feedcli_at record ime' -l contract-name -x -d 'Contract by name (repeatable).'
complete -c feedcli -n '__feedcli_at record ime' -l bearer -d 'Send \'Authorization: Bearer <token>\' instead of the raw token.'
complete -c feedcli -n '__feedcli_at record ime' -s o -l output -r -F -d 'A file, or a directory (existing, or ending in /) where files are named by pr...'
complete -c feedcli -n '__feedcli_at record ime' -l rotate-size -x -d 'Start a new file past SIZE (100MB, 1GiB).'
complete -c feedcli -n '__feedcli_at record ime' -l rotate-interval -x -d 'Start a new file every DURATION (1h, 15m, 1d).'
complete -c feedcli -n '__feedcli_at record ime' -l compress -x -a 'none gzip zstd' -d 'Compress each file as a stream.'
complete -c feedcli -n '__feedcli_at record ime' -l flush-interval -x -d 'Push what was received to the disk (fsync) at least this often: the most a cr...'
complete -c feedcli -n '__feedcli_at record ime' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at record ime' -l limit -x -d 'Exit 0 after N data lines.'
complete -c feedcli -n '__feedcli_at record ime' -l duration -x -d 'Exit 0 after SECONDS.'
complete -c feedcli -n '__feedcli_at record ime' -l stale-after -x -d 'Reconnect when no data came for SECONDS (pings and heartbeats don\'t count); 0...'
complete -c feedcli -n '__feedcli_at record ime' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at record ime' -l ping-interval -x -d 'Ping the server every SECONDS; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at record ime' -l profile -x -d 'Credentials profile.'
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
complete -c feedcli -n '__feedcli_at record datafye' -l compress -x -a 'none gzip zstd' -d 'Compress each file as a stream.'
complete -c feedcli -n '__feedcli_at record datafye' -l flush-interval -x -d 'Push what was received to the disk (fsync) at least this often: the most a cr...'
complete -c feedcli -n '__feedcli_at record datafye' -l url -x -d 'Base URL of another host (a self-hosted engine, a simulator): http://HOST:POR...'
complete -c feedcli -n '__feedcli_at record datafye' -l limit -x -d 'Exit 0 after N data lines.'
complete -c feedcli -n '__feedcli_at record datafye' -l duration -x -d 'Exit 0 after SECONDS.'
complete -c feedcli -n '__feedcli_at record datafye' -l stale-after -x -d 'Reconnect when no data came for SECONDS (pings and heartbeats don\'t count); 0...'
complete -c feedcli -n '__feedcli_at record datafye' -l max-retries -x -d 'Give up (exit 5) after N failed attempts in a row. Default, or -1: never give...'
complete -c feedcli -n '__feedcli_at record datafye' -l ping-interval -x -d 'Ping the server every SECONDS; one that answers nothing for as long again is...'
complete -c feedcli -n '__feedcli_at record datafye' -l profile -x -d 'Credentials profile.'
complete -c feedcli -n '__feedcli_at record datafye' -s h -l help -d 'Show this message and exit.'

# feedcli simulate
complete -c feedcli -n '__feedcli_at simulate' -a tse -d 'HT Data Engine (TSE & IFB, and IME on the same port):...'
complete -c feedcli -n '__feedcli_at simulate' -a ime -d 'HT Data Engine (IME, and TSE & IFB on the same port):...'
complete -c feedcli -n '__feedcli_at simulate' -a datafye -d 'Datafye WebSocket API: live quotes, trades, aggregates,...'
complete -c feedcli -n '__feedcli_at simulate' -s h -l help -d 'Show this message and exit.'

# feedcli simulate tse
complete -c feedcli -n '__feedcli_at simulate tse' -l host -x -d 'Address to bind (keep it on loopback).'
complete -c feedcli -n '__feedcli_at simulate tse' -l port -x -d 'Port to listen on; 0 picks a free one.'
complete -c feedcli -n '__feedcli_at simulate tse' -l rate -x -d 'Market events per second.'
complete -c feedcli -n '__feedcli_at simulate tse' -l seed -x -d 'Seed of the random walk: same seed, same data.'
complete -c feedcli -n '__feedcli_at simulate tse' -l drop-after -x -d 'Cut each connection (no close frame) after N messages.'
complete -c feedcli -n '__feedcli_at simulate tse' -l stall-after -x -d 'Go silent on each connection after N messages (pings still answered).'
complete -c feedcli -n '__feedcli_at simulate tse' -l malformed-every -x -d 'Send a malformed frame before every Nth message.'
complete -c feedcli -n '__feedcli_at simulate tse' -l login-errors -x -d 'Answer the first logins with these HTTP statuses (e.g. 429,503).'
complete -c feedcli -n '__feedcli_at simulate tse' -s h -l help -d 'Show this message and exit.'

# feedcli simulate ime
complete -c feedcli -n '__feedcli_at simulate ime' -l host -x -d 'Address to bind (keep it on loopback).'
complete -c feedcli -n '__feedcli_at simulate ime' -l port -x -d 'Port to listen on; 0 picks a free one.'
complete -c feedcli -n '__feedcli_at simulate ime' -l rate -x -d 'Market events per second.'
complete -c feedcli -n '__feedcli_at simulate ime' -l seed -x -d 'Seed of the random walk: same seed, same data.'
complete -c feedcli -n '__feedcli_at simulate ime' -l drop-after -x -d 'Cut each connection (no close frame) after N messages.'
complete -c feedcli -n '__feedcli_at simulate ime' -l stall-after -x -d 'Go silent on each connection after N messages (pings still answered).'
complete -c feedcli -n '__feedcli_at simulate ime' -l malformed-every -x -d 'Send a malformed frame before every Nth message.'
complete -c feedcli -n '__feedcli_at simulate ime' -l login-errors -x -d 'Answer the first logins with these HTTP statuses (e.g. 429,503).'
complete -c feedcli -n '__feedcli_at simulate ime' -s h -l help -d 'Show this message and exit.'

# feedcli simulate datafye
complete -c feedcli -n '__feedcli_at simulate datafye' -l host -x -d 'Address to bind (keep it on loopback).'
complete -c feedcli -n '__feedcli_at simulate datafye' -l port -x -d 'Port to listen on; 0 picks a free one.'
complete -c feedcli -n '__feedcli_at simulate datafye' -l rate -x -d 'Data messages per second on each connection, spread over its symbols.'
complete -c feedcli -n '__feedcli_at simulate datafye' -l seed -x -d 'Seed of the random walk: same seed, same data.'
complete -c feedcli -n '__feedcli_at simulate datafye' -l heartbeat-interval -x -d 'Seconds between heartbeats.'
complete -c feedcli -n '__feedcli_at simulate datafye' -l pong-timeout -x -d 'Close a connection (4001 \'no pong\') that leaves a heartbeat unanswered this l...'
complete -c feedcli -n '__feedcli_at simulate datafye' -l halt-every -x -d 'Halt each live connection after every N data messages (\'halt\', silence, \'resu...'
complete -c feedcli -n '__feedcli_at simulate datafye' -l halt-seconds -x -d 'How long a halt lasts.'
complete -c feedcli -n '__feedcli_at simulate datafye' -l drop-after -x -d 'Cut each connection (no close frame) after N messages.'
complete -c feedcli -n '__feedcli_at simulate datafye' -l stall-after -x -d 'Go silent on each connection after N data messages, unannounced (heartbeats g...'
complete -c feedcli -n '__feedcli_at simulate datafye' -l malformed-every -x -d 'Send a malformed frame before every Nth message.'
complete -c feedcli -n '__feedcli_at simulate datafye' -s h -l help -d 'Show this message and exit.'
