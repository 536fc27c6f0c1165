#!/bin/bash
# Inputs and messages (issue 12, item 8): sizes that would wrap are refused
# with their bounds; text from a target (a comm with an escape sequence and
# a newline) is escaped in record's and script's output and stays valid in
# --json; an already-traced target is named with its tracer; record checks
# its privileges before it creates the output directory.
. "$(dirname "$0")/../lib.sh"
require_root

# --- sizes and counts -------------------------------------------------------
# refused OUTPUT-PATTERN ARGS...: record (or another command) exits 2 with it
refused() {
	local want=$1
	shift
	# timeout: a wrapped value used to be accepted, and record would run on
	timeout 10 "$LIVEDUMP" "$@" >"$WORK/opt.log" 2>&1
	local rc=$?
	[ $rc = 2 ] || fail "'$*' exited $rc, want 2: $(cat "$WORK/opt.log")"
	assert_grep "^livedump: $want\$" "$WORK/opt.log" "'$*'"
}
refused '--max-use 18014398509481985K: too large \(at most 1E\)' \
	record --max-use 18014398509481985K -p $$ -o "$WORK/o1"
refused '--max-use -1: a size must not be negative' record --max-use -1 -p $$ -o "$WORK/o1"
refused '--keep-free 17179869184G: too large \(at most 1E\)' \
	record --keep-free 17179869184G -p $$ -o "$WORK/o1"
refused '--max-dump 1.5M: not a whole number .*' record --max-dump 1.5M -p $$ -o "$WORK/o1"
refused '--max-dump 64KB: unknown unit .*' record --max-dump 64KB -p $$ -o "$WORK/o1"
refused '--stack -1: a size must not be negative' record --stack -1 -p $$ -o "$WORK/o1"
refused '--stack 18446744073709551616: too large \(at most 64M\)' \
	record --stack 18446744073709551616 -p $$ -o "$WORK/o1"
refused '--stack 1K: too small \(at least 4K\)' record --stack 1K -p $$ -o "$WORK/o1"
refused '--max-concurrent -1: a number must not be negative' \
	record --max-concurrent -1 -p $$ -o "$WORK/o1"
refused "--compress: bad zstd level '4294967297' \\(expected 1 to 19\\)" \
	capture --compress=4294967297 -p $$ -o "$WORK/o1"
refused "record: --compress: unknown compression 'xz' \\(expected zstd, zlib, KIND:LEVEL or LEVEL\\)" \
	record --compress=xz -p $$ -o "$WORK/o1"
refused '--top 4294967297: too large \(at most 4294967295\)' report --top 4294967297 "$WORK"
refused '--top -1: a number must not be negative' report --top -1 "$WORK"
[ ! -e "$WORK/o1" ] || fail "a refused option still created the output directory"
# the rule grammar: the same parser
"$LIVEDUMP" rules check -e 'x on app capture mini stack=-1' >"$WORK/opt.log" 2>&1 &&
	fail "stack=-1 accepted"
assert_grep "bad size '-1' \(a size must not be negative\)" "$WORK/opt.log" "stack=-1"
"$LIVEDUMP" rules check -e 'x on app capture mini stack=18014398509481985K' >"$WORK/opt.log" 2>&1 &&
	fail "stack=18014398509481985K accepted"
assert_grep "size '18014398509481985K' out of range \(expected 4K to 64M\)" "$WORK/opt.log" "stack= wrap"
# and a good value still works
"$LIVEDUMP" rules check -e 'x on app capture mini stack=1M' >/dev/null || fail "stack=1M refused"
ok "sizes and counts out of range are refused with their bounds"

# --- a comm with an escape sequence and a newline -----------------------------
chmod 755 "$WORK"
name=$'ev\e[31mil\nx'
esc='ev\\x1b\[31mil\\x0ax'		# the same, escaped, as a grep -E pattern
cp "$PROGS/trigger_regions" "$WORK/$name"
out=$WORK/dumps
LD_LIBRARY_PATH=$O/lib "$LIVEDUMP" record -o "$out" -e 'app on app capture mini' \
	-- "$WORK/$name" >"$WORK/rec.log" 2>"$WORK/rec.err" || fail "record failed: $(cat "$WORK/rec.err")"
cat "$WORK/rec.log"
assert_grep '^trigger ret=1' "$WORK/rec.log" "the target was dumped"
assert_grep "^trigger: rule app pid [0-9]+ \($esc\) tid " "$WORK/rec.log" "record's trigger line"
assert_grep "^launched .*/$esc as pid " "$WORK/rec.log" "record's launched line"
# no raw ESC and no line that the newline in the comm would have forged
for f in rec.log rec.err; do
	! grep -q $'\e' "$WORK/$f" || fail "raw ESC in record's $f"
	! grep -qE '^(x|il)' "$WORK/$f" || fail "a forged line in record's $f"
done
ok "record escapes the comm"

"$LIVEDUMP" script "$out" >"$WORK/script.txt" 2>&1 || fail "script failed: $(cat "$WORK/script.txt")"
cat "$WORK/script.txt"
assert_grep " $esc " "$WORK/script.txt" "script shows the comm escaped"
! grep -q $'\e' "$WORK/script.txt" || fail "raw ESC in script's output"
[ "$(wc -l <"$WORK/script.txt")" = 2 ] || fail "script: a header and one event line expected"
"$LIVEDUMP" script --json "$out" >"$WORK/script.json" || fail "script --json failed"
jq -e --arg n "$name" 'select(.comm == $n)' "$WORK/script.json" >/dev/null ||
	fail "script --json: not valid JSON, or the comm is not the process's: $(cat "$WORK/script.json")"
for cmd in list inspect; do
	target=$out
	[ $cmd = inspect ] && target=$(only_dump "$out")
	"$LIVEDUMP" $cmd "$target" >"$WORK/$cmd.txt" 2>&1 || fail "$cmd failed: $(cat "$WORK/$cmd.txt")"
	! grep -q $'\e' "$WORK/$cmd.txt" || fail "raw ESC in $cmd's output"
	assert_grep "$esc" "$WORK/$cmd.txt" "$cmd shows the comm escaped"
	"$LIVEDUMP" $cmd --json "$target" >"$WORK/$cmd.json" 2>&1 || fail "$cmd --json failed"
	jq -e . "$WORK/$cmd.json" >/dev/null || fail "$cmd --json is not valid JSON"
	! grep -q $'\e' "$WORK/$cmd.json" || fail "raw ESC in $cmd --json"
	jq -e --arg n "$name" '[.. | strings | select(. == $n)] | length > 0' "$WORK/$cmd.json" \
		>/dev/null || fail "$cmd --json lost the comm"
done
ok "script, list and inspect escape the comm; their JSON is valid"

# --- an already-traced target -------------------------------------------------
start_bg "$WORK/busy.out" "$PROGS/threads_busy"
busy=$BG_PID
wait_for grep -q '^ready' "$WORK/busy.out" || fail "threads_busy did not start"
start_bg "$WORK/tracer.out" "$PROGS/tracer" "$busy"
tracer=$BG_PID
wait_for grep -q '^tracing' "$WORK/tracer.out" || fail "tracer did not seize: $(cat "$WORK/tracer.out")"
"$LIVEDUMP" capture -p "$busy" -o "$WORK/traced" >"$WORK/cap.log" 2>&1 &&
	fail "capture of a traced process succeeded"
cat "$WORK/cap.log"
assert_grep "^livedump: cannot seize pid $busy \(threads_busy\): it is already traced by pid $tracer \(tracer\)\$" \
	"$WORK/cap.log" "capture of a traced process"
! grep -q 'ptrace_scope' "$WORK/cap.log" || fail "the old guess about ptrace_scope is still printed"
kill -KILL "$tracer"
wait "$tracer" 2>/dev/null
state=$(proc_state "$busy")
[ "$state" != T ] && [ "$state" != t ] || fail "the traced process was left stopped"
"$LIVEDUMP" capture -p "$busy" -o "$WORK/traced" >"$WORK/cap.log" 2>&1 ||
	fail "capture once the tracer is gone failed: $(cat "$WORK/cap.log")"
ok "an already-traced target is named with its tracer"

# --- privileges before the file system ----------------------------------------
# nobody may create $WORK/priv (so only the privilege check stops it)
mkdir -m 1777 "$WORK/open"
setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$LIVEDUMP" record -p $$ -o "$WORK/open/priv" >"$WORK/priv.log" 2>&1 &&
	fail "record as nobody succeeded"
cat "$WORK/priv.log"
assert_grep '^livedump: record needs root .*missing CAP_BPF/CAP_PERFMON and CAP_SYS_PTRACE; nothing was created$' \
	"$WORK/priv.log" "record as nobody"
[ ! -e "$WORK/open/priv" ] || fail "record as nobody created its output directory"
# root without CAP_SYS_PTRACE: the same, before anything is created
setpriv --inh-caps=-all --bounding-set=-sys_ptrace \
	"$LIVEDUMP" record -p $$ -o "$WORK/open/priv2" >"$WORK/priv.log" 2>&1 &&
	fail "record without CAP_SYS_PTRACE succeeded"
assert_grep 'missing CAP_SYS_PTRACE; nothing was created$' "$WORK/priv.log" "record without CAP_SYS_PTRACE"
[ ! -e "$WORK/open/priv2" ] || fail "record without CAP_SYS_PTRACE created its output directory"
ok "record checks its privileges before it creates anything"
