#!/bin/bash
# livedump gdb: gdb on a dump with the executable from its header (and
# GDB-ARGS passed on), a compressed dump decompressed first, --exe, and a
# clear error when the executable is gone.
. "$(dirname "$0")/../lib.sh"
require_root
command -v gdb >/dev/null || fail "gdb is missing (make deps installs it)"

mkdir -p "$WORK/app/bin" "$WORK/app/lib"
cp "$O/lib/liblivedump.so.1" "$WORK/app/lib/"
cp "$PROGS/trigger_chain_nofp" "$WORK/app/bin/prog"
"$LIVEDUMP" record -o "$WORK/d" -e 'g on app' -- "$WORK/app/bin/prog" >"$WORK/rec.log" 2>&1 ||
	fail "record failed: $(tail -5 "$WORK/rec.log")"
dump=$(only_dump "$WORK/d")

# 1. The command it runs, and gdb's backtrace through it.
assert_eq "gdb -batch -ex 'thread apply all bt' $WORK/app/bin/prog $dump" \
	"$("$LIVEDUMP" gdb -n "$dump" -- -batch -ex 'thread apply all bt')" "gdb command line"
"$LIVEDUMP" gdb "$dump" -- -nx -batch -ex 'set auto-load off' -ex bt >"$WORK/bt" 2>&1 ||
	fail "livedump gdb failed: $(tail -5 "$WORK/bt")"
for f in livedump_trigger chain_three chain_two chain_one main; do
	assert_grep "(^#0 +| in )$f \\(" "$WORK/bt" "gdb backtrace: $f"
done
ok "gdb with the recorded executable"

# 2. A compressed dump: decompressed into a private temporary file, removed after.
gzip -c "$dump" >"$WORK/d.core.gz"
TMPDIR=$WORK/tmp
mkdir -p "$TMPDIR"
TMPDIR=$TMPDIR "$LIVEDUMP" gdb "$WORK/d.core.gz" -- -nx -batch -ex 'set auto-load off' -ex bt >"$WORK/bt" 2>&1 ||
	fail "livedump gdb on a gzip'd dump failed: $(tail -5 "$WORK/bt")"
assert_grep 'decompressing .*d\.core\.gz with gzip' "$WORK/bt" "decompression message"
assert_grep ' in chain_two \(' "$WORK/bt" "gdb backtrace of the decompressed dump"
[ -z "$(ls -A "$TMPDIR")" ] || fail "temporary file left behind: $(ls "$TMPDIR")"
ok "compressed dump"

# 3. The executable moved: a clear error, and --exe.
mv "$WORK/app/bin/prog" "$WORK/prog.moved"
"$LIVEDUMP" gdb "$dump" -- -batch >"$WORK/err" 2>&1; rc=$?
cat "$WORK/err"
assert_eq 1 "$rc" "exit status without the executable"
assert_grep "gdb: the executable $WORK/app/bin/prog is missing \\(No such file or directory\\); give it with --exe PATH" \
	"$WORK/err" "missing executable message"
"$LIVEDUMP" gdb --exe "$WORK/prog.moved" "$dump" -- -nx -batch -ex 'set auto-load off' -ex bt >"$WORK/bt" 2>&1 ||
	fail "livedump gdb --exe failed: $(tail -5 "$WORK/bt")"
assert_grep ' in chain_one \(' "$WORK/bt" "gdb backtrace with --exe"
"$LIVEDUMP" gdb "$WORK/nothing.core" >"$WORK/err" 2>&1; rc=$?
assert_eq 1 "$rc" "exit status for a missing dump"
assert_grep 'nothing\.core' "$WORK/err" "missing dump message"
"$LIVEDUMP" gdb >/dev/null 2>&1; rc=$?
assert_eq 2 "$rc" "exit status without a dump"
ok "missing executable, --exe, errors"
