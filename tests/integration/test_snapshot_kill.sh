#!/bin/bash
# A collector killed with SIGKILL while it writes a dump from a snapshot
# leaves nothing behind: the copy dies with it (PTRACE_O_EXITKILL) and is
# reaped, the process has no child, runs, and saw no SIGCHLD.
. "$(dirname "$0")/../lib.sh"
require_root

# Processes of this test's process group named $2 but $1, zombies too: the
# copies inherit the process group of the process they copy.
others() { pgrep -g "$(ps -o pgid= -p $$ | tr -d ' ')" -x "$2" | grep -vx "$1" || true; }

# 1. livedump capture, killed during the write.
start_bg "$WORK/prog.out" "$PROGS/snapmem" --mib 16 --threads 1
pid=$BG_PID
wait_for grep -q '^marker' "$WORK/prog.out" || fail "snapmem did not start"
LIVEDUMP_TEST_SNAPSHOT_DELAY_MS=20000 start_bg "$WORK/cap.log" \
	"$LIVEDUMP" -v capture -p "$pid" --full -o "$WORK/out1"
cap=$BG_PID
wait_for grep -q 'snapshot [0-9]* made' "$WORK/cap.log" || fail "no snapshot made: $(cat "$WORK/cap.log")"
snap=$(sed -n 's/.*snapshot \([0-9]*\) made.*/\1/p' "$WORK/cap.log")
[ -e "/proc/$snap" ] || fail "no snapshot process $snap"
echo "snapshot $snap: $(ps -o pid,ppid,stat,comm= -p "$snap" | tail -1)"
kill -KILL "$cap"
wait "$cap" 2>/dev/null
wait_for test ! -e "/proc/$snap" || fail "the snapshot $snap outlived the collector: $(ps -o pid,ppid,stat,comm -p "$snap")"
[ -z "$(others "$pid" snapmem)" ] || fail "copies left: $(others "$pid" snapmem)"
[ -z "$(pgrep -P "$pid")" ] || fail "pid $pid has children"
state=$(proc_state "$pid")
[ "$state" != T ] && [ "$state" != t ] || fail "pid $pid left stopped"
kill -USR2 "$pid"
wait_for grep -q '^stall_max_us' "$WORK/prog.out" || fail "snapmem does not answer"
assert_grep 'sigchld 0$' "$WORK/prog.out" "no SIGCHLD in the process"
kill "$pid"
ok "capture killed mid-write: nothing left"

# 2. The collector, for an app trigger with a full capture: the triggering
#    thread is held until the dump is written; killed then, it returns 0.
out=$WORK/out2
LIVEDUMP_TEST_SNAPSHOT_DELAY_MS=20000 start_bg "$WORK/rec.log" \
	"$LIVEDUMP" -v record -e 'full on app capture full' -o "$out" -- \
	"$PROGS/trigger_regions" --hold-ms 1000
rec=$BG_PID
wait_for grep -q 'snapshot [0-9]* made' "$WORK/rec.log" || fail "no snapshot made: $(cat "$WORK/rec.log")"
pid=$(sed -n 's/^launched .* as pid \([0-9]*\)$/\1/p' "$WORK/rec.log")
snap=$(sed -n 's/.*snapshot \([0-9]*\) made.*/\1/p' "$WORK/rec.log")
[ -e "/proc/$snap" ] || fail "no snapshot process $snap"
kill -KILL "$rec"
wait_for test ! -e "/proc/$snap" || fail "the snapshot $snap outlived the collector"
wait_for grep -q '^trigger ret=0 ' "$WORK/rec.log" || fail "the trigger did not return 0: $(cat "$WORK/rec.log")"
wait_for test ! -d "/proc/$pid" || fail "pid $pid did not finish"
[ -z "$(others 0 trigger_regions)" ] || fail "copies left: $(others 0 trigger_regions)"
[ -z "$(find "$out" -name '*.core' 2>/dev/null)" ] || fail "a dump in $out"
ok "collector killed mid-write: nothing left"
