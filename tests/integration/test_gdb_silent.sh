#!/bin/bash
# gdb and eu-readelf read every live dump silently: NT_X86_XSTATE has the
# size and XCR0 gdb expects (this CPU's XSAVE area moved to the layout gdb
# reads: on AMD, and with AMX, the kernel's is not), mini dumps keep what
# libthread_db needs.  Mini and full dumps, from capture and from record;
# the vector registers read back as the program set them.  (Crash dumps:
# test_corefile's unit test and test_crash.)
. "$(dirname "$0")/../lib.sh"
require_root
command -v eu-readelf >/dev/null || fail "eu-readelf is missing"

# silent PROG DUMP WHAT: no warning from gdb or eu-readelf
silent() {
	local prog=$1 dump=$2 what=$3
	local vec=xmm0
	[ "$avx" = 1 ] && vec=ymm0
	gdb -nx -batch -ex 'info registers' -ex "info registers $vec" -ex bt "$prog" "$dump" \
		>"$WORK/gdb.out" 2>&1
	if grep -qiE '^warning' "$WORK/gdb.out"; then
		sed 's/^/    /' "$WORK/gdb.out" >&2
		fail "$what: gdb warns"
	fi
	assert_grep '^rip ' "$WORK/gdb.out" "$what: gdb reads the registers"
	assert_grep "^$vec " "$WORK/gdb.out" "$what: gdb reads $vec"
	! grep -q 'unavailable' "$WORK/gdb.out" || fail "$what: registers gdb cannot read"
	eu-readelf -n "$dump" >"$WORK/eu.out" 2>"$WORK/eu.err" || fail "$what: eu-readelf -n failed"
	[ ! -s "$WORK/eu.err" ] || fail "$what: eu-readelf -n says: $(cat "$WORK/eu.err")"
	assert_grep 'X86_XSTATE' "$WORK/eu.out" "$what: the XSAVE note"
	ok "$what: gdb and eu-readelf silent"
}

# vecregs: known vector registers, from a mini and a full capture.
start_bg "$WORK/vec.out" "$PROGS/vecregs"
vec=$BG_PID
wait_for grep -q '^ready' "$WORK/vec.out" || fail "vecregs did not start"
avx=$(sed -n 's/^ready avx=\([01]\) .*/\1/p' "$WORK/vec.out")
avx512=$(sed -n 's/^ready .*avx512=//p' "$WORK/vec.out")
"$LIVEDUMP" capture -p "$vec" -o "$WORK/vmini" >"$WORK/cap.log" 2>&1 || fail "capture: $(cat "$WORK/cap.log")"
"$LIVEDUMP" capture -p "$vec" --full -o "$WORK/vfull" >>"$WORK/cap.log" 2>&1 ||
	fail "capture --full: $(cat "$WORK/cap.log")"
for kind in vmini vfull; do
	dump=$(only_dump "$WORK/$kind")
	silent "$PROGS/vecregs" "$dump" "vecregs $kind"
	gdb -nx -batch -ex 'p/x $ymm0.v8_int32' -ex 'p/x $xmm0.v4_int32' \
		-ex 'p/x $zmm17.v16_int32' -ex 'p/x $k1' "$PROGS/vecregs" "$dump" >"$WORK/v.out" 2>&1
	[ "$avx" = 1 ] && assert_grep '^\$1 = \{0x11111111 <repeats 8 times>\}$|^\$1 = \{(0x11111111, ){7}0x11111111\}$' \
		"$WORK/v.out" "$kind: ymm0 as set"
	assert_grep '^\$2 = \{(0x11111111, ){3}0x11111111\}$' "$WORK/v.out" "$kind: xmm0 as set"
	if [ "$avx512" = 1 ]; then
		assert_grep '^\$3 = \{0x22222222 <repeats 16 times>\}$' "$WORK/v.out" "$kind: zmm17 as set"
		assert_grep '^\$4 = 0x5a5a$' "$WORK/v.out" "$kind: k1 as set"
	fi
	ok "vecregs $kind: the vector registers as the program set them"
done
kill "$vec"

# record: a multi-threaded program's app trigger, mini and full.
for kind in mini full; do
	args=()
	[ $kind = full ] && args=(--full)
	"$LIVEDUMP" record -o "$WORK/r$kind" "${args[@]}" -- "$PROGS/trigger_regions" \
		>"$WORK/rec.log" 2>&1 || fail "record: $(cat "$WORK/rec.log")"
	dump=$(only_dump "$WORK/r$kind")
	silent "$PROGS/trigger_regions" "$dump" "record $kind"
	gdb -nx -batch -ex 'info threads' "$PROGS/trigger_regions" "$dump" >"$WORK/thr.out" 2>&1
	[ "$(grep -cE '^\*? +[0-9]+ +Thread 0x' "$WORK/thr.out")" = 3 ] ||
		{ cat "$WORK/thr.out" >&2; fail "record $kind: libthread_db does not name the 3 threads"; }
	ok "record $kind: libthread_db finds every thread"
done
