#!/bin/bash
# A target SIGKILLed in the middle of its capture (issue 12, item 6) is not
# left a zombie its parent cannot reap while the collector runs on: the
# collector, its tracer, collects it as soon as the capture gives up on it.
# Before the fix the parent's wait() hung until the collector exited.
. "$(dirname "$0")/../lib.sh"
require_root

out=$WORK/out
"$PROGS/trigger_regions" --go "$WORK/go" --hold-ms 60000 >"$WORK/target.log" 2>&1 &
pid=$!
track "$pid"
LIVEDUMP_TEST_CAPTURE_DELAY_MS=1500 start_bg "$WORK/rec.log" "$LIVEDUMP" record -o "$out" -p "$pid"
rec=$BG_PID
wait_for grep -q '^recording into' "$WORK/rec.log" || fail "record did not start: $(cat "$WORK/rec.log")"
touch "$WORK/go"
wait_for grep -q '^trigger:' "$WORK/rec.log" || fail "no trigger seen: $(cat "$WORK/rec.log")"
sleep 0.3
kill -KILL "$pid"
# The capture's delay ends 1.5 s after the trigger; give it 3 s more.
reaped=
for _ in $(seq 60); do
	st=$(proc_state "$pid")
	if [ -z "$st" ]; then reaped=1; break; fi
	# Our own child: once the tracer lets go, wait reaps it.
	[ "$st" = Z ] && timeout 0.1 bash -c "wait $pid" 2>/dev/null
	sleep 0.05
done
kill -0 "$rec" 2>/dev/null || fail "the collector exited: $(cat "$WORK/rec.log")"
if [ -z "$reaped" ]; then
	# wait(2) from this shell: it returns only once the tracer has let go.
	timeout 2 tail --pid="$pid" -f /dev/null || true
	[ -d "/proc/$pid" ] && fail "pid $pid is still $(proc_state "$pid") 3 s after the capture: not reapable while the collector runs"
fi
wait "$pid" 2>/dev/null
ok "killed target reaped while the collector runs"
kill -INT "$rec"
wait "$rec"
assert_grep 'failed|gone' "$WORK/rec.log" "the capture says the process is gone"
ok "the capture failed with a reason"
