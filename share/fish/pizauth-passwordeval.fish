# SPDX-License-Identifier: Apache-2.0 OR MIT
# fish completion for pizauth-passwordeval.  The account names come from
# the running server through __pizauth_accounts, in pizauth.fish beside
# this file.

functions -q __pizauth_accounts
or source (status dirname)/pizauth.fish

complete -c pizauth-passwordeval -f
complete -c pizauth-passwordeval -s f -x -d 'What to print' \
    -a "token\t'The access token (the default)' xoauth2\t'Base64 SASL XOAUTH2 response (needs -u)' oauthbearer\t'Base64 SASL OAUTHBEARER response'"
complete -c pizauth-passwordeval -s H -x -a '(__fish_print_hostnames)' -d 'Server host: find the account by it'
complete -c pizauth-passwordeval -s p -x -d 'Server port, for OAUTHBEARER and host:port'
complete -c pizauth-passwordeval -s u -x -d 'User name: find the account by it'
complete -c pizauth-passwordeval -s w -x -d 'Wait up to SECS for the user to authorise'
complete -c pizauth-passwordeval -s h -d 'Show usage'
complete -c pizauth-passwordeval -s V -d 'Show the version'
complete -c pizauth-passwordeval -n 'test (__pizauth_operands 2 fwuHp) = 0' -a '(__pizauth_accounts)'
