# SPDX-License-Identifier: Apache-2.0 OR MIT
# fish completion for pizauth.  fish loads a command's completions from the
# file named after it; pizauth-passwordeval.fish and pizauth-keyring.fish
# hold those of the helpers, and pizauth-passwordeval.fish sources this file
# for the functions below.
#
# Account names come from the running server, as `pizauth status -j`
# prints them, never from the configuration file: with no server running
# nothing is offered and nothing is printed, and a server that does not
# answer costs at most a second.  fish quotes what it inserts itself.  A
# name holding a newline or a tab cannot be a fish candidate, and is left
# out.

# __pizauth_json_unescape STRING: set the global __pizauth_unescaped to the
# JSON string body STRING with its escapes decoded (\uXXXX, surrogate pairs
# included); fail for \u0000 and malformed escapes.
function __pizauth_json_unescape
    set -l s $argv[1]
    set -l out ''
    while string match -qr '\\\\' -- $s
        set -l pair (string split -m1 '\\' -- $s)
        set out "$out$pair[1]"
        set -l c (string sub -l 1 -- $pair[2])
        set s (string sub -s 2 -- $pair[2])
        switch "$c"
            case b
                set out "$out"\b
            case f
                set out "$out"\f
            case n
                set out "$out"\n
            case r
                set out "$out"\r
            case t
                set out "$out"\t
            case u
                set -l h (string sub -l 4 -- $s)
                string match -qr '^[0-9A-Fa-f]{4}$' -- $h; or return 1
                set s (string sub -s 5 -- $s)
                set -l cp (math 0x$h)
                if test $cp -ge 55296 -a $cp -lt 56320
                    and string match -qr '^\\\\u[Dd][C-Fc-f][0-9A-Fa-f]{2}' -- $s
                    set -l lo (math 0x(string sub -s 3 -l 4 -- $s))
                    set cp (math "65536 + ($cp - 55296) * 1024 + $lo - 56320")
                    set s (string sub -s 7 -- $s)
                end
                test $cp -ne 0; or return 1
                set out "$out"(string unescape -- (printf '\\\\U%08x' $cp))
            case '*'
                set out "$out$c"
        end
    end
    set -g __pizauth_unescaped "$out$s"
end

# __pizauth_json_accounts JSON: print "NAME<tab>DESCRIPTION" for each
# object in the "accounts" array of JSON, the object that `pizauth status
# -j` prints.  The JSON is walked by its structure, so a "name" anywhere
# else (an error message, say) is not taken for one; text that is not such
# JSON yields nothing.  Splitting at every double quote gives the text
# between strings and the strings themselves, which an escaped quote (an
# odd run of backslashes before it) splits further.
function __pizauth_json_accounts
    set -l parts (string split '"' -- $argv[1])
    set -l n (count $parts)
    set -l i 1
    set -l stack ''
    set -l key1 ''
    set -l key3 ''
    set -l wantkey 0
    set -l name ''
    set -l hasname 0
    set -l state ''
    while test $i -le $n
        for c in (string split '' -- $parts[$i])
            switch $c
                case '{'
                    set stack "$stack"o
                    set wantkey 1
                    if test "$stack" = oao
                        set hasname 0
                        set state ''
                    end
                case '['
                    set stack "$stack"a
                    set wantkey 0
                case '}' ']'
                    if test "$stack" = oao -a "$key1" = accounts -a $hasname = 1
                        and not string match -qr '[\n\t]' -- "$name"
                        switch "$state"
                            case none
                                set state 'no token'
                            case pending
                                set state 'waiting for authorisation'
                            case active
                                set state 'active token'
                            case expired
                                set state 'token expired'
                        end
                        printf '%s\t%s\n' "$name" "Account: $state"
                    end
                    set stack (string replace -r '.$' '' -- "$stack")
                    set wantkey 0
                case ,
                    string match -q '*o' -- "$stack"; and set wantkey 1
            end
        end
        set i (math $i + 1)
        test $i -le $n; or break
        set -l raw $parts[$i]
        # Trailing backslashes: an odd run escapes the quote that follows.
        while test (math (string length -- (string replace -r '^.*[^\\\\]' '' -- "$raw")) % 2) -eq 1 -a $i -lt $n
            set i (math $i + 1)
            set raw "$raw\"$parts[$i]"
        end
        test $i -lt $n; or break    # no closing quote
        if test $wantkey = 1
            set wantkey 0
            switch "$stack"
                case o
                    set key1 $raw
                case oao
                    set key3 $raw
            end
        else if test "$stack" = oao
            switch "$key3"
                case name
                    if __pizauth_json_unescape $raw
                        set name "$__pizauth_unescaped"
                        set hasname 1
                    end
                case state
                    __pizauth_json_unescape $raw
                    and set state "$__pizauth_unescaped"
            end
        end
        set i (math $i + 1)
    end
end

# __pizauth_accounts: the running server's accounts, "NAME<tab>DESCRIPTION"
# a line.  The pizauth beside the command being completed (if named by a
# path) is asked, else the one in PATH.
function __pizauth_accounts
    set -l pz pizauth
    set -l cmd (commandline -opc)[1]
    if string match -q '*/*' -- "$cmd"
        set -l dir (string replace -r '/[^/]*$' '' -- "$cmd")
        set dir (string replace -r '^~(?=/|$)' -- "$HOME" "$dir")
        test -n "$dir"; or set dir /
        test -x "$dir/pizauth"; and set pz "$dir/pizauth"
    end
    set -l json
    if command -q timeout
        set json (timeout 1 $pz status -j 2>/dev/null </dev/null | string collect)
    else
        set json (command $pz status -j 2>/dev/null </dev/null | string collect)
    end
    __pizauth_json_accounts "$json"
end

# __pizauth_operands FIRST ARGOPTS: read the tokens from FIRST up to the
# one being completed as getopt does, ARGOPTS being the option letters
# that take an argument.  Print how many operands come before the current
# token, or "arg" when it is an option's argument.
function __pizauth_operands
    set -l t (commandline -opc)
    set -l npos 0
    set -l dashdash 0
    set -l skip 0
    for w in $t[$argv[1]..-1]
        if test $skip = 1
            set skip 0
        else if test $dashdash = 1; or not string match -qr '^-.' -- $w
            set npos (math $npos + 1)
        else if test "$w" = --
            set dashdash 1
        else if test -n "$argv[2]"
            # The first letter that takes an argument takes the rest of the
            # word, or the next word.
            set -l m (string match -r -- "^-[^$argv[2]]*[$argv[2]](.*)\$" $w)
            and test -z "$m[2]"; and set skip 1
        end
    end
    if test $skip = 1
        echo arg
    else
        echo $npos
    end
end

# __pizauth_wants_account: is the token being completed an account?
function __pizauth_wants_account
    set -l t (commandline -opc)
    test (count $t) -ge 2; or return 1
    switch $t[2]
        case show
            test (__pizauth_operands 3 w) = 0
        case refresh revoke
            test (__pizauth_operands 3 '') = 0
        case '*'
            return 1
    end
end

# __pizauth_using COMMAND...: is the subcommand one of these?
function __pizauth_using
    set -l t (commandline -opc)
    test (count $t) -ge 2; and contains -- $t[2] $argv
end

# pizauth-passwordeval.fish may have sourced this file already.
if not set -q __pizauth_fish_completions
    set -g __pizauth_fish_completions 1

    complete -c pizauth -f

    set -l nocmd 'test (count (commandline -opc)) -eq 1'
    complete -c pizauth -n $nocmd -a dump -d 'Write the tokens to stdout, for restore'
    complete -c pizauth -n $nocmd -a info -d 'Show version, paths, ports and HTTPS key'
    complete -c pizauth -n $nocmd -a refresh -d 'Refresh the access token of an account'
    complete -c pizauth -n $nocmd -a reload -d 'Re-read the configuration file'
    complete -c pizauth -n $nocmd -a restore -d 'Read tokens written by dump from stdin'
    complete -c pizauth -n $nocmd -a revoke -d 'Forget and revoke the token of an account'
    complete -c pizauth -n $nocmd -a server -d 'Start the server'
    complete -c pizauth -n $nocmd -a show -d 'Print the access token of an account'
    complete -c pizauth -n $nocmd -a shutdown -d 'Stop the server'
    complete -c pizauth -n $nocmd -a status -d 'Show the state of each account'
    complete -c pizauth -n $nocmd -s h -l help -d 'Show usage'
    complete -c pizauth -n $nocmd -s V -l version -d 'Show the version'

    complete -c pizauth -n '__pizauth_using info' -s j -d 'Write JSON'
    complete -c pizauth -n '__pizauth_using status' -s j -d 'Write one line of JSON'
    complete -c pizauth -n '__pizauth_using refresh show' -s u -d 'Do not print the URL when authorisation is needed'
    complete -c pizauth -n '__pizauth_using show' -s w -x -d 'Wait up to SECS for the user to authorise'
    complete -c pizauth -n __pizauth_wants_account -a '(__pizauth_accounts)'

    complete -c pizauth -n '__pizauth_using server' -s c -r -F -d 'Use this configuration file'
    complete -c pizauth -n '__pizauth_using server' -s d -d 'Stay in the foreground, logging to stderr'
    complete -c pizauth -n '__pizauth_using server' -s v -d 'Log more (repeat up to -vvvv)'
end
