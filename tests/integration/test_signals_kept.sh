#!/bin/bash
# A capture never swallows a signal sent to the process it holds.  A thread
# we seize may stop on its way to delivering a signal (a signal-delivery-
# stop); letting it go with signal 0 would discard that signal, so every
# capture hands it back.  Real-time signals queue, so each one sent must
# be handled: captures (snapshot full and mini) run back to back while a
# flood of them arrives, and the process counts what it handled.
. "$(dirname "$0")/../lib.sh"
require_root

start_bg "$WORK/prog.out" "$PROGS/sigcount"
pid=$BG_PID
wait_for grep -q '^ready' "$WORK/prog.out" || fail "sigcount did not start: $(cat "$WORK/prog.out")"

# bash's builtin kill, as fast as it goes, until the captures are done;
# each one queues (SIGRTMIN does not coalesce).
( sent=0
  while [ ! -e "$WORK/stop" ]; do
	kill -s RTMIN "$pid" 2>/dev/null || break
	sent=$((sent + 1))
  done
  echo "$sent" >"$WORK/sent" ) &
sender=$!
# 60 captures; 8 in the VM, where each takes about 10 s under TCG beside the flood.
captures=60
in_vm && captures=8
for n in $(seq "$captures"); do
	if [ $((n % 2)) = 0 ]; then args=(--full); else args=(); fi
	"$LIVEDUMP" capture -p "$pid" "${args[@]}" -o "$WORK/d$n" >"$WORK/cap.log" 2>&1 ||
		fail "capture $n failed: $(cat "$WORK/cap.log")"
	grep -i 'warn' "$WORK/cap.log" && fail "capture $n warned"
	rm -rf "$WORK/d$n"
done
touch "$WORK/stop"
wait "$sender"
sent=$(cat "$WORK/sent")
[ "$sent" -gt 1000 ] || fail "only $sent signals sent"
ok "$captures captures while $sent signals arrived"
# What is still queued is handled once the process runs on.
sleep 1
kill -TERM "$pid"
wait "$pid"
cat "$WORK/prog.out"
assert_grep "^rt $sent\$" "$WORK/prog.out" "every real-time signal handled"
ok "no signal lost"

# A signal that comes while the process is held for a snapshot: the thread
# the copy is made through sits in pause(); once let go, the signal's
# handler runs and pause() returns -EINTR, as it would have without us (a
# restart done by hand would run the handler and go back into pause()).
start_bg "$WORK/snap.out" "$PROGS/snapmem" --mib 1 --threads 1
snap=$BG_PID
wait_for grep -q '^marker' "$WORK/snap.out" || fail "snapmem did not start: $(cat "$WORK/snap.out")"
LIVEDUMP_TEST_SNAPSHOT_SIGNAL=10 "$LIVEDUMP" capture -p "$snap" --full -o "$WORK/snap" >"$WORK/snapcap.log" 2>&1 ||
	fail "capture failed: $(cat "$WORK/snapcap.log")"
assert_grep ', snapshot\)$' "$WORK/snapcap.log" "a snapshot capture"
grep -i 'warn' "$WORK/snapcap.log" && fail "the capture warned"
wait_for grep -q '^marked' "$WORK/snap.out" ||
	fail "SIGUSR1 sent while held: pause() did not return (state $(proc_state "$snap")): $(cat "$WORK/snap.out")"
ok "a signal sent while held for a snapshot interrupts pause(), as without us"
