#!/bin/bash
# What `record` watches: -p PID (static executable), -x EXE, --all with
# --lib; an unwatched process that calls the trigger gets 0 and no dump;
# SIGINT / SIGTERM end the collector cleanly with nothing left attached.
. "$(dirname "$0")/../lib.sh"
require_root

# wait_dumps LOG N: wait until LOG shows N dumps
ndumps_ge() { [ "$(grep -c '^dump:' "$1")" -ge "$2" ]; }
wait_dumps() { wait_for ndumps_ge "$1" "$2"; }
stop_record() {	# pid signal log
	kill -"$2" "$1"
	wait "$1" || fail "record exited with $? after SIG$2: $(cat "$3")"
	assert_grep "^stopping on " "$3" "record says why it stops"
	assert_grep "^summary: " "$3" "summary at exit"
}

# BPF programs of other collectors on this machine are not ours to judge.
ours() { bpftool prog show 2>/dev/null | awk '/ld_app_fire/ { print $1 }' | sort; }
command -v bpftool >/dev/null && ours >"$WORK/progs.before"

# 1. -p PID of a statically linked program, and an unwatched twin.
go=$WORK/go1
start_bg "$WORK/p1.out" "$PROGS/trigger_regions_static" --go "$go"
p1=$BG_PID
start_bg "$WORK/p2.out" "$PROGS/trigger_regions_static" --go "$go"
p2=$BG_PID
wait_for grep -q '^pid' "$WORK/p1.out" || fail "program 1 did not start"
wait_for grep -q '^pid' "$WORK/p2.out" || fail "program 2 did not start"
start_bg "$WORK/rec1.log" "$LIVEDUMP" record -o "$WORK/out1" -p "$p1"
rec=$BG_PID
wait_for grep -q '^recording into' "$WORK/rec1.log" || fail "record did not start: $(cat "$WORK/rec1.log")"
assert_grep "attached uprobe .*trigger_regions_static:livedump__fire" "$WORK/rec1.log" "uprobe on the static executable"
touch "$go"
wait_dumps "$WORK/rec1.log" 1 || fail "no dump for pid $p1: $(cat "$WORK/rec1.log")"
wait_for grep -q '^trigger ret=0' "$WORK/p2.out" || fail "unwatched program: $(cat "$WORK/p2.out")"
assert_grep '^trigger ret=1' "$WORK/p1.out" "watched program got 1"
sleep 0.3
stop_record "$rec" INT "$WORK/rec1.log"
[ "$(grep -c '^trigger:' "$WORK/rec1.log")" = 1 ] || fail "the unwatched process was seen: $(cat "$WORK/rec1.log")"
only_dump "$WORK/out1" | grep -q -- "-$p1\.core$" || fail "dump is not of pid $p1"
ok "-p PID with a static executable; unwatched processes ignored in the kernel"

# 2. -x EXE: processes started after the collector.
start_bg "$WORK/rec2.log" "$LIVEDUMP" record -o "$WORK/out2" -x "$PROGS/trigger_regions"
rec=$BG_PID
wait_for grep -q '^recording into' "$WORK/rec2.log" || fail "record -x did not start: $(cat "$WORK/rec2.log")"
assert_grep "attached uprobe .*liblivedump.so.1:livedump__fire" "$WORK/rec2.log" "library resolved through RUNPATH"
"$PROGS/trigger_regions" >"$WORK/x.out" 2>&1
assert_grep '^trigger ret=1' "$WORK/x.out" "-x: trigger returned 1"
"$PROGS/trigger_regions_static" >"$WORK/x2.out" 2>&1
assert_grep '^trigger ret=0' "$WORK/x2.out" "-x: another executable is not watched"
stop_record "$rec" TERM "$WORK/rec2.log"
only_dump "$WORK/out2" >/dev/null
ok "-x EXE"

# 3. --all with --lib: every process using that library.
start_bg "$WORK/rec3.log" "$LIVEDUMP" record -o "$WORK/out3" --all --lib "$O/lib/liblivedump.so.1"
rec=$BG_PID
wait_for grep -q '^recording into' "$WORK/rec3.log" || fail "record --all did not start: $(cat "$WORK/rec3.log")"
"$PROGS/trigger_regions" >"$WORK/a1.out" 2>&1
"$O/examples/demo" >"$WORK/a2.out" 2>&1
assert_grep '^trigger ret=1' "$WORK/a1.out" "--all: test program"
assert_grep 'livedump_trigger\(\) = 1' "$WORK/a2.out" "--all: demo"
stop_record "$rec" INT "$WORK/rec3.log"
[ "$(find "$WORK/out3" -name '*.core' | wc -l)" = 2 ] || fail "--all: want 2 dumps"
ok "--all --lib"

# 4. Nothing of ours stays loaded.
sleep 0.5
if command -v bpftool >/dev/null; then
	left=$(ours | comm -13 "$WORK/progs.before" -)
	[ -z "$left" ] || fail "BPF program still loaded after exit: $left"
fi
ok "clean exit"

# 5. Bad arguments get clear errors.
"$LIVEDUMP" record -o "$WORK/x" >"$WORK/err" 2>&1 && fail "record without targets succeeded"
assert_grep 'livedump: nothing to watch: give -p PID, -x EXE, --all or -- COMMAND' "$WORK/err" "no target"
"$LIVEDUMP" record -o "$WORK/x" -p 4000000 >"$WORK/err" 2>&1 && fail "record -p of a missing pid succeeded"
assert_grep 'livedump: cannot watch pid 4000000: no such process' "$WORK/err" "missing pid"
"$LIVEDUMP" record -o "$WORK/x" -p 12abc >"$WORK/err" 2>&1 && fail "record -p 12abc succeeded"
assert_grep "livedump: -p 12abc: not a number \(expected a whole decimal number\)" "$WORK/err" "bad pid"
"$LIVEDUMP" record -o "$WORK/x" -- /nonexistent/cmd >"$WORK/err" 2>&1 && fail "launching a missing command succeeded"
assert_grep "livedump: cannot run /nonexistent/cmd: No such file or directory" "$WORK/err" "missing command"
ok "argument errors"
