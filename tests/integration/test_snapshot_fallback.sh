#!/bin/bash
# When no snapshot can be made the capture is a plain one, and the dump
# says why: a seccomp filter that forbids fork (with KILL_PROCESS the
# filter is never triggered: livedump runs it first), and clone failing
# in the process (pids.max of its cgroup).  The process lives on and is
# left as it was.
. "$(dirname "$0")/../lib.sh"
require_root

for how in kill errno; do
	start_bg "$WORK/prog-$how.out" "$PROGS/snapmem" --mib 8 --threads 1 --seccomp "$how"
	pid=$BG_PID
	wait_for grep -q '^marker' "$WORK/prog-$how.out" || fail "snapmem did not start"
	grep -q '^Seccomp:[[:space:]]*2' "/proc/$pid/status" || fail "no seccomp filter in $pid"
	out=$WORK/$how
	"$LIVEDUMP" capture -p "$pid" --full -o "$out" >"$WORK/cap.log" 2>&1 ||
		fail "capture failed: $(cat "$WORK/cap.log")"
	cat "$WORK/cap.log"
	assert_grep 'no snapshot: a seccomp filter forbids clone\)$' "$WORK/cap.log" "$how: fallback"
	kill -0 "$pid" || fail "$how: the process died"
	dump=$(only_dump "$out")
	"$LIVEDUMP" inspect "$dump" >"$WORK/inspect"
	grep -E '^(flags|snapshot):' "$WORK/inspect"
	assert_grep '^flags: +snapshot_fallback$' "$WORK/inspect" "$how: header flag"
	assert_grep '^snapshot: +no: a seccomp filter forbids clone \(plain capture\)' \
		"$WORK/inspect" "$how: inspect says why"
	"$LIVEDUMP" inspect --json "$dump" | jq -e '.capture.fallback == true and
		.capture.snapshot == false and (.capture.fallback_reason | test("seccomp"))' \
		>/dev/null || fail "$how: inspect --json"
	gdb_bt "$PROGS/snapmem" "$dump" >"$WORK/bt"
	assert_grep ' heartbeat \(' "$WORK/bt" "$how: backtrace"
	state=$(proc_state "$pid")
	[ "$state" != T ] && [ "$state" != t ] || fail "$how: pid $pid left stopped"
	[ -z "$(pgrep -P "$pid")" ] || fail "$how: pid $pid has children"
	kill "$pid"
	ok "seccomp $how: plain capture, recorded"
done

# clone fails in the process: its cgroup allows no more tasks.
if [ -d /sys/fs/cgroup/pids ] && mkdir "/sys/fs/cgroup/pids/livedump-test-$$" 2>/dev/null; then
	cg=/sys/fs/cgroup/pids/livedump-test-$$
elif grep -qw pids /sys/fs/cgroup/cgroup.controllers 2>/dev/null &&
     mkdir "/sys/fs/cgroup/livedump-test-$$" 2>/dev/null &&
     echo +pids >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null &&
     [ -e "/sys/fs/cgroup/livedump-test-$$/pids.max" ]; then
	cg=/sys/fs/cgroup/livedump-test-$$
else
	cg=
fi
if [ -z "$cg" ]; then
	ok "no pids cgroup here: clone failure not tested"
	exit 0
fi
cleanup_cg() { cleanup; rmdir "$cg" 2>/dev/null; }
trap cleanup_cg EXIT
start_bg "$WORK/prog-pids.out" "$PROGS/snapmem" --mib 8
pid=$BG_PID
wait_for grep -q '^marker' "$WORK/prog-pids.out" || fail "snapmem did not start"
echo "$pid" >"$cg/cgroup.procs"
for max in 2 3; do
	# 2: clone of the first child fails; 3: the child is made, its fork fails.
	echo "$max" >"$cg/pids.max"
	out=$WORK/pids$max
	"$LIVEDUMP" capture -p "$pid" --full -o "$out" >"$WORK/cap.log" 2>&1 ||
		fail "capture failed: $(cat "$WORK/cap.log")"
	cat "$WORK/cap.log"
	assert_grep 'no snapshot: (clone|fork) failed in the process: Resource temporarily unavailable\)$' \
		"$WORK/cap.log" "pids.max $max: fallback"
	[ "$(cat "$cg/pids.current")" = 2 ] || fail "pids.max $max: a task left in the cgroup: $(cat "$cg/pids.current")"
	[ -z "$(pgrep -P "$pid")" ] || fail "pids.max $max: pid $pid has children"
	kill -0 "$pid" || fail "pids.max $max: the process died"
	gdb_bt "$PROGS/snapmem" "$(only_dump "$out")" | grep -q ' heartbeat (' ||
		fail "pids.max $max: no backtrace"
	ok "pids.max $max: plain capture, the half-made copy removed"
done
echo max >"$cg/pids.max"
out=$WORK/pidsmax
"$LIVEDUMP" capture -p "$pid" --full -o "$out" >"$WORK/cap.log" 2>&1 || fail "capture failed"
assert_grep ', snapshot\)$' "$WORK/cap.log" "snapshot once allowed"
kill "$pid"
ok "clone failure"
