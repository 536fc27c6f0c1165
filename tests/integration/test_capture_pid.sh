#!/bin/bash
# `livedump capture -p` of a running multi-threaded program: gdb shows every
# thread with the right backtrace, and the program runs on afterwards.
. "$(dirname "$0")/../lib.sh"
require_root

start_bg "$WORK/prog.out" "$PROGS/threads_busy"
pid=$BG_PID
wait_for grep -q '^ready' "$WORK/prog.out" || fail "threads_busy did not start"
sleep 0.2

for mode in mini full; do
	out=$WORK/$mode
	args=()
	[ $mode = full ] && args=(--full)
	"$LIVEDUMP" capture -p "$pid" -o "$out" "${args[@]}" >"$WORK/cap.log" 2>&1 ||
		fail "capture ($mode) failed: $(cat "$WORK/cap.log")"
	cat "$WORK/cap.log"
	assert_grep '^dump: .*-manual-threads_busy-'"$pid"'\.core \(.* 4 threads' "$WORK/cap.log" "capture output"
	dump=$(only_dump "$out")
	assert_decoded "$dump" manual '.requested_by == "livedump capture"' "$mode capture -p"
	gdb_bt "$PROGS/threads_busy" "$dump" >"$WORK/bt"
	cat "$WORK/bt"
	[ "$(grep -c '^Thread ' "$WORK/bt")" = 4 ] || fail "$mode: gdb should list 4 threads"
	for f in spin_in_alpha sleep_in_beta wait_in_gamma main; do
		assert_grep " $f \\(" "$WORK/bt" "$mode: a thread in $f"
	done
	for f in clock_nanosleep pthread_cond_wait; do
		assert_grep "$f" "$WORK/bt" "$mode: unwinding through libc ($f)"
	done
	state=$(proc_state "$pid")
	[ "$state" != T ] && [ "$state" != t ] || fail "$mode: pid $pid left stopped"
	ok "$mode capture"
done
full=$(stat -c %s "$(only_dump "$WORK/full")")
mini=$(stat -c %s "$(only_dump "$WORK/mini")")
echo "mini $mini bytes, full $full bytes"
[ "$mini" -lt "$full" ] || fail "mini dump is not smaller than the full one"

# The spinning thread kept spinning: the process is alive and not stopped.
sleep 0.2
kill -0 "$pid" || fail "threads_busy died"

# A process that does not exist gets a clear error.
"$LIVEDUMP" capture -p 999999999 -o "$WORK/none" >"$WORK/err" 2>&1 && fail "capture of a missing pid succeeded"
assert_grep 'livedump: (-p 999999999: too large \(at most 4194304\)|cannot dump pid 999999999: no such process)' "$WORK/err" "error for a missing pid"
"$LIVEDUMP" capture -p 4000000 -o "$WORK/none" >"$WORK/err" 2>&1 && fail "capture of a missing pid succeeded"
assert_grep 'livedump: cannot dump pid 4000000: no such process' "$WORK/err" "error for a missing pid"
ok "capture -p"
