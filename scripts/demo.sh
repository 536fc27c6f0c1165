#!/bin/sh
# make demo: record the bundled order service, then show its dump.
set -e
O=${1:-build}
out=$O/demo-dumps
if [ "$(id -u)" != 0 ]; then
	echo "livedump: the demo loads BPF programs: run it as root" >&2
	exit 1
fi
rm -rf "$out"
echo "== livedump record -o $out -- $O/examples/demo"
"$O/livedump" record -o "$out" -- "$O/examples/demo"
dump=$(ls "$out"/*.core | head -n 1)
echo
echo "== livedump inspect $dump"
"$O/livedump" inspect "$dump"
echo
echo "== gdb -batch -ex 'thread apply all bt' $O/examples/demo $dump"
gdb -nx -batch -ex 'set auto-load off' -ex 'thread apply all bt' "$O/examples/demo" "$dump" 2>&1 |
	grep -E '^(#|Thread |\[Current)'
