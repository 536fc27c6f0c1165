#!/bin/bash
# A mini dump whose registered regions add up to 64 MiB or more takes a
# copy-on-write snapshot (the process is held for the fork, not for the
# copy), and its regions' CRCs, taken from the snapshot after the resume,
# verify; --no-snapshot copies them while the process is held, as before,
# and a process with small regions gets no snapshot.
. "$(dirname "$0")/../lib.sh"
require_root
command -v jq >/dev/null || fail "jq is missing"

start_bg "$WORK/big.out" "$PROGS/bigregions" 2 40
pid=$BG_PID
wait_for grep -q '^ready' "$WORK/big.out" || fail "bigregions did not start"

check() {	# NAME WANT-SNAPSHOT CAPTURE-ARGS...
	local name=$1 want=$2 dump
	shift 2
	"$LIVEDUMP" capture -p "$1" "${@:2}" -o "$WORK/$name" >"$WORK/$name.log" 2>&1 ||
		fail "$name: capture failed: $(cat "$WORK/$name.log")"
	cat "$WORK/$name.log"
	dump=$(only_dump "$WORK/$name")
	"$LIVEDUMP" inspect --json "$dump" >"$WORK/$name.json" || fail "$name: inspect failed"
	assert_eq mini "$(jq -r .header.capture_type "$WORK/$name.json")" "$name: capture type"
	assert_eq "$want" "$(jq -r .capture.snapshot "$WORK/$name.json")" "$name: snapshot"
	assert_eq ok,ok "$(jq -r '[.regions[] | select(.name | startswith("big")) | .check] | join(",")' \
		"$WORK/$name.json")" "$name: the regions verify"
}

# 80 MiB of regions: a snapshot.
check snap true "$pid"
ok "80 MiB of regions: from a snapshot, regions verified"
check nosnap false "$pid" --no-snapshot
ok "--no-snapshot: copied while held, regions verified"
kill "$pid"
wait "$pid" 2>/dev/null

# 2 x 8 MiB: below the threshold, no snapshot.
start_bg "$WORK/small.out" "$PROGS/bigregions" 2 8
pid=$BG_PID
wait_for grep -q '^ready' "$WORK/small.out" || fail "bigregions did not start"
check small false "$pid"
ok "16 MiB of regions: no snapshot"
