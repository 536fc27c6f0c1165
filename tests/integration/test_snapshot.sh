#!/bin/bash
# Snapshot capture: a full dump is written from a copy-on-write copy of the
# process, which runs again at once.  The dump is the process as it was
# when it was stopped (memory written after the resume is not in it), gdb
# unwinds every thread, the regions check, MADV_DONTFORK/WIPEONFORK
# memory is there, zero pages are holes; no zombie, no copy left behind.
. "$(dirname "$0")/../lib.sh"
require_root

start_bg "$WORK/prog.out" "$PROGS/snapmem" --mib 32 --holes-mib 64 --threads 2 \
	--dontfork-mib 1 --wipeonfork-mib 1
pid=$BG_PID
wait_for grep -q '^marker' "$WORK/prog.out" || fail "snapmem did not start: $(cat "$WORK/prog.out")"
addr() { awk -v k="$1" '$1 == k { print $2 }' "$WORK/prog.out"; }
mem=$(addr mem) holes=$(addr holes) dontfork=$(addr dontfork) wipe=$(addr wipeonfork)

cp "/proc/$pid/maps" "$WORK/maps.before"

# 1. The process runs on while its dump is written: it handles SIGUSR1
#    (marker 1 -> 2) before the (delayed) write starts; the dump has 1.
out=$WORK/full
LIVEDUMP_TEST_SNAPSHOT_DELAY_MS=4000 start_bg "$WORK/cap.log" \
	"$LIVEDUMP" -v capture -p "$pid" --full -o "$out"
cap=$BG_PID
# Not a fixed sleep: under TCG on a loaded host the capture may take longer
# than any guess to seize the process, and a signal sent before the
# snapshot would be in it.
wait_for grep -q 'snapshot [0-9]* made' "$WORK/cap.log" ||
	fail "no snapshot made: $(cat "$WORK/cap.log")"
kill -USR1 "$pid"
wait_for grep -q '^marked' "$WORK/prog.out" ||
	fail "the process did not run during the snapshot (state $(proc_state "$pid"), capture $(kill -0 "$cap" 2>/dev/null && echo running || echo ended): $(cat "$WORK/cap.log"))"
kill -0 "$cap" 2>/dev/null || fail "the capture ended before the process ran: $(cat "$WORK/cap.log")"
ok "the process ran while the dump was being written"
wait "$cap" || fail "capture failed: $(cat "$WORK/cap.log")"
cat "$WORK/cap.log"
assert_grep '^dump: .*4 threads.*, snapshot\)$' "$WORK/cap.log" "capture output"
dump=$(only_dump "$out")

gdb -nx -batch -ex 'set auto-load off' -ex 'print marker' \
	-ex "x/gx $mem+4096*100" -ex "x/gx $holes+4096*10" \
	-ex "x/bx $dontfork" -ex "x/bx $dontfork+1048575" \
	-ex "x/bx $wipe" -ex "x/bx $wipe+1048575" \
	"$PROGS/snapmem" "$dump" >"$WORK/gdb.out" 2>&1
cat "$WORK/gdb.out" | grep -E '^(\$|0x)'
assert_grep '^\$1 = 1$' "$WORK/gdb.out" "marker as it was at the stop"
assert_grep ':[[:space:]]+0x0000000000000065$' "$WORK/gdb.out" "touched memory (page 100 holds 101)"
assert_grep ':[[:space:]]+0x0000000000000000$' "$WORK/gdb.out" "never-touched memory reads as zero"
[ "$(grep -cE ':[[:space:]]+0xdf$' "$WORK/gdb.out")" = 2 ] || fail "MADV_DONTFORK memory missing"
[ "$(grep -cE ':[[:space:]]+0x3f$' "$WORK/gdb.out")" = 2 ] || fail "MADV_WIPEONFORK memory missing"
ok "memory: as stopped, MADV_DONTFORK/WIPEONFORK read from the original"

gdb_bt "$PROGS/snapmem" "$dump" >"$WORK/bt"
cat "$WORK/bt"
[ "$(grep -c '^Thread ' "$WORK/bt")" = 4 ] || fail "gdb should list 4 threads"
for f in main heartbeat idle; do
	assert_grep " $f \\(" "$WORK/bt" "a thread in $f"
done
ok "gdb unwinds every thread"

"$LIVEDUMP" inspect "$dump" >"$WORK/inspect" || fail "inspect failed"
"$LIVEDUMP" inspect --json "$dump" >"$WORK/inspect.json" || fail "inspect --json failed"
grep -E '^(flags|snapshot|stopped):' "$WORK/inspect"
assert_grep '^flags: +snapshot$' "$WORK/inspect" "header flag"
assert_grep '^snapshot: +yes' "$WORK/inspect" "snapshot line"
assert_grep '^  pattern .* ok ' "$WORK/inspect" "region pattern checks"
assert_grep '^  marker .* ok ' "$WORK/inspect" "region marker checks"
snap=$(jq -r '.capture.snapshot_pid' "$WORK/inspect.json")
[ "$(jq -r '.capture.snapshot' "$WORK/inspect.json")" = true ] && [ "$snap" -gt 0 ] ||
	fail "inspect --json: no snapshot: $(jq -c .capture "$WORK/inspect.json")"
ok "inspect shows the snapshot"

# Zero pages are holes, and readers still see zeros there.
size=$(stat -c %s "$dump")
alloc=$(( $(stat -c %b "$dump") * $(stat -c %B "$dump") ))
echo "file $size bytes, $alloc allocated"
[ $((size - alloc)) -gt $((60 << 20)) ] || fail "64 MiB of untouched memory should be holes"
eu-readelf -l "$dump" >/dev/null || fail "eu-readelf cannot read the dump"
eu-readelf -n "$dump" | grep -q " PRSTATUS$" || fail "eu-readelf sees no NT_PRSTATUS"
if command -v eu-stack >/dev/null; then
	eu-stack --core="$dump" -e "$PROGS/snapmem" >"$WORK/eu-stack" 2>&1
	assert_grep " heartbeat$" "$WORK/eu-stack" "eu-stack unwinds the dump"
fi
ok "holes"

# 2. Nothing left behind: the copy is gone (reaped by init), the process
#    has no child and saw no SIGCHLD; it runs.
wait_for test ! -e "/proc/$snap" || fail "the snapshot process $snap is still there: $(ps -o pid,ppid,stat,comm -p "$snap")"
[ -z "$(pgrep -P "$pid")" ] || fail "pid $pid has children: $(ps -o pid,ppid,stat,comm --ppid "$pid")"
kill -USR2 "$pid"
wait_for grep -q '^stall_max_us' "$WORK/prog.out" || fail "no report from snapmem"
assert_grep '^stall_max_us [0-9]+ sigchld 0$' "$WORK/prog.out" "no SIGCHLD in the process"
state=$(proc_state "$pid")
[ "$state" != T ] && [ "$state" != t ] || fail "pid $pid left stopped"
diff "$WORK/maps.before" "/proc/$pid/maps" || fail "the mappings of pid $pid changed"
ok "no zombie, no copy left, no SIGCHLD, the same mappings"

# 3. A mini dump through a snapshot, on request; a full one without.
for args in "--snapshot" "--full --no-snapshot"; do
	out=$WORK/o$RANDOM
	"$LIVEDUMP" capture -p "$pid" $args -o "$out" >"$WORK/cap2.log" 2>&1 ||
		fail "capture $args failed: $(cat "$WORK/cap2.log")"
	cat "$WORK/cap2.log"
	d=$(only_dump "$out")
	gdb_bt "$PROGS/snapmem" "$d" >"$WORK/bt2"
	assert_grep " heartbeat \\(" "$WORK/bt2" "$args: backtrace"
	"$LIVEDUMP" inspect "$d" >"$WORK/inspect2"
	if [ "$args" = --snapshot ]; then
		assert_grep ', snapshot\)$' "$WORK/cap2.log" "mini snapshot"
		assert_grep '^capture: +mini' "$WORK/inspect2" "mini"
	else
		grep -q 'snapshot' "$WORK/cap2.log" && fail "--no-snapshot made a snapshot"
		assert_grep '^flags: +-$' "$WORK/inspect2" "no snapshot flag"
	fi
	assert_grep '^  marker .* ok ' "$WORK/inspect2" "$args: region checks"
done
[ -z "$(pgrep -P "$pid")" ] || fail "pid $pid has children"
kill -0 "$pid" || fail "snapmem died"
ok "mini snapshot and plain full capture"
