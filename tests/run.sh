#!/bin/bash
# Runs every unit test (cmocka), integration test and fuzz target (each for
# LD_FUZZ_SMOKE seconds, default 6: tests/fuzz/run.sh); prints a summary.
# Integration tests exit 0 (pass), 77 (skip: they print why) or anything
# else (fail).  Usage: tests/run.sh BUILD_DIR [NAME-FILTER]
# LD_SHARD=I/N runs only shard I (0-based) of N of the integration tests:
# scripts/test-vm.sh boots N VMs, one per shard.
set -u
O=$(cd "${1:-build}" && pwd)
filter=${2:-}
top=$(cd "$(dirname "$0")/.." && pwd)
export LD_BUILD=$O LD_TOP=$top
logdir=$O/test-logs
mkdir -p "$logdir/unit" "$logdir/integration" "$logdir/fuzz"
pass=0 fail=0 skip=0 failed="" skipped="" why=""

# The shards' tests: longest first, each to the shard with the least work so
# far, by the seconds tests/integration/vm-seconds gives (a test it does not
# list counts as 30 s), so that the VMs finish together.  Every VM computes
# the same assignment from the same files.
shard_tests=""
if [ -n "${LD_SHARD:-}" ]; then
	case $LD_SHARD in
	[0-9]*/[0-9]*) ;;
	*) echo "tests/run.sh: LD_SHARD=$LD_SHARD is not I/N" >&2; exit 2 ;;
	esac
	shard_tests=" $(for t in "$top"/tests/integration/test_*.sh; do basename "$t" .sh; done |
		awk -v want="${LD_SHARD%/*}" -v n="${LD_SHARD#*/}" \
		    -v wf="$top/tests/integration/vm-seconds" '
		BEGIN { while ((getline l < wf) > 0) if (l !~ /^#/ && split(l, f, " ") == 2) w[f[1]] = f[2] }
		{ name[NR] = $1; sec[NR] = ($1 in w) ? w[$1] + 0 : 30 }
		END {
			for (i = 1; i <= NR; i++) ord[i] = i
			for (i = 2; i <= NR; i++)	# insertion sort, longest first, stable
				for (j = i; j > 1 && sec[ord[j]] > sec[ord[j - 1]]; j--) {
					t = ord[j]; ord[j] = ord[j - 1]; ord[j - 1] = t
				}
			for (s = 0; s < n; s++) load[s] = 0
			for (i = 1; i <= NR; i++) {
				best = 0
				for (s = 1; s < n; s++) if (load[s] < load[best]) best = s
				load[best] += sec[ord[i]]
				if (best == want) printf "%s ", name[ord[i]]
			}
		}') "
	echo "shard $LD_SHARD:$shard_tests"
fi

run() {	# name command...
	local name=$1 rc start end
	shift
	[ -n "$filter" ] && [[ $name != *$filter* ]] && return
	# shards share the integration tests; the rest runs in shard 0 only
	[ -n "$shard_tests" ] && [[ $name != integration/* ]] && [ "${LD_SHARD%/*}" != 0 ] && return
	start=$EPOCHREALTIME
	# Under TCG (the test VM) on a loaded host a test takes several times as long.
	timeout "$([ "${LD_IN_VM:-0}" = 1 ] && echo 600 || echo 300)" "$@" >"$logdir/$name.log" 2>&1
	rc=$?
	end=$EPOCHREALTIME
	local t; t=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1fs", b - a }')
	case $rc in
	0)  pass=$((pass + 1)); printf '  PASS  %-40s %s\n' "$name" "$t" ;;
	77) skip=$((skip + 1)); skipped="$skipped $name"
	    printf '  SKIP  %-40s %s\n' "$name" "$(grep -m1 '^SKIP:' "$logdir/$name.log" | cut -c7-)" ;;
	*)  fail=$((fail + 1)); failed="$failed $name"
	    # one line per failure in the summary, so that a log's tail (all CI shows) says why
	    why="${why}why: $name: $({ grep -m1 '^FAIL:' "$logdir/$name.log" || tail -n 1 "$logdir/$name.log"; } |
		cut -c1-300)"$'\n'
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
	[ -n "$shard_tests" ] && [[ $shard_tests != *" $(basename "$t" .sh) "* ]] && continue
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
[ -n "$failed" ] && echo "failed:$failed" && printf '%s' "$why"
[ "$fail" = 0 ]
