#!/bin/bash
# A collector killed with SIGKILL in the middle of a full capture leaves no
# dump anyone would take for one, and the next start cleans up after it
# (docs/safety.md, "The files livedump writes"):
# 1. with O_TMPFILE (the default), nothing at all is left;
# 2. without it (LIVEDUMP_TEST_NO_TMPFILE), the hidden .NAME.PID.tmp the kill
#    left is not listed by list, report or script (list says what it is),
#    and the next record removes it and says so;
# 3. the temporary file of a collector still writing (stopped with SIGSTOP
#    mid-write) is left alone by a second collector on the same directory,
#    which counts it against --max-use (and so declines its own dump), and
#    the first one then finishes its dump.
. "$(dirname "$0")/../lib.sh"
require_root
# What it checks (O_TMPFILE, flock'ed names, the next start's clean-up) does
# not depend on the kernel; on the VM's emulated CPUs its timing of writes of
# hundreds of MiB against the test's polling is not reliable.
skip_in_vm "the clean-up after a kill is kernel-independent and tested on the host"
command -v jq >/dev/null || fail "jq is missing (make deps installs it)"

# A process with a big memory: its full dump takes seconds to write.
start_bg "$WORK/big.out" "$PROGS/snapmem" --mib 512
big=$BG_PID
wait_for grep -q '^ready' "$WORK/big.out" || fail "snapmem did not start"
rule="big on uprobe at=$PROGS/snapmem:on_usr1 capture full"

# start_record LOG OUT [ARGS...]: record watching the big process; $REC its pid.
start_record() {
	local log=$1 out=$2
	shift 2
	start_bg "$log" "$LIVEDUMP" record -p "$big" -e "$rule" -o "$out" "$@"
	REC=$BG_PID
	wait_for grep -q '^recording into' "$log" || fail "record did not start: $(cat "$log")"
}

# tmp_written OUT [KIB]: the hidden temporary file in OUT once more than
# KIB (default 0) are written to it, in $TMP.
tmp_written() {
	TMP=$(find "$1" -maxdepth 1 -name '.*.tmp' -size +"${2:-0}"k -printf '%f\n' | head -1)
	[ -n "$TMP" ]
}

# The unnamed (O_TMPFILE) file record PID writes in OUT, as its fd shows it.
tmpfile_open() { ls -l "/proc/$1/fd" 2>/dev/null | grep -q -- "-> $2/#[0-9]* (deleted)"; }

# kill_record: SIGKILL, then the big process must run again.
kill_record() {
	kill -KILL "$REC"
	wait "$REC" 2>/dev/null
	wait_for sh -c "s=\$(awk '{print \$3}' /proc/$big/stat); [ \"\$s\" != T ] && [ \"\$s\" != t ]" ||
		fail "snapmem left stopped"
}

# 1. O_TMPFILE: the dump being written has no name; killed, it is gone.
out=$WORK/out1
mkdir -m 0700 "$out"
start_record "$WORK/rec1.log" "$out"
kill -USR1 "$big"
wait_for tmpfile_open "$REC" "$out" || fail "record never wrote a dump: $(cat "$WORK/rec1.log")"
kill_record
[ -z "$(find "$out" -name '*.core' -o -name '.*')" ] || { ls -la "$out" >&2; fail "the kill left a file"; }
"$LIVEDUMP" list "$out" >"$WORK/list1.txt" 2>&1 || fail "list failed: $(cat "$WORK/list1.txt")"
assert_grep '^livedump: no dumps' "$WORK/list1.txt" "list after the kill"
ok "O_TMPFILE: killed mid-write, nothing left"

# 2. Without O_TMPFILE: the kill leaves .NAME.PID.tmp, with record's pid.
out=$WORK/out2
mkdir -m 0700 "$out"
LIVEDUMP_TEST_NO_TMPFILE=1 start_record "$WORK/rec2.log" "$out"
kill -USR1 "$big"
wait_for tmp_written "$out" || fail "record never wrote a dump: $(cat "$WORK/rec2.log")"
sleep 0.3
kill_record
[ -f "$out/$TMP" ] || fail "the kill left no temporary file: the test cannot see the cleanup"
[[ $TMP =~ ^\.[0-9T.]+-big-snapmem-$big\.core\.$REC\.tmp$ ]] || fail "temporary name $TMP: no writer pid $REC"
size=$(du -k "$out/$TMP" | cut -f1)
echo "left by the kill: $TMP, $size KiB on disk"

# Never shown as a dump: list says what it is, report and script skip it.
"$LIVEDUMP" list "$out" >"$WORK/list2.txt" 2>"$WORK/list2.err" || fail "list failed: $(cat "$WORK/list2.err")"
cat "$WORK/list2.err"
assert_grep '^livedump: no dumps' "$WORK/list2.err" "list"
assert_grep "^livedump: warning: $out/${TMP//./\\.} \([0-9.]+M\): a dump never finished, its writer \(pid $REC\) was killed while writing it: not listed; the next record into $out removes it" \
	"$WORK/list2.err" "list's word on the unfinished dump"
"$LIVEDUMP" list --json "$out" >"$WORK/list2.json" 2>/dev/null || fail "list --json failed"
assert_eq 0 "$(jq '.dumps | length' "$WORK/list2.json")" "dumps in list --json"
assert_eq "$out/$TMP stale $REC" "$(jq -r '.unfinished[] | "\(.file) \(.state) \(.writer_pid)"' "$WORK/list2.json")" \
	"list --json's unfinished"
"$LIVEDUMP" report "$out" >"$WORK/report2.txt" 2>&1 || fail "report failed: $(cat "$WORK/report2.txt")"
grep -q "$TMP" "$WORK/report2.txt" && fail "report shows the unfinished dump: $(cat "$WORK/report2.txt")"
"$LIVEDUMP" script --json "$out" >"$WORK/script2.txt" 2>&1 || fail "script failed: $(cat "$WORK/script2.txt")"
grep -q 'snapmem' "$WORK/script2.txt" && fail "script shows the unfinished dump: $(cat "$WORK/script2.txt")"
[ -f "$out/$TMP" ] || fail "list, report or script removed it"
ok "the unfinished dump is not listed, reported or scripted; list says what it is"

# The next record removes it, says so, and counts only what is left.
old_rec=$REC
start_record "$WORK/rec2b.log" "$out" --max-use 1G
cat "$WORK/rec2b.log"
assert_grep "^removed $out/${TMP//./\\.} \([0-9.]+ MiB\): a dump never finished, its writer \(pid $old_rec\) was killed while writing it$" \
	"$WORK/rec2b.log" "record's word on the stale file"
assert_grep "^$out holds 0 B of dumps \(--max-use 1.00 GiB\)$" "$WORK/rec2b.log" "record's usage"
[ -z "$(find "$out" -name '.*')" ] || { ls -la "$out" >&2; fail "a temporary file is still there"; }
kill -INT "$REC"
wait "$REC" || fail "record failed: $(tail -3 "$WORK/rec2b.log")"
ok "the next record removes it and says so"

# 3. A collector still writing keeps its file; another one counts it.
out=$WORK/out3
mkdir -m 0700 "$out"
LIVEDUMP_TEST_NO_TMPFILE=1 start_record "$WORK/rec3a.log" "$out"
writer=$REC
kill -USR1 "$big"
wait_for tmp_written "$out" $((80 << 10)) || fail "record never wrote 80 MiB of a dump: $(cat "$WORK/rec3a.log")"
kill -STOP "$writer"
sleep 0.2
size=$(du -B1 "$out/$TMP" | cut -f1)
echo "being written: $TMP, $size bytes on disk"
[ "$size" -gt $((64 << 20)) ] || fail "only $size bytes written: too few to check --max-use"

"$LIVEDUMP" list "$out" >"$WORK/list3.txt" 2>&1 || fail "list failed: $(cat "$WORK/list3.txt")"
assert_grep "^livedump: $out/${TMP//./\\.} \([0-9.]+M so far\): a dump pid $writer is writing: not listed yet" \
	"$WORK/list3.txt" "list's word on the dump being written"

start_bg "$WORK/small.out" "$PROGS/snapmem" --mib 1
small=$BG_PID
wait_for grep -q '^ready' "$WORK/small.out" || fail "the second snapmem did not start"
start_bg "$WORK/rec3b.log" "$LIVEDUMP" record -p "$small" -o "$out" --max-use 64M \
	-e "small on uprobe at=$PROGS/snapmem:on_usr1 capture mini"
rec3b=$BG_PID
wait_for grep -q '^recording into' "$WORK/rec3b.log" || fail "record did not start: $(cat "$WORK/rec3b.log")"
assert_grep "^$out/${TMP//./\\.}: being written by pid $writer \([0-9.]+ MiB so far\), counted against --max-use$" \
	"$WORK/rec3b.log" "the second record's word on the file being written"
grep -q '^removed' "$WORK/rec3b.log" && fail "the second record removed a file being written"
used=$(sed -n "s|^$out holds \([0-9.]*\) MiB of dumps (--max-use 64.0 MiB)$|\1|p" "$WORK/rec3b.log")
[ -n "$used" ] || fail "no usage line: $(cat "$WORK/rec3b.log")"
awk -v u="$used" -v s="$size" 'BEGIN { exit !(u * 1048576 >= s - 1048576) }' ||
	fail "usage $used MiB does not count the $size bytes being written"
kill -USR1 "$small"
wait_for grep -q '^declined: rule small' "$WORK/rec3b.log" || fail "the second dump was not declined: $(cat "$WORK/rec3b.log")"
assert_grep "^declined: rule small pid $small \(snapmem\): max-use 64.0 MiB reached \([0-9.]+ MiB used\)" \
	"$WORK/rec3b.log" "the decline"
kill -INT "$rec3b"
wait "$rec3b"
[ -f "$out/$TMP" ] || fail "the file being written is gone"
ok "a file being written is left alone and counted against --max-use ($used MiB)"

kill -CONT "$writer"
wait_for sh -c "ls '$out'/*-big-snapmem-*.core >/dev/null 2>&1" || fail "the first collector did not finish its dump"
kill -INT "$writer"
wait "$writer" || fail "the first record failed: $(tail -3 "$WORK/rec3a.log")"
[ -z "$(find "$out" -name '.*')" ] || { ls -la "$out" >&2; fail "a temporary file is left"; }
"$LIVEDUMP" list --json "$out" >"$WORK/list3.json" || fail "list --json failed"
assert_eq "complete" "$(jq -r '.dumps[] | select(.comm == "snapmem") | .state' "$WORK/list3.json")" "the finished dump"
assert_eq 0 "$(jq '.unfinished | length' "$WORK/list3.json")" "unfinished files after it"
ok "the stopped collector finished its dump"
kill "$big" "$small"
