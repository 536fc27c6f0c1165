#!/bin/bash
# Runs one fuzz target for a while: its checked-in corpus
# (tests/fuzz/corpus/NAME/, regression inputs included) first, then new
# inputs, which go to BUILD_DIR/fuzz/corpus/NAME (never the source tree).
# (--fresh: to an empty directory each time, so a run starts from the
# checked-in corpus alone, as `make test` wants).  A crash leaves its
# input in BUILD_DIR/fuzz/artifacts/ and fails.
# Exits 0 (no crash), 77 (no such fuzzer built: says why) or 1.
#   usage: tests/fuzz/run.sh BUILD_DIR fuzz_NAME SECONDS [--fresh]   V=1: libFuzzer's output
set -u
O=$(cd "${1:?usage: run.sh BUILD_DIR fuzz_NAME SECONDS}" && pwd)
name=${2:?fuzz target}
secs=${3:-60}
fresh=${4:-}
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$O/fuzz/$name
seeds=$top/tests/fuzz/corpus/${name#fuzz_}
work=$O/fuzz/corpus/$name
art=$O/fuzz/artifacts
log=$O/fuzz/logs/$name.log

if [ ! -x "$bin" ]; then
	echo "SKIP: $bin is not built (make fuzzers: needs clang with libFuzzer, make deps)"
	exit 77
fi
if [ "$fresh" = --fresh ]; then
	work=$O/fuzz/smoke/$name
	rm -rf "$work"
fi
mkdir -p "$work" "$art" "$(dirname "$log")" "$seeds"
# -error_exitcode: libFuzzer's default, 77, means SKIP to tests/run.sh.
args=(-max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -error_exitcode=1
      -timeout_exitcode=1 -print_final_stats=1 -artifact_prefix="$art/$name-"
      "$work" "$seeds")
if [ "${V:-0}" = 1 ]; then
	"$bin" "${args[@]}" </dev/null 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
else
	"$bin" "${args[@]}" </dev/null >"$log" 2>&1
	rc=$?
fi
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
if [ "$rc" = 0 ]; then
	printf '  %-14s %4ss  %s runs, %s, corpus %s files\n' "$name" "$secs" "${runs:-?}" \
		"${cov:-cov: ?}" "$(find "$work" -type f | wc -l)"
	exit 0
fi
echo "FAIL: $name (exit $rc): last lines of $log:"
tail -n 60 "$log" | sed 's/^/    /'
crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
[ -n "$crash" ] && echo "    input: $crash (reproduce: $bin $crash)"
exit 1
