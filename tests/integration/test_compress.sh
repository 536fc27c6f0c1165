#!/bin/bash
# Compressed dumps (--compress, zstd by default; --compress=zlib): every
# livedump tool reads them as they are; `livedump export` writes the plain
# core, which gives the same inspect output and gdb backtraces; zstd and
# gzip read them too; a cut or damaged one is told apart like a plain one.
. "$(dirname "$0")/../lib.sh"
require_root
skip_in_vm "compression and the readers of compressed dumps are user space (the captures they hold are tested here by test_snapshot* and test_capture_*), and zstd under TCG took most of the 300 s a test has"

start_bg "$WORK/prog.out" "$PROGS/snapmem" --mib 16 --holes-mib 16 --threads 2
pid=$BG_PID
wait_for grep -q '^marker' "$WORK/prog.out" || fail "snapmem did not start"

# Same inspect output but for the lines about the file itself.  (Files,
# not <(...): the test VM has no /dev/fd.)
inspect_body() { "$LIVEDUMP" inspect "$1" | grep -vE '^(file|compressed): ' >"$2"; }
inspect_json() {
	"$LIVEDUMP" inspect --json "$1" | jq -S 'del(.file, .file_size, .compression)' >"$2"
}

# zstd (the default: plain --compress) in every mode; zlib in one.
for run in zstd:mini zstd:full zstd:plain-full zlib:full; do
	kind=${run%%:*} mode=${run#*:}
	case $mode in
	mini) args=() ;;
	full) args=(--full) ;;
	plain-full) args=(--full --no-snapshot) ;;
	esac
	case $kind in
	zstd) zopt=--compress magic=5e2a4d18 tool=zstd label='zstd blocks' ;;
	zlib) zopt=--compress=zlib magic=1f8b0804 tool=gzip label='gzip blocks' ;;
	esac
	mode=$kind-$mode
	out=$WORK/$mode
	"$LIVEDUMP" capture -p "$pid" "${args[@]}" $zopt -o "$out" >"$WORK/cap.log" 2>&1 ||
		fail "$mode: capture failed: $(cat "$WORK/cap.log")"
	cat "$WORK/cap.log"
	assert_grep 'compressed from' "$WORK/cap.log" "$mode: capture output"
	dump=$(only_dump "$out")
	[ "$(head -c 4 "$dump" | od -An -tx1 | tr -d ' ')" = "$magic" ] || fail "$mode: not $kind"
	$tool -t -q "$dump" || fail "$mode: $tool -t"

	"$LIVEDUMP" inspect "$dump" >"$WORK/inspect" || fail "$mode: inspect"
	assert_grep "^compressed: $label, [0-9]+ bytes on disk" "$WORK/inspect" "$mode: inspect says"
	plain=$WORK/$mode.plain.core
	"$LIVEDUMP" export "$dump" -o "$plain" || fail "$mode: export"
	$tool -dc "$dump" | cmp - "$plain" || fail "$mode: export and $tool -dc differ"
	inspect_body "$dump" "$WORK/i.gz"
	inspect_body "$plain" "$WORK/i.plain"
	diff "$WORK/i.gz" "$WORK/i.plain" || fail "$mode: inspect differs"
	inspect_json "$dump" "$WORK/j.gz"
	inspect_json "$plain" "$WORK/j.plain"
	diff "$WORK/j.gz" "$WORK/j.plain" || fail "$mode: inspect --json differs"
	gdb_bt "$PROGS/snapmem" "$plain" >"$WORK/bt.plain"
	# (It decompresses into $TMPDIR, default /var/tmp, which the test VM lacks.)
	TMPDIR=$WORK "$LIVEDUMP" gdb "$dump" -- -nx -batch -ex 'set auto-load off' \
		-ex 'thread apply all bt' 2>&1 | grep -E '^(#|Thread )' >"$WORK/bt.gz"
	[ -s "$WORK/bt.plain" ] && diff "$WORK/bt.plain" "$WORK/bt.gz" ||
		fail "$mode: gdb backtraces differ"
	assert_grep ' heartbeat \(' "$WORK/bt.plain" "$mode: backtrace"
	# And back: export --compress of the plain core is the same file.
	"$LIVEDUMP" export "$plain" --compress=$kind -o "$WORK/$mode.again.core" ||
		fail "$mode: export --compress=$kind"
	cmp "$dump" "$WORK/$mode.again.core" || fail "$mode: recompressed dump differs"
	ok "$mode: compressed, exported, same inspect and backtraces"
done

# list, report, script read them.
"$LIVEDUMP" list "$WORK/zstd-full" >"$WORK/list" || fail "list"
assert_grep 'complete' "$WORK/list" "list"
"$LIVEDUMP" report "$WORK/zstd-full" >"$WORK/report" 2>&1 || fail "report: $(cat "$WORK/report")"
assert_grep 'pause' "$WORK/report" "report unwinds"
ok "list and report"

# A file someone gzipped or zstd-compressed is read too.
inspect_body "$WORK/zstd-full.plain.core" "$WORK/i.plain"
for tool in gzip zstd; do
	$tool -c -q "$WORK/zstd-full.plain.core" >"$WORK/$tool.core"
	inspect_body "$WORK/$tool.core" "$WORK/i.$tool"
	diff "$WORK/i.$tool" "$WORK/i.plain" || fail "a $tool-compressed dump reads differently"
	"$LIVEDUMP" inspect "$WORK/$tool.core" >"$WORK/i.$tool"
	assert_grep "^compressed: $tool," "$WORK/i.$tool" "$tool named"
	ok "$tool -c of a dump"
done

# The options: a bad kind or level is refused, naming what is expected.
"$LIVEDUMP" capture -p "$pid" --compress=lz4 -o "$WORK/bad" >"$WORK/opt.log" 2>&1 &&
	fail "--compress=lz4 accepted"
assert_grep "unknown compression 'lz4' \\(expected zstd, zlib" "$WORK/opt.log" "--compress=lz4 refused"
"$LIVEDUMP" export "$WORK/zstd-full.plain.core" --compress=zlib:10 -o "$WORK/bad.core" \
	>"$WORK/opt.log" 2>&1 && fail "--compress=zlib:10 accepted"
assert_grep "bad zlib level '10' \\(expected 1 to 9\\)" "$WORK/opt.log" "--compress=zlib:10 refused"
ok "bad --compress refused"

# Cut: the reader says so (and --force shows what is whole); export refuses
# without --force.
dump=$(only_dump "$WORK/zstd-full")
size=$(stat -c %s "$dump")
head -c $((size / 2)) "$dump" >"$WORK/cut.core"
"$LIVEDUMP" inspect "$WORK/cut.core" >"$WORK/cut.log" 2>&1 && fail "a cut dump opened"
cat "$WORK/cut.log"
assert_grep 'cut at [0-9]+ bytes|completion record missing' "$WORK/cut.log" "cut message"
"$LIVEDUMP" inspect --force "$WORK/cut.core" >/dev/null || fail "inspect --force of a cut dump"
"$LIVEDUMP" export "$WORK/cut.core" -o "$WORK/cut.plain" 2>/dev/null && fail "export of a cut dump"
"$LIVEDUMP" export --force "$WORK/cut.core" -o "$WORK/cut.plain" || fail "export --force"
ok "cut compressed dump"

# Damaged: a byte changed inside the first block (headers and notes).
cp "$dump" "$WORK/bad.core"
printf '\xff\xff\xff\xff' | dd of="$WORK/bad.core" bs=1 seek=200 conv=notrunc status=none
"$LIVEDUMP" inspect "$WORK/bad.core" >"$WORK/bad.log" 2>&1 && fail "a damaged dump opened"
cat "$WORK/bad.log"
assert_grep 'compressed block 0 at offset 0 .* is damaged' "$WORK/bad.log" "damage message"
ok "damaged compressed dump"
