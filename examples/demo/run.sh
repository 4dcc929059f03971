#!/bin/sh
# SPDX-License-Identifier: Apache-2.0 OR MIT
# `make run`: start pizauth in the foreground with the user's config, or,
# if there is none, with a demo account served by a local fake provider.
# Nothing is written to the user's home.
set -eu

BIN=${BIN:-$(cd "$(dirname "$0")/../../build/bin" && pwd)}
here=$(cd "$(dirname "$0")" && pwd)

for c in "${XDG_CONFIG_HOME:-}" "${HOME:+$HOME/.config}"; do
	if [ -n "$c" ] && [ -f "$c/pizauth.conf" ]; then
		echo "pizauth: using $c/pizauth.conf" >&2
		exec "$BIN/pizauth" server -c "$c/pizauth.conf" -d
	fi
done

port=${DEMO_PORT:-18080}
py=/usr/bin/python3
[ -x "$py" ] || py=python3
conf=$here/pizauth.conf
tmp=
if [ "$port" != 18080 ]; then
	tmp=$(mktemp -d)
	sed "s/127\.0\.0\.1:18080/127.0.0.1:$port/g" "$conf" >"$tmp/pizauth.conf"
	conf=$tmp/pizauth.conf
fi

"$py" "$here/demo_provider.py" --port "$port" &
provider=$!
cleanup() {
	kill "$provider" 2>/dev/null || :
	wait "$provider" 2>/dev/null || :
	[ -z "$tmp" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Wait (5 s at most) for the provider to listen.
i=0
until "$py" -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" \
    2>/dev/null; do
	i=$((i + 1))
	if [ "$i" -ge 50 ] || ! kill -0 "$provider" 2>/dev/null; then
		echo "demo: the demo provider did not start on port $port" \
		    "(set DEMO_PORT to use another)" >&2
		exit 1
	fi
	sleep 0.1
done

echo "demo: 1. in another terminal run: $BIN/pizauth show demo   (a fake provider on 127.0.0.1:$port approves everything)"
echo "demo: 2. open the URL it prints in a browser, or run: curl -sL 'URL'"
echo "demo: 3. run $BIN/pizauth show demo again: it prints an access token."
"$BIN/pizauth" server -c "$conf" -d -vv
