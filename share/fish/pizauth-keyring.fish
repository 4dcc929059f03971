# SPDX-License-Identifier: Apache-2.0 OR MIT
# fish completion for pizauth-keyring.

set -l nocmd 'test (count (commandline -opc)) -eq 1'
complete -c pizauth-keyring -f
complete -c pizauth-keyring -n $nocmd -a save -d "Store the server's dump in the keyring"
complete -c pizauth-keyring -n $nocmd -a restore -d 'Hand the stored dump to the server'
complete -c pizauth-keyring -n $nocmd -a clear -d 'Delete the stored dump'
complete -c pizauth-keyring -n $nocmd -s h -l help -d 'Show usage'
complete -c pizauth-keyring -n $nocmd -s V -l version -d 'Show the version'
