#!/bin/bash
# Detectors for process failures: a failed assert and abort() are frozen
# before the process dies (gdb shows the function), exit(3) gives a context
# record (and with capture mini a dump frozen in exit()), a null pointer
# dereference and a SIGBUS give signal records with the fault address, a
# SIGKILL an exit record, a handled SIGUSR1 a live dump, a memory hog in a
# small memory cgroup an oom record.  Each exactly once.
. "$(dirname "$0")/../lib.sh"
require_root
command -v jq >/dev/null || fail "jq is missing"
prog=$PROGS/failures
n=0

# run MODE RULES... : record the program in MODE; sets OUT and LOG
run() {
	local mode=$1
	shift
	n=$((n + 1))
	OUT=$WORK/out.$n LOG=$WORK/log.$n
	local args=()
	for r in "$@"; do args+=(-e "$r"); done
	"$LIVEDUMP" record -o "$OUT" "${args[@]}" -- "$prog" "$mode" >"$LOG" 2>&1
	grep -E '^(trigger|dump|declined):|livedump:' "$LOG"
}
events() { cat "$OUT"/journal-*.jsonl 2>/dev/null; }
count() { events | jq -s "map(select($1)) | length"; }

# assert and abort: frozen inside libc, memory intact, gdb shows the caller.
run assert 'a on assert' 'b on abort'
assert_eq 1 "$(count '.rule == "a" and .verdict == "dumped"')" "assert dumps"
assert_grep "^trigger: rule a .* assert: tests/progs/failures.c:[0-9]+: check_invariant: Assertion .items < 10 && \"too many items in flight\". failed" "$LOG" "assertion text, file and line"
dump=$(find "$OUT" -name '*-a-failures-*.core')
gdb_bt "$prog" "$dump" | grep -q ' check_invariant (' || fail "gdb: no check_invariant in the assert dump"
grep -aq 'assertion=items < 10 && "too many items in flight"' "$dump" || fail "assertion text not in the dump"
assert_decoded "$dump" assert '.assertion == "items < 10 && \"too many items in flight\"" and
	(.file | endswith("tests/progs/failures.c")) and .line > 0 and .function == "check_invariant"' "assert"
assert_eq 1 "$(count '.rule == "b"')" "abort after the failed assert"
ok "assert"

run abort 'b on abort'
assert_eq 1 "$(count '.rule == "b" and .verdict == "dumped" and .frozen')" "abort dumps"
gdb_bt "$prog" "$(find "$OUT" -name '*.core')" | grep -q ' give_up (' || fail "gdb: no give_up in the abort dump"
assert_decoded "$(find "$OUT" -name '*.core')" abort '.function == "abort"' "abort"
ok "abort"

# exit(3): a context record; with capture mini, frozen in exit().
run exit3 'x on exit'
q='.rule == "x" and .code == "0x3" and .frozen == false'
assert_eq 1 "$(count "$q")" "exit records"
assert_grep '^trigger: rule x .* exit: exited with status 3 after ' "$LOG" "exit status"
# The process is gone by the capture: its dump still has the name BPF saw.
dump=$(find "$OUT" -name '*.core')
case "$(basename "$dump")" in *-x-failures-*) ;; *) fail "context dump named $(basename "$dump"), want the comm in it" ;; esac
assert_eq failures "$("$LIVEDUMP" inspect --json "$dump" | jq -r .header.comm)" "comm of the context dump"
assert_decoded "$dump" exit '.status == 3 and .core == false and .runtime_ns > 0 and .maxrss > 0' "exit status"
run exit3 'x on exit capture mini'
assert_eq 1 "$(count '.rule == "x" and .frozen')" "exit dumps frozen in exit()"
gdb_bt "$prog" "$(find "$OUT" -name '*.core')" | grep -q ' leave_with_3 (' || fail "gdb: no leave_with_3"
assert_decoded "$(find "$OUT" -name '*.core')" exit '.status == 3 and .via == "exit()"' "exit() frozen"
run exit3 'x on exit status=1,2'
assert_eq 0 "$(count 'true')" "records for a status no rule wants"
ok "exit"

# SEGV and BUS: fatal, so context records with the fault address.
run segv 's on signal sig=SEGV,BUS' 'x on exit signal=SEGV'
assert_eq 1 "$(count '.rule == "s" and .code == "0xb"')" "SEGV records"
assert_grep '^trigger: rule s .* signal: SIGSEGV \(SEGV_MAPERR\) at 0x0, fatal$' "$LOG" "SEGV fault address"
assert_grep '^trigger: rule x .* exit: killed by SIGSEGV' "$LOG" "exit record of the crash"
assert_decoded "$(find "$OUT" -name '*-s-*.core')" signal '.signal == "SIGSEGV" and .signo == 11 and
	.si_code == "SEGV_MAPERR" and .addr == "0x0" and .fatal == true' "fatal SIGSEGV"
assert_decoded "$(find "$OUT" -name '*-x-*.core')" exit '.signal == "SIGSEGV"' "exit by SIGSEGV"
run bus 's on signal sig=SEGV,BUS'
assert_eq 1 "$(count '.rule == "s" and .code == "0x7"')" "BUS records"
assert_grep '^trigger: rule s .* signal: SIGBUS \(BUS_ADRERR\) at 0x[0-9a-f]+' "$LOG" "BUS fault address"
ok "SEGV and BUS"

# A handled SIGUSR1: frozen at delivery, a mini dump.
run usr1 's on signal sig=USR1'
assert_eq 1 "$(count '.rule == "s" and .verdict == "dumped" and .frozen')" "SIGUSR1 dumps"
assert_grep '^usr1 handled: 1' "$LOG" "the program went on and handled it"
gdb_bt "$prog" "$(find "$OUT" -name '*.core')" | grep -q ' poke_myself (' || fail "gdb: no poke_myself"
assert_decoded "$(find "$OUT" -name '*.core')" signal '.signal == "SIGUSR1" and .si_code == "SI_TKILL" and
	.disposition == "handled" and .fatal == false and .sender_pid > 0' "handled SIGUSR1"
ok "handled signal"

# SIGKILL: an exit record saying so.
n=$((n + 1)); OUT=$WORK/out.$n LOG=$WORK/log.$n
start_bg "$WORK/victim.out" "$prog" sleep
victim=$BG_PID
wait_for grep -q '^pid' "$WORK/victim.out" || fail "the victim did not start"
start_bg "$LOG" "$LIVEDUMP" record -o "$OUT" -e 'k on exit signal=KILL' -p "$victim"
rec=$BG_PID
wait_for grep -q '^recording into' "$LOG" || fail "record did not start: $(cat "$LOG")"
kill -KILL "$victim"
wait_for grep -q '^trigger: rule k ' "$LOG" || fail "no exit record for SIGKILL: $(cat "$LOG")"
kill -INT "$rec"; wait "$rec"
assert_grep "^trigger: rule k pid $victim .* exit: killed by SIGKILL" "$LOG" "killed by SIGKILL"
ok "SIGKILL"

# OOM: a memory hog in a 64 MiB memory cgroup.
cg=
if [ -d /sys/fs/cgroup/memory ] && [ -w /sys/fs/cgroup/memory ]; then
	cg=/sys/fs/cgroup/memory/livedump-test-$$
	mkdir "$cg" && echo 64M >"$cg/memory.limit_in_bytes"
	procs=$cg/cgroup.procs
elif [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
	cg=/sys/fs/cgroup/livedump-test-$$
	mkdir "$cg" && echo 64M >"$cg/memory.max" && echo 0 >"$cg/memory.swap.max" 2>/dev/null
	procs=$cg/cgroup.procs
fi
if [ -n "$cg" ]; then
	n=$((n + 1)); OUT=$WORK/out.$n LOG=$WORK/log.$n
	"$LIVEDUMP" record -o "$OUT" -e 'o on oom' -- sh -c "echo \$\$ > $procs; exec $prog hog" >"$LOG" 2>&1
	rmdir "$cg" 2>/dev/null
	grep -E '^(trigger|dump):' "$LOG"
	assert_eq 1 "$(count '.rule == "o" and .issue == "oom" and .comm == "failures"')" "oom records"
	assert_grep '^pid [0-9]+ was killed by signal 9' "$LOG" "the hog was killed"
	assert_decoded "$(find "$OUT" -name '*.core')" oom '.victim_comm == "failures" and .victim_pid > 0 and
		.total_vm > 0 and .trigger_pid > 0' "oom"
	ok "oom"
else
	echo "no memory cgroup controller available: oom not tested"
fi

# Thresholds, sampled every 200 ms: a CPU burner, an fd leaker, a thread
# spawner, a process that grows: one dump each (limit 1), frozen live.
for t in "burn:cpu>30% for=1s" "fdleak:fds>100 for=400ms" "spawn:threads>20 for=400ms" "grow:rss>100M for=400ms"; do
	mode=${t%%:*} cond=${t#*:}
	run "$mode" "t on threshold $cond interval=200ms limit 1"
	assert_eq 1 "$(count '.rule == "t" and .verdict == "dumped" and .issue == "threshold"')" "$mode: threshold dumps"
	metric=${cond%%>*}
	assert_grep "^trigger: rule t .* threshold: $metric " "$LOG" "$mode: the metric"
	case $mode in
	burn) fn=burn_cpu ;; fdleak) fn=leak_fds ;; spawn) fn=spawn_threads ;; grow) fn=grow ;;
	esac
	gdb_bt "$prog" "$(find "$OUT" -name '*.core')" | grep -q " $fn (" || fail "$mode: gdb shows no $fn"
	assert_decoded "$(find "$OUT" -name '*.core')" threshold ".metric == \"$metric\" and .value >= .limit and
		.held_ns >= 0 and (.unit | length > 0)" "threshold $metric"
	ok "threshold $cond"
done

# scope=cgroup: two thread spawners in one cgroup are judged together:
# more threads than either has (51 each).
if cg2=$(for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
		[ "$(stat -fc %T "$d" 2>/dev/null)" = cgroup2fs ] && echo "$d" && break
	done) && [ -n "$cg2" ] && [ "$(nproc)" -ge 2 ]; then
	name=livedump-thr-$$
	mkdir "$cg2/$name"
	n=$((n + 1)); OUT=$WORK/out.$n LOG=$WORK/log.$n
	start_bg "$LOG" "$LIVEDUMP" record -o "$OUT" --all \
		-e "c on threshold threads>80 for=400ms interval=200ms scope=cgroup where cgroup=/$name limit 1"
	rec=$BG_PID
	wait_for grep -q '^recording into' "$LOG" || fail "record did not start: $(cat "$LOG")"
	for i in 1 2; do
		start_bg /dev/null sh -c "echo \$\$ > $cg2/$name/cgroup.procs; exec $prog spawn"
	done
	wait_for grep -q '^dump:' "$LOG"; got=$?
	kill -INT "$rec"; wait "$rec"
	sleep 3.5; rmdir "$cg2/$name" 2>/dev/null
	cat "$LOG"
	[ $got = 0 ] || fail "no dump for the cgroup's threads"
	assert_grep '^trigger: rule c pid [0-9]+ \(failures\) .* threshold: threads 10[0-9] >= 80' "$LOG" "threads of the cgroup summed"
	ok "threshold scope=cgroup"
else
	echo "no cgroup v2 or a single CPU: scope=cgroup not tested"
fi
