#!/bin/bash
# Each dump records the build-id of every mapped ELF object (LD_NT_MODULES):
# inspect shows the same ids readelf reads from the files; when the binary
# at the recorded path is replaced, report does not use it and says so, and
# --symfs finds the original under another root (analysis elsewhere).
. "$(dirname "$0")/../lib.sh"
require_root
command -v jq >/dev/null || fail "jq is missing (make deps installs it)"

build_id() { readelf -n "$1" | sed -n 's/^ *Build ID: *\([0-9a-f]*\)$/\1/p'; }

# A private copy of the program and its library, so it can be replaced.
mkdir -p "$WORK/app/bin" "$WORK/app/lib"
cp "$O/lib/liblivedump.so.1" "$WORK/app/lib/"
cp "$PROGS/trigger_chain_nofp" "$WORK/app/bin/prog"
"$LIVEDUMP" record -o "$WORK/d" -e 'moved on app' -- "$WORK/app/bin/prog" >"$WORK/rec.log" 2>&1 ||
	fail "record failed: $(tail -5 "$WORK/rec.log")"
dump=$(only_dump "$WORK/d")

# 1. The module note: the program, liblivedump, libc and ld.so with their ids.
"$LIVEDUMP" inspect --json "$dump" >"$WORK/i.json" || fail "inspect --json failed"
for f in "$WORK/app/bin/prog" "$WORK/app/lib/liblivedump.so.1"; do
	id=$(build_id "$f")
	[ -n "$id" ] || fail "readelf shows no build-id for $f"
	assert_eq "$id" "$(jq -r --arg p "$f" '.modules[] | select(.path == $p) | .build_id' "$WORK/i.json")" \
		"build-id of $f in the dump"
done
libc=$(jq -r '.modules[] | select(.path | test("/libc\\.so")) | .path' "$WORK/i.json")
[ -n "$libc" ] || fail "libc is not among the modules"
assert_eq "$(build_id "$libc")" "$(jq -r --arg p "$libc" '.modules[] | select(.path == $p) | .build_id' "$WORK/i.json")" \
	"build-id of libc"
jq -e '.modules | all(.start < .end and (.bias | startswith("0x")) and .flags == [])' "$WORK/i.json" >/dev/null ||
	fail "module fields"
"$LIVEDUMP" inspect "$dump" | grep -qE "^  0x[0-9a-f]{16} +0x[0-9a-f]{16} +0x[0-9a-f]{16} +$(build_id "$WORK/app/bin/prog") +$WORK/app/bin/prog\$" ||
	fail "inspect text does not list the program's module"
ok "module note: paths, ranges, build-ids as readelf reads them"

# 2. The program replaced by another binary: not used, and said so.
# The frame between __libc_start_main and main is named only with libc's debug info.
expect='^_start;__libc_start_main;[^;]+;main;chain_one;chain_two;chain_three;livedump_trigger 1$'
"$LIVEDUMP" report --folded "$WORK/d" >"$WORK/f0"
assert_grep "$expect" "$WORK/f0" "stack with the original binary"
mkdir -p "$WORK/symfs/$WORK/app/bin"
mv "$WORK/app/bin/prog" "$WORK/symfs/$WORK/app/bin/prog"
cp "$PROGS/threads_busy" "$WORK/app/bin/prog"
"$LIVEDUMP" report --folded "$WORK/d" >"$WORK/folded" 2>"$WORK/err" || fail "report failed"
cat "$WORK/folded" "$WORK/err"
assert_grep "no file for $WORK/app/bin/prog \\(build-id $(build_id "$WORK/symfs/$WORK/app/bin/prog")\\): the file there has another build-id" \
	"$WORK/err" "warning about the replaced binary"
assert_grep '^prog\+0x[0-9a-f]+;livedump_trigger 1$' "$WORK/folded" "frames in the replaced binary as object+offset"
assert_eq '["'"$WORK/app/bin/prog"' (build-id '"$(build_id "$WORK/symfs/$WORK/app/bin/prog")"'): the file there has another build-id"]' \
	"$("$LIVEDUMP" report --json "$WORK/d" 2>/dev/null | jq -c .missing_objects)" "missing_objects in JSON"

# 3. --symfs: the original under another root is found by path and build-id.
"$LIVEDUMP" report --folded --symfs "$WORK/symfs" "$WORK/d" >"$WORK/f1" 2>"$WORK/err"
assert_grep "$expect" "$WORK/f1" "stack with --symfs"
[ -s "$WORK/err" ] && fail "report --symfs warned: $(cat "$WORK/err")"
ok "a replaced binary is refused by build-id; --symfs finds the original"
