#!/bin/bash
# Runs every unit test (cmocka), integration test and fuzz target (each for
# LD_FUZZ_SMOKE seconds, default 6: tests/fuzz/run.sh); prints a summary.
# Integration tests exit 0 (pass), 77 (skip: they print why) or anything
# else (fail).  Usage: tests/run.sh BUILD_DIR [NAME-FILTER]
set -u
O=$(cd "${1:-build}" && pwd)
filter=${2:-}
top=$(cd "$(dirname "$0")/.." && pwd)
export LD_BUILD=$O LD_TOP=$top
logdir=$O/test-logs
mkdir -p "$logdir/unit" "$logdir/integration" "$logdir/fuzz"
pass=0 fail=0 skip=0 failed="" skipped=""

run() {	# name command...
	local name=$1 rc start end
	shift
	[ -n "$filter" ] && [[ $name != *$filter* ]] && return
	start=$EPOCHREALTIME
	timeout 300 "$@" >"$logdir/$name.log" 2>&1
	rc=$?
	end=$EPOCHREALTIME
	local t; t=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1fs", b - a }')
	case $rc in
	0)  pass=$((pass + 1)); printf '  PASS  %-40s %s\n' "$name" "$t" ;;
	77) skip=$((skip + 1)); skipped="$skipped $name"
	    printf '  SKIP  %-40s %s\n' "$name" "$(grep -m1 '^SKIP:' "$logdir/$name.log" | cut -c7-)" ;;
	*)  fail=$((fail + 1)); failed="$failed $name"
	    printf '  FAIL  %-40s (exit %d) — last lines of %s:\n' "$name" "$rc" "$logdir/$name.log"
	    tail -n 25 "$logdir/$name.log" | sed 's/^/        /' ;;
	esac
}

echo "unit tests"
for t in "$O"/tests/unit/test_*; do
	[ -x "$t" ] && run "unit/$(basename "$t")" "$t"
done
echo "integration tests"
for t in "$top"/tests/integration/test_*.sh; do
	run "integration/$(basename "$t" .sh)" bash "$t"
done

echo "fuzz targets (${LD_FUZZ_SMOKE:=6} s each)"
for t in "$top"/tests/fuzz/fuzz_*.c; do
	t=$(basename "$t" .c)
	run "fuzz/$t" "$top/tests/fuzz/run.sh" "$O" "$t" "$LD_FUZZ_SMOKE" --fresh
done

echo
echo "summary: $pass passed, $fail failed, $skip skipped"
[ -n "$skipped" ] && echo "skipped:$skipped"
[ -n "$failed" ] && echo "failed:$failed"
[ "$fail" = 0 ]
