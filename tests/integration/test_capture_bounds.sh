#!/bin/bash
# A capture never holds its process unboundedly (issue 12, item 2):
#  1. registry slots claiming 64 GiB and 1 TiB at unmapped addresses (and
#     one that wraps) are clamped to the client's limit and the mappings,
#     never walked page by page (before: 22 s and over 90 s held);
#  2. 256 overlapping registered regions are read once (before: each in
#     full, 7 s held for 64 MiB);
#  3. a capture past its --max-hold is cut: the process runs again at the
#     deadline and the dump says why;
#  4. record stops within a second of SIGINT in the middle of a capture,
#     and the process is never left stopped;
#  5. and while a full dump is written from its snapshot.
. "$(dirname "$0")/../lib.sh"
# How soon record must stop after SIGINT: a second; in the VM, whose
# emulated CPUs run ten times slower, three (the promise is the same).
stop_bound=1000
in_vm && stop_bound=3000
require_root

pause_ms() { "$LIVEDUMP" inspect --json "$1" | jq '.header.pause_ns / 1000000 | floor'; }

# 1. Huge slots.
out=$WORK/huge
"$LIVEDUMP" record -o "$out" -- "$PROGS/hostile_regions" huge >"$WORK/huge.log" 2>&1 ||
	{ cat "$WORK/huge.log"; fail "record failed"; }
assert_grep '^trigger ret=1$' "$WORK/huge.log" "the trigger was answered"
dump=$(only_dump "$out")
"$LIVEDUMP" inspect --json "$dump" >"$WORK/huge.json" || fail "inspect failed"
for name in 64GiB-unmapped 1TiB-unmapped wraps; do
	jq -e --arg n "$name" '.regions[] | select(.name == $n) |
		(.flags | index("clamped")) and .captured == 0 and .len <= 268435456' \
		"$WORK/huge.json" >/dev/null || fail "region $name not clamped: $(jq -c --arg n "$name" '.regions[] | select(.name == $n)' "$WORK/huge.json")"
done
jq -e '.regions[] | select(.name == "real") | .captured == 4096 and .check == "ok"' \
	"$WORK/huge.json" >/dev/null || fail "the real region was not captured whole"
p=$(pause_ms "$dump")
[ "$p" -lt 1000 ] || fail "held $p ms for unmapped slots (bound: 1000 ms)"
ok "64 GiB and 1 TiB slots clamped, held $p ms"

# 2. Overlapping regions.
out=$WORK/overlap
mb=64; in_vm && mb=8	# TCG runs an order of magnitude slower
"$LIVEDUMP" record -o "$out" -- "$PROGS/hostile_regions" overlap 256 $mb >"$WORK/ov.log" 2>&1 ||
	{ cat "$WORK/ov.log"; fail "record failed"; }
dump=$(only_dump "$out")
"$LIVEDUMP" inspect --json "$dump" >"$WORK/ov.json" || fail "inspect failed"
assert_eq 256 "$(jq '.regions | length' "$WORK/ov.json")" "regions in the dump"
assert_eq 0 "$(jq '[.regions[] | select(.check != "ok")] | length' "$WORK/ov.json")" \
	"regions whose CRC does not match the dump's bytes"
p=$(pause_ms "$dump")
[ "$p" -lt 2000 ] || fail "held $p ms for 256 overlapping $mb MiB regions (bound: 2000 ms)"
ok "256 overlapping regions read once, CRCs check, held $p ms"

# 3. The deadline: the test hook holds the capture until its bound.
out=$WORK/deadline
LIVEDUMP_TEST_CAPTURE_DELAY_MS=20000 "$LIVEDUMP" record -o "$out" --max-hold 300ms \
	-- "$PROGS/trigger_regions" >"$WORK/dl.log" 2>&1 || { cat "$WORK/dl.log"; fail "record failed"; }
assert_grep 'capture cut short: the process was held for the capture.s limit of 0.3 s' \
	"$WORK/dl.log" "record says the capture was cut"
dump=$(only_dump "$out")
"$LIVEDUMP" inspect --json "$dump" >"$WORK/dl.json" || fail "inspect failed"
jq -e '.capture.cut and (.capture.cut_reason | test("limit of 0.3 s")) and
	(.header.flags | index("cut"))' "$WORK/dl.json" >/dev/null ||
	fail "the dump does not say it was cut: $(jq -c '.capture' "$WORK/dl.json")"
p=$(pause_ms "$dump")
[ "$p" -ge 300 ] && [ "$p" -lt 1300 ] || fail "held $p ms with --max-hold 300ms"
"$LIVEDUMP" inspect "$dump" | grep -q '^cut: ' || fail "inspect shows no cut line"
ok "cut at --max-hold 300ms (held $p ms), the dump says so"
"$LIVEDUMP" record --max-hold 0s -o "$WORK/x" -- true >"$WORK/bad.log" 2>&1 &&
	fail "--max-hold 0s accepted"
assert_grep 'max-hold 0s: too short \(at least 1ms\)' "$WORK/bad.log" "--max-hold 0s refused"

# 4. SIGINT in the middle of a (long) capture.
out=$WORK/sigint
LIVEDUMP_TEST_CAPTURE_DELAY_MS=60000 start_bg "$WORK/int.log" \
	"$LIVEDUMP" record -o "$out" -- "$PROGS/trigger_regions" --hold-ms 3000
rec=$BG_PID
wait_for grep -q '^trigger:' "$WORK/int.log" || fail "no trigger seen: $(cat "$WORK/int.log")"
pid=$(sed -n 's/^launched .* as pid \([0-9]*\)$/\1/p' "$WORK/int.log")
sleep 0.3
t0=$EPOCHREALTIME
kill -INT "$rec"
for _ in $(seq $((stop_bound * 3 / 100))); do kill -0 "$rec" 2>/dev/null || break; sleep 0.05; done
ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.0f", (b-a)*1000}')
kill -0 "$rec" 2>/dev/null && fail "record still runs $((stop_bound * 3 / 2)) ms after SIGINT mid-capture"
wait "$rec"
[ "$ms" -lt "$stop_bound" ] || fail "record took $ms ms to stop after SIGINT (bound: $stop_bound ms)"
assert_grep 'capture cut short: the collector was told to stop' "$WORK/int.log" "the capture was cut"
if [ -d "/proc/$pid" ]; then
	st=$(proc_state "$pid")
	[ "$st" != T ] && [ "$st" != t ] || fail "pid $pid left stopped ($st)"
fi
dump=$(only_dump "$out")
"$LIVEDUMP" inspect --json "$dump" | jq -e '.capture.cut_reason | test("told to stop")' >/dev/null ||
	fail "the dump written at the stop does not say why it was cut"
ok "record stopped $ms ms after SIGINT mid-capture; what was captured is kept"

# 5. SIGINT while a full dump is written from its snapshot (the process runs
#    on): record stops within a second; the dump is cut and says so.
out=$WORK/snapint
LIVEDUMP_TEST_SNAPSHOT_DELAY_MS=60000 start_bg "$WORK/snap.log" "$LIVEDUMP" record -o "$out" \
	-e 'snap on app capture full' -- "$PROGS/trigger_regions" --hold-ms 3000
rec=$BG_PID
wait_for grep -q '^trigger:' "$WORK/snap.log" || fail "no trigger seen: $(cat "$WORK/snap.log")"
sleep 0.5
t0=$EPOCHREALTIME
kill -INT "$rec"
for _ in $(seq $((stop_bound * 3 / 100))); do kill -0 "$rec" 2>/dev/null || break; sleep 0.05; done
ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.0f", (b-a)*1000}')
kill -0 "$rec" 2>/dev/null && fail "record still runs $((stop_bound * 3 / 2)) ms after SIGINT while writing from a snapshot"
wait "$rec"
[ "$ms" -lt "$stop_bound" ] || fail "record took $ms ms to stop after SIGINT (bound: $stop_bound ms)"
dump=$(only_dump "$out")
"$LIVEDUMP" inspect --json "$dump" | jq -e '.capture.snapshot and (.capture.cut_reason | test("told to stop"))' >/dev/null ||
	fail "the snapshot dump written at the stop does not say it was cut: $("$LIVEDUMP" inspect --json "$dump" | jq -c .capture)"
ok "record stopped $ms ms after SIGINT while writing from a snapshot; the dump says it was cut"
