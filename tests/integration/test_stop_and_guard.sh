#!/bin/bash
# The process is stopped while its dump is taken and runs after; when the
# collector is killed with SIGKILL mid-capture, the guard resumes it.
. "$(dirname "$0")/../lib.sh"
require_root

stopped() { local s; s=$(proc_state "$1"); [ "$s" = T ] || [ "$s" = t ]; }
running() { ! stopped "$1"; }

# 1. Held still during a (slowed down) capture, running again after it.
out=$WORK/out1
LIVEDUMP_TEST_CAPTURE_DELAY_MS=1500 start_bg "$WORK/rec1.log" \
	"$LIVEDUMP" record -o "$out" -- "$PROGS/trigger_regions" --hold-ms 3000
rec=$BG_PID
wait_for grep -q '^trigger:' "$WORK/rec1.log" || fail "no trigger seen: $(cat "$WORK/rec1.log")"
pid=$(sed -n 's/^launched .* as pid \([0-9]*\)$/\1/p' "$WORK/rec1.log")
[ -n "$pid" ] || fail "no pid in record output"
sleep 0.5
stopped "$pid" || fail "pid $pid is in state $(proc_state "$pid") during the capture, want stopped"
ok "stopped during capture"
wait_for grep -q '^dump:' "$WORK/rec1.log" || fail "no dump: $(cat "$WORK/rec1.log")"
wait_for running "$pid" || fail "pid $pid still stopped after the dump"
wait "$rec" || fail "record failed: $(cat "$WORK/rec1.log")"
assert_grep '^trigger ret=1 ' "$WORK/rec1.log" "trigger returned 1"
ok "running after the dump"

# 2. kill -9 of the collector in the middle of a capture.
out=$WORK/out2
LIVEDUMP_TEST_CAPTURE_DELAY_MS=20000 start_bg "$WORK/rec2.log" \
	"$LIVEDUMP" record -o "$out" -- "$PROGS/trigger_regions" --hold-ms 500
rec=$BG_PID
wait_for grep -q '^trigger:' "$WORK/rec2.log" || fail "no trigger seen: $(cat "$WORK/rec2.log")"
pid=$(sed -n 's/^launched .* as pid \([0-9]*\)$/\1/p' "$WORK/rec2.log")
sleep 0.3
stopped "$pid" || fail "pid $pid not stopped during the capture (state $(proc_state "$pid"))"
guard=$(pgrep -P "$rec" -x livedump-guard)
[ -n "$guard" ] || fail "no guard process under the collector"
kill -KILL "$rec"
t0=$EPOCHREALTIME
for _ in $(seq 20); do running "$pid" && break; sleep 0.05; done
running "$pid" || fail "pid $pid still stopped 1 s after the collector was killed"
echo "resumed $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.0f", (b-a)*1000}') ms after SIGKILL"
# It finishes its work: the trigger returned 0 (no dump) and it exits normally.
wait_for grep -q '^trigger ret=0 ' "$WORK/rec2.log" || fail "trigger did not return 0: $(cat "$WORK/rec2.log")"
wait_for test ! -d "/proc/$pid" || fail "pid $pid did not finish"
[ -z "$(find "$out" -name '*.core' -o -name '*.tmp' 2>/dev/null)" ] || fail "files left in $out"
# Our collector's guard (other collectors may run on this machine) must be gone.
gone() { ! kill -0 "$guard" 2>/dev/null || [ "$(proc_state "$guard")" = Z ]; }
wait_for gone || fail "guard $guard still running"
ok "kill -9 of the collector leaves the process running"
