#!/bin/bash
# Rules say how memory is taken: 'capture full compress' writes a zstd
# dump every reader opens; snapshot=no reads the process itself; full dumps
# take a snapshot by default.
. "$(dirname "$0")/../lib.sh"
require_root
command -v jq >/dev/null || fail "jq is missing"

"$LIVEDUMP" record -o "$WORK/z" -e 'z on app capture full compress' -- "$PROGS/trigger_regions" \
	>"$WORK/z.log" 2>&1 || fail "record failed: $(cat "$WORK/z.log")"
assert_grep '^dump: .*compressed from .*snapshot\)' "$WORK/z.log" "a compressed snapshot dump"
dump=$(only_dump "$WORK/z")
[ "$(head -c 4 "$dump" | od -An -tx1 | tr -d ' ')" = 5e2a4d18 ] || fail "not livedump's zstd container"
"$LIVEDUMP" inspect --json --data "$dump" >"$WORK/z.json" || fail "inspect of a compressed dump failed"
assert_eq full "$(jq -r .header.capture_type "$WORK/z.json")" "capture type"
assert_eq true "$(jq -r .capture.snapshot "$WORK/z.json")" "memory from a snapshot"
assert_eq ok "$(jq -r '.regions[] | select(.name == "region_a") | .check' "$WORK/z.json")" "regions verified"
ok "capture full compress"

"$LIVEDUMP" record -o "$WORK/n" -e 'n on app capture full snapshot=no' -- "$PROGS/trigger_regions" \
	>"$WORK/n.log" 2>&1 || fail "record failed: $(cat "$WORK/n.log")"
"$LIVEDUMP" inspect --json "$(only_dump "$WORK/n")" >"$WORK/n.json" || fail "inspect failed"
assert_eq false "$(jq -r .capture.snapshot "$WORK/n.json")" "snapshot=no reads the process"
ok "snapshot=no"

"$LIVEDUMP" rules check -v -e 'a on app capture full compress snapshot=yes' >"$WORK/c" 2>&1 || fail "$(cat "$WORK/c")"
assert_grep '^a on app capture full compress snapshot=yes' "$WORK/c" "canonical form"
"$LIVEDUMP" rules check -e 'a on app capture context compress' >"$WORK/c" 2>&1 && fail "compress with capture context passed"
# compress=KIND[:LEVEL]: the default kind written as the bare word.
"$LIVEDUMP" rules check -v -e 'a on app capture full compress=zlib:6' -e 'b on app capture mini compress=zstd' \
	>"$WORK/c" 2>&1 || fail "$(cat "$WORK/c")"
assert_grep '^a on app capture full compress=zlib:6' "$WORK/c" "compress=zlib:6 canonical form"
assert_grep '^b on app capture mini compress( |$)' "$WORK/c" "compress=zstd canonical form"
"$LIVEDUMP" rules check -e 'a on app capture full compress=lz4' >"$WORK/c" 2>&1 && fail "compress=lz4 passed"
assert_grep "unknown compression 'lz4'" "$WORK/c" "compress=lz4 refused"
ok "rule syntax"
