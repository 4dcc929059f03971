#!/bin/sh
# SPDX-License-Identifier: Apache-2.0 OR MIT
# How much `pizauth show` costs, since it runs on every mail fetch and git
# push: wall time per call next to /bin/true (the cost of starting a
# process), and the client's instruction count under callgrind, which is
# repeatable and is compared with bench/baseline.txt.
set -eu

BIN=${BIN:?BIN must name the directory holding pizauth and pizauthd}
N=${N:-500}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export XDG_RUNTIME_DIR="$tmp/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
pz="$BIN/pizauth"
sed "s/127\.0\.0\.1:18080/127.0.0.1:$port/g" \
    "$top/examples/demo/pizauth.conf" >"$tmp/pizauth.conf"
/usr/bin/python3 "$top/examples/demo/demo_provider.py" --port "$port" \
    >/dev/null 2>&1 &
provider=$!
trap '"$pz" shutdown 2>/dev/null || :; kill $provider 2>/dev/null || :; rm -rf "$tmp"' EXIT
"$pz" server -c "$tmp/pizauth.conf"
sleep 0.3
url=$("$pz" show demo 2>&1 | sed -n 's/.*authorised with URL //p')
curl -sfL "$url" >/dev/null
"$pz" show demo >/dev/null

ms_per_call() {
	t0=$(date +%s%N)
	i=0
	while [ "$i" -lt "$N" ]; do "$@" >/dev/null; i=$((i + 1)); done
	t1=$(date +%s%N)
	echo "$(( (t1 - t0) / N / 1000 ))"
}
show_us=$(ms_per_call "$pz" show demo)
true_us=$(ms_per_call /bin/true)
echo "pizauth show: ${show_us} us per call; /bin/true: ${true_us} us ($N calls each)"

insns=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    "$pz" show demo 2>&1 >/dev/null | sed -n 's/.*Collected : *//p')
base=$(sed -n 's/^show_instructions=//p' "$top/bench/baseline.txt")
echo "pizauth show: $insns instructions (baseline $base)"
# More than 20% over the baseline is a regression worth a look.
if [ "$insns" -gt $((base * 12 / 10)) ]; then
	echo "bench: pizauth show got more than 20% more expensive" >&2
	exit 1
fi
