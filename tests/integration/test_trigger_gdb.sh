#!/bin/bash
# livedump_trigger() under `record -- CMD`: exactly one dump, which gdb,
# readelf and eu-readelf open; every thread's backtrace has the program's
# function names; the call returned 1.
. "$(dirname "$0")/../lib.sh"
require_root

out=$WORK/out
"$LIVEDUMP" record -o "$out" -- "$PROGS/trigger_regions" >"$WORK/rec.log" 2>&1
rc=$?
[ $rc = 0 ] || { cat "$WORK/rec.log"; fail "record exited with $rc"; }
cat "$WORK/rec.log"
assert_grep '^trigger: rule app pid [0-9]+ \(trigger_regions\) tid [0-9]+ app: livedump_trigger\(\) code 0x1234 param 0xdeadbeef, 2 blobs$' "$WORK/rec.log" "trigger line"
assert_grep '^trigger ret=1 ' "$WORK/rec.log" "livedump_trigger() return value"
assert_grep '^summary: 1 events, 1 dumps written .*, 0 declined \(0 counted in the kernel\), 0 failed' "$WORK/rec.log" "summary"
dump=$(only_dump "$out")
assert_decoded "$dump" app '.code == "0x1234" and .param == "0xdeadbeef" and .blobs == 2 and
	(.blob_tags | length > 0)' "app trigger"
[ "$(stat -c %a "$dump")" = 600 ] || fail "dump mode is $(stat -c %a "$dump"), want 600"
[ "$(stat -c %a "$out")" = 700 ] || fail "output dir mode is $(stat -c %a "$out"), want 700"
[[ $(basename "$dump") =~ ^[0-9]{8}T[0-9]{6}\.[0-9]{3}-app-trigger_regions-[0-9]+\.core$ ]] ||
	fail "unexpected dump name $(basename "$dump")"

gdb_bt "$PROGS/trigger_regions" "$dump" >"$WORK/bt"
cat "$WORK/bt"
[ "$(grep -c '^Thread ' "$WORK/bt")" = 3 ] || fail "gdb should list 3 threads"
assert_grep ' trigger_site \(' "$WORK/bt" "trigger thread backtrace"
assert_grep ' main \(' "$WORK/bt" "trigger thread reaches main"
assert_grep ' worker_alpha_loop \(' "$WORK/bt" "worker alpha backtrace"
assert_grep ' worker_beta_loop \(' "$WORK/bt" "worker beta backtrace"
# The first thread (gdb's current one) is the one that called the trigger.
awk '/^Thread 1 /{f=1} f' "$WORK/bt" | grep -q ' trigger_site (' || fail "thread 1 is not the trigger thread"

readelf -n "$dump" >"$WORK/notes" 2>&1
for n in NT_PRSTATUS NT_PRPSINFO NT_SIGINFO NT_AUXV NT_FILE NT_FPREGSET NT_X86_XSTATE; do
	assert_grep "$n" "$WORK/notes" "readelf -n lists $n"
done
[ "$(grep -c NT_PRSTATUS "$WORK/notes")" = 3 ] || fail "want one NT_PRSTATUS per thread"
assert_grep 'LIVEDUMP' "$WORK/notes" "livedump notes"
eu-readelf -n "$dump" >"$WORK/eunotes" 2>&1 || fail "eu-readelf -n failed"
assert_grep 'CORE .*PRSTATUS' "$WORK/eunotes" "eu-readelf reads the notes"
ok "one dump, gdb backtraces of all threads, standard notes"
