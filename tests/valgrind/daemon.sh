#!/bin/sh
# SPDX-License-Identifier: Apache-2.0 OR MIT
# Run pizauthd under valgrind through a whole session against the demo
# provider: authorise, show, status, dump, restore, reload, refresh,
# revoke, bad requests, shutdown.  Fails on any valgrind error or leak.
set -eu

BIN=${BIN:?BIN must name the directory holding pizauth and pizauthd}
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export XDG_RUNTIME_DIR="$tmp/run" SHELL=/bin/sh
mkdir -m 700 "$XDG_RUNTIME_DIR"
pz="$BIN/pizauth"

sed "s/127\.0\.0\.1:18080/127.0.0.1:$port/g" \
    "$top/examples/demo/pizauth.conf" >"$tmp/pizauth.conf"
cat >>"$tmp/pizauth.conf" <<CONF
token_event_cmd = "echo \$PIZAUTH_EVENT >>$tmp/events";
auth_notify_cmd = "true";
CONF

/usr/bin/python3 "$top/examples/demo/demo_provider.py" --port "$port" \
    >"$tmp/provider.log" 2>&1 &
provider=$!
cleanup() {
	kill "$provider" 2>/dev/null || :
	[ -z "${daemon:-}" ] || kill "$daemon" 2>/dev/null || :
	rm -rf "$tmp"
}
trap cleanup EXIT

valgrind -q --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --track-fds=no \
    --log-file="$tmp/valgrind.log" \
    "$BIN/pizauthd" -c "$tmp/pizauth.conf" -d -vvvv >"$tmp/daemon.log" 2>&1 &
daemon=$!

# valgrind is slow to start: wait up to 30 s for the socket.
i=0
until "$pz" status >/dev/null 2>&1; do
	i=$((i + 1))
	[ "$i" -lt 300 ] || { echo "daemon did not start"; cat "$tmp/daemon.log"; exit 1; }
	sleep 0.1
done

url=$("$pz" show demo 2>&1 | sed -n 's/.*authorised with URL //p')
[ -n "$url" ] || { echo "no URL"; exit 1; }
curl -sfL "$url" >/dev/null
tok=$("$pz" show demo)
"$pz" status >/dev/null
"$pz" status -j >/dev/null
"$pz" info >/dev/null 2>&1 || :
"$pz" dump >"$tmp/dump"
"$pz" revoke demo
"$pz" restore <"$tmp/dump"
[ "$("$pz" show demo)" = "$tok" ] || { echo "restore lost the token"; exit 1; }
"$pz" refresh demo
"$pz" reload
printf 'garbage' | "$pz" restore 2>/dev/null && { echo "garbage restored"; exit 1; }
"$pz" show nosuch 2>/dev/null && exit 1
/usr/bin/python3 - "$XDG_RUNTIME_DIR/pizauth/pizauth.sock" <<'PY'
import socket, sys
for req in (b"", b"nonsense", b"showtoken:", b"x" * 70000, b"status:extra"):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(req)
    s.shutdown(socket.SHUT_WR)
    s.recv(65536)
    s.close()
PY
sleep 1
"$pz" shutdown
rc=0
wait "$daemon" || rc=$?
daemon=
if [ "$rc" -ne 0 ] || [ -s "$tmp/valgrind.log" ]; then
	echo "valgrind: pizauthd exited $rc"
	cat "$tmp/valgrind.log"
	exit 1
fi
echo "valgrind: pizauthd clean through a whole session"
