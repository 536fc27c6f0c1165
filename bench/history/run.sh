#!/bin/bash
# The flight recorder's cost per recorded event (docs/flight-recorder.md).
#
# usage: bench/history/run.sh [BUILD_DIR]     (root: it runs the collector)
#
# The same load, pinned to one CPU, in three situations:
#   base       no collector at all
#   unwatched  a collector records (one app rule: the recorder is on, no
#              syscall detector) but watches another process
#   watched    the load runs under that collector: every event is recorded
# Loads (bench/history/loop.c): `syscall` = getppid() in a loop, one event
# per call; `pingpong` = a byte back and forth between two processes over
# pipes on one CPU, 6 events per round trip (4 syscalls, 2 context switches).
# Times are CPU time (user + system) per operation, so other work on the
# machine does not count.  Each round measures the three situations back to
# back; the table gives the medians over REPS rounds, and the added cost as
# the median of the rounds' differences (paired, so slow drift cancels).
# With RESULTS=FILE one JSON line is appended there too.
# Environment: N (getppid calls per run, default 2000000; pingpong does
# N/10 round trips), REPS (7), CPU (the CPU to pin to, default the last).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
O=$(cd "${1:-$top/build}" && pwd) || exit 2
N=${N:-2000000}
REPS=${REPS:-7}
CPU=${CPU:-$(($(nproc) - 1))}
LIVEDUMP=$O/livedump
LOOP=$O/bench/history/loop
work=$(mktemp -d /tmp/livedump-bench.XXXXXX)
rec=

cleanup() {
	if [ -n "$rec" ]; then
		kill "$rec" 2>/dev/null
		wait "$rec" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "bench/history: needs root (BPF)" >&2; exit 2; }
[ -x "$LIVEDUMP" ] || { echo "bench/history: build first ($LIVEDUMP missing)" >&2; exit 2; }
mkdir -p "$O/bench/history"
${CC:-cc} -O2 -Wall -o "$LOOP" "$top/bench/history/loop.c" || exit 1
pp=$((N / 10))

run() {	# kind n -> ns per op (CPU time)
	taskset -c "$CPU" "$LOOP" "$1" "$2" | sed -n 's/^ns_per_op //p'
}

# The watched side: a shell the collector launches, which waits for the go
# file so the unwatched runs happen first, with the same collector loaded.
cat >"$work/watched.sh" <<EOF
while [ ! -e "$work/go" ]; do sleep 0.05; done
taskset -c $CPU $LOOP syscall $N | sed -n 's/^ns_per_op /syscall /p' >"$work/w"
taskset -c $CPU $LOOP pingpong $pp | sed -n 's/^ns_per_op /pingpong /p' >>"$work/w"
EOF

: >"$work/rounds"
for round in $(seq "$REPS"); do
	sb=$(run syscall "$N")
	pb=$(run pingpong "$pp")
	rm -f "$work/go" "$work/w"
	"$LIVEDUMP" record -o "$work/dumps" -e 'bench on app capture context' \
		-- bash "$work/watched.sh" >"$work/rec.log" 2>&1 &
	rec=$!
	for _ in $(seq 100); do
		grep -q '^recording into' "$work/rec.log" && break
		sleep 0.1
	done
	grep -q '^recording into' "$work/rec.log" ||
		{ echo "bench/history: the collector did not start:" >&2; cat "$work/rec.log" >&2; exit 1; }
	su=$(run syscall "$N")
	pu=$(run pingpong "$pp")
	touch "$work/go"
	wait "$rec"
	rec=
	sw=$(sed -n 's/^syscall //p' "$work/w")
	pw=$(sed -n 's/^pingpong //p' "$work/w")
	[ -n "$sw" ] && [ -n "$pw" ] ||
		{ echo "bench/history: no watched results:" >&2; cat "$work/rec.log" >&2; exit 1; }
	echo "$sb $su $sw $pb $pu $pw" >>"$work/rounds"
	echo "round $round: syscall $sb / $su / $sw  pingpong $pb / $pu / $pw (base / unwatched / watched ns)" >&2
done

awk -v kernel="$(uname -r)" -v n="$N" -v reps="$REPS" -v res="${RESULTS:-}" '
function median(a, k,   i, j, t) {	# sorts a[1..k]
	for (i = 2; i <= k; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
{ for (c = 1; c <= 6; c++) v[c, NR] = $c }
END {
	k = NR
	for (c = 1; c <= 6; c++) { for (i = 1; i <= k; i++) t[i] = v[c, i]; m[c] = median(t, k) }
	for (i = 1; i <= k; i++) t[i] = v[2, i] - v[1, i]; su = median(t, k)
	for (i = 1; i <= k; i++) t[i] = v[3, i] - v[1, i]; sw = median(t, k)
	for (i = 1; i <= k; i++) t[i] = v[5, i] - v[4, i]; pu = median(t, k)
	for (i = 1; i <= k; i++) t[i] = (v[6, i] - v[4, i]) / 6; pw = median(t, k)
	printf "flight recorder cost, kernel %s, %d rounds, one CPU, CPU time per operation\n\n", kernel, k
	printf "%-9s %9s %10s %9s %9s %9s %13s %15s\n", "load", "base ns", "unwatched", "watched",
	       "unw/base", "wat/base", "unwatched +ns", "ns per event"
	printf "%-9s %9.1f %10.1f %9.1f %9.3f %9.3f %13.1f %15.1f\n", "syscall", m[1], m[2], m[3],
	       m[2] / m[1], m[3] / m[1], su, sw
	printf "%-9s %9.1f %10.1f %9.1f %9.3f %9.3f %13.1f %15.1f\n", "pingpong", m[4], m[5], m[6],
	       m[5] / m[4], m[6] / m[4], pu, pw
	printf "\nsyscall: one getppid() = one recorded event.  pingpong: one round trip =\n"
	printf "6 events (4 syscalls, 2 blocking context switches); ns per event = added / 6.\n"
	printf "unwatched +ns: what every other process on the machine pays per operation.\n"
	if (res != "")
		printf "{\"kernel\":\"%s\",\"n\":%d,\"rounds\":%d,\"syscall\":{\"base_ns\":%.1f,\"unwatched_ns\":%.1f,\"watched_ns\":%.1f,\"unwatched_added_ns\":%.1f,\"ns_per_event\":%.1f},\"pingpong\":{\"base_ns\":%.1f,\"unwatched_ns\":%.1f,\"watched_ns\":%.1f,\"unwatched_added_ns\":%.1f,\"ns_per_event\":%.1f}}\n",
		       kernel, n, k, m[1], m[2], m[3], su, sw, m[4], m[5], m[6], pu, pw >> res
}' "$work/rounds"
