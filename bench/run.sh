#!/bin/bash
# livedump's benchmark suite (make bench): prints one table, in Markdown,
# with the machine and the kernel; docs/performance.md explains each row
# and holds the latest results.
#
# usage: bench/run.sh [BUILD_DIR]        (as root: BPF, ptrace)
#
# Environment:
#   BIG=0|1       also the 4 GiB runs (default: 1 with at least 12 GiB of RAM)
#   REPS=N        repetitions of each capture (median; default 3, gcore 2)
#   TRIGGERS=N    triggers for the latency percentiles (default 1000)
#   DIR=PATH      where dumps are written (default /var/tmp; on a disk, not tmpfs)
#   OUT=FILE      also write the table to FILE
#   PARTS="..."   a subset of: latency captures regions many detector ringbuf (default all)
#   MANY_TRIGGERS=N  triggers of each of the 16 processes of "many" (default 20)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
O=$(cd "${1:-$top/build}" && pwd) || exit 2
LIVEDUMP=$O/livedump
B=$O/bench
REPS=${REPS:-3}
TRIGGERS=${TRIGGERS:-1000}
PARTS=${PARTS:-latency captures regions many detector ringbuf}
mem_kib=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)
BIG=${BIG:-$([ "$mem_kib" -ge $((12 << 20)) ] && echo 1 || echo 0)}
work=$(mktemp -d "${DIR:-/var/tmp}/livedump-bench.XXXXXX")
rows=$work/rows
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "bench: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }
[ "$(id -u)" = 0 ] || die "needs root (BPF and ptrace)"
for p in "$LIVEDUMP" "$B/trigloop" "$O/tests/sysfail" "$B/vmread" "$B/sysloop" "$O/tests/snapmem" \
	"$O/tests/bigregions" "$B/floors"; do
	[ -x "$p" ] || die "$p missing: run make bench"
done
command -v jq >/dev/null || die "jq missing"
: >"$rows"

# --- helpers --------------------------------------------------------------------

median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) print ""; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# percentile P of numbers on stdin (nearest rank)
pct() { sort -g | awk -v p="$1" '{ v[NR] = $1 } END { if (!NR) { print ""; exit } i = int(p / 100 * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; print v[i] }'; }
elapsed_ms() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", (b - a) * 1000 }'; }

# row MEASURE VALUE UNIT [BASELINE [BASELINE-LABEL [TARGET-OP TARGET [RATIO-KIND]]]]
# One line of the table, formatted at the end.  VALUE and BASELINE are
# numbers in UNIT (ms, us, ns, B, GB/s, ev/s); RATIO-KIND "frac" shows 1/N;
# "x": the target is TARGET times the baseline (a floor measured in the run).
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-}" "${5:-}" "${6:-}" \
	"${7:-}" "${8:-}" >>"$rows"; }

wait_line() {	# FILE PATTERN [TENTHS]
	for _ in $(seq "${3:-300}"); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

start_collector() {	# LOG ARGS...: a collector in the background, once it records
	local logf=$1
	shift
	"$LIVEDUMP" record "$@" >"$logf" 2>&1 &
	REC=$!
	pids+=("$REC")
	wait_line "$logf" '^recording into' 200 || die "the collector did not start: $(cat "$logf")"
}

stop_collector() {
	kill -INT "$REC" 2>/dev/null
	wait "$REC" 2>/dev/null
}

# --- the machine ------------------------------------------------------------------

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
ncpu=$(nproc)
ram=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
load=$(cut -d' ' -f1 /proc/loadavg)
commit=$(git -C "$top" describe --always --dirty 2>/dev/null || echo "?")
log "machine: $cpu, $ncpu CPUs, $ram, kernel $(uname -r), load $load; dumps in $work"

# --- trigger latency and mini pauses ----------------------------------------------

part_latency() {
	local dir=$work/trig
	log "latency: $TRIGGERS app triggers with mini dumps"
	"$LIVEDUMP" record -e 'bench on app capture mini' -o "$dir" -- \
		"$B/trigloop" "$TRIGGERS" 2000 >"$work/trig.log" 2>&1 ||
		die "record failed: $(tail -5 "$work/trig.log")"
	# Nanosecond timestamps need 64-bit integers: jq and awk have doubles.
	: >"$work/nostop"
	for f in "$dir"/*.core; do
		"$LIVEDUMP" inspect --json "$f" | jq -r '[.header.issue_time_ns, .header.capture_start_ns,
			.capture.frozen_ns, .capture.seen_stopped_ns, .capture.stopped_ns,
			(.header.pause_ns | tostring)] | @tsv'
	done | while read -r issue start frozen seen stopped pause; do
		[ "$seen" = 0 ] && seen=$frozen
		# Held by ptrace before it reached the SIGSTOP: stopped then, not earlier.
		if [ "$stopped" = 0 ]; then
			echo x >>"$work/nostop"
			stopped=$frozen
		fi
		echo "$((stopped - issue)) $((start - issue)) $pause $((frozen - issue)) $((seen - issue))"
	done >"$work/lat.tsv"
	local n nostop
	n=$(wc -l <"$work/lat.tsv")
	nostop=$(wc -l <"$work/nostop")
	[ "$n" -ge $((TRIGGERS * 9 / 10)) ] || die "only $n dumps of $TRIGGERS triggers"
	[ "$nostop" = 0 ] ||
		log "latency: $nostop of $n were held by the collector before they reached the SIGSTOP (counted as stopped when held)"
	awk '{ printf "%.3f\n", $1 / 1000 }' "$work/lat.tsv" >"$work/stop.us"
	awk '{ printf "%.3f\n", $2 / 1000 }' "$work/lat.tsv" >"$work/event.us"
	awk '{ printf "%.3f\n", $3 / 1e6 }' "$work/lat.tsv" >"$work/pause.ms"
	awk '{ printf "%.3f\n", $4 / 1000 }' "$work/lat.tsv" >"$work/held.us"
	awk '{ printf "%.3f\n", $5 / 1000 }' "$work/lat.tsv" >"$work/seen.us"
	# The floor: a bare uprobe that only sends SIGSTOP, measured the same way.
	log "latency: the floor, $TRIGGERS triggers stopped by a bare uprobe"
	"$B/floors" stop "$TRIGGERS" 2000 >"$work/floor.out"
	awk '{ printf "%.3f\n", $2 / 1000 }' "$work/floor.out" >"$work/floor.us"
	awk '{ printf "%.3f\n", $4 / 1000 }' "$work/floor.out" >"$work/floor-sent.us"
	[ "$(wc -l <"$work/floor.us")" -ge $((TRIGGERS * 9 / 10)) ] || die "the floor's uprobe did not stop"
	row "trigger: issue → process stopped, p50 ($n triggers)" "$(pct 50 <"$work/stop.us")" us \
		"$(pct 50 <"$work/floor.us")" "bare uprobe + SIGSTOP" "<=" 1.5 x
	row "trigger: issue → process stopped, p99" "$(pct 99 <"$work/stop.us")" us \
		"$(pct 99 <"$work/floor.us")" "bare uprobe + SIGSTOP" "<=" 1.5 x
	row "trigger: issue → process stopped, p50 (brief's absolute target)" "$(pct 50 <"$work/stop.us")" us "" "" "<=" 20
	row "trigger: issue → process stopped, p99 (brief's absolute target)" "$(pct 99 <"$work/stop.us")" us "" "" "<=" 100
	row "trigger: issue → process stopped, max" "$(pct 100 <"$work/stop.us")" us
	# Where the time after the stop goes: the collector's wake-up (ring buffer).
	row "trigger: issue → collector starts the capture (wake-up), p50" "$(pct 50 <"$work/event.us")" us
	row "trigger: issue → collector starts the capture (wake-up), p99" "$(pct 99 <"$work/event.us")" us
	row "trigger: issue → process seen stopped by the collector, p50" "$(pct 50 <"$work/seen.us")" us
	row "trigger: issue → process seen stopped by the collector, p99" "$(pct 99 <"$work/seen.us")" us
	row "trigger: issue → every thread held by ptrace, p50" "$(pct 50 <"$work/held.us")" us
	row "trigger: issue → every thread held by ptrace, p99" "$(pct 99 <"$work/held.us")" us
	row "mini dump pause (app trigger), p50" "$(pct 50 <"$work/pause.ms")" ms "" "" "<=" 1
	row "mini dump pause (app trigger), p99" "$(pct 99 <"$work/pause.ms")" ms
	rm -rf "$dir"
	part_stages
}

# Where the trigger path's time goes: a second run with the stages stamped
# (LIVEDUMP_BENCH_STAGES, kabi/records.h LD_STAGES), apart from the one
# above so that the stamps' own cost is not in its figures.
part_stages() {
	local dir=$work/stg n=$((TRIGGERS < 500 ? TRIGGERS : 500)) s what
	log "latency: $n more triggers with the trigger path's stages stamped"
	rm -f "$work/stages"
	LIVEDUMP_BENCH_STAGES=$work/stages "$LIVEDUMP" record -e 'bench on app capture mini' \
		-o "$dir" -- "$B/trigloop" "$n" 2000 >"$work/stg.log" 2>&1 ||
		die "record failed: $(tail -5 "$work/stg.log")"
	[ "$(grep -c '^stages' "$work/stages" 2>/dev/null)" -ge $((n * 9 / 10)) ] ||
		die "no stages stamped: $(tail -5 "$work/stg.log")"
	row "floor: bare uprobe's program done (SIGSTOP sent), p50" "$(pct 50 <"$work/floor-sent.us")" us
	row "floor: bare uprobe's program done (SIGSTOP sent), p99" "$(pct 99 <"$work/floor-sent.us")" us
	while read -r s what; do
		grep -o " $s=[0-9]*" "$work/stages" | awk -F= '{ printf "%.3f\n", $2 / 1000 }' >"$work/stage.us"
		[ -s "$work/stage.us" ] || continue
		row "stage: $what, p50 (since the uprobe program's entry)" "$(pct 50 <"$work/stage.us")" us
		row "stage: $what, p99" "$(pct 99 <"$work/stage.us")" us
	done <<-EOF
	matched rules matched
	reserved record reserved in the ring
	history history frozen (and the issue's kernel stack)
	copied registers and blobs copied
	signal SIGSTOP sent (freeze)
	submit record submitted
	stopped SIGSTOP delivered (process stopped)
	ident identity saved (app: at the stop)
	woken collector woken (sched_wakeup)
	runs collector on a CPU (sched_switch)
	read collector reads the record
	capture collector starts the capture
	EOF
	rm -rf "$dir"
}

# --- captures of a big process ----------------------------------------------------

SM_PID=
SM_OUT=

start_snapmem() {	# MIB
	SM_OUT=$work/snapmem-$1.out
	"$O/tests/snapmem" --mib "$1" >"$SM_OUT" 2>&1 &
	SM_PID=$!
	pids+=("$SM_PID")
	wait_line "$SM_OUT" '^marker' 1200 || die "snapmem --mib $1 did not start"
}

# The longest the target's heartbeat thread was held since the last call (ms).
stall() {
	local n
	n=$(grep -c '^stall_max_us' "$SM_OUT")
	kill -USR2 "$SM_PID"
	for _ in $(seq 100); do
		[ "$(grep -c '^stall_max_us' "$SM_OUT")" -gt "$n" ] && break
		sleep 0.02
	done
	awk '/^stall_max_us/ { v = $2 } END { printf "%.3f", v / 1000 }' "$SM_OUT"
}

# One capture: prints "pause_ms total_ms stall_ms size alloc".
capture_once() {	# MODE
	local out=$work/cap t0 total pause stall_ms f
	rm -rf "$out"
	mkdir -m 0700 "$out"
	stall >/dev/null
	t0=$EPOCHREALTIME
	case $1 in
	gcore)
		gcore -o "$out/gcore" "$SM_PID" >"$work/gcore.log" 2>&1 ||
			die "gcore failed: $(tail -3 "$work/gcore.log")"
		total=$(elapsed_ms "$t0")
		pause=$total	# gdb holds the process from attach to detach
		;;
	*)
		local args=()
		case $1 in
		full) args=(--full --no-snapshot) ;;
		snapshot) args=(--full --snapshot) ;;
		compressed) args=(--full --snapshot --compress) ;;
		esac
		"$LIVEDUMP" capture -p "$SM_PID" "${args[@]}" -o "$out" >"$work/cap.log" 2>&1 ||
			die "capture $1 failed: $(cat "$work/cap.log")"
		total=$(elapsed_ms "$t0")
		pause=$(sed -n 's/.*paused \([0-9.]*\) ms.*/\1/p' "$work/cap.log")
		if [ "$1" = snapshot -o "$1" = compressed ] && ! grep -q ', snapshot)' "$work/cap.log"; then
			die "no snapshot: $(cat "$work/cap.log")"
		fi
		;;
	esac
	stall_ms=$(stall)
	f=$(find "$out" -type f | head -1)
	echo "$pause $total $stall_ms $(stat -c '%s %b %B' "$f" | awk '{ print $1, $2 * $3 }')"
	rm -rf "$out"
}

# Median of each column over N captures.
capture_median() {	# MODE N
	for _ in $(seq "$2"); do capture_once "$1"; done >"$work/runs"
	for c in 1 2 3 4 5; do awk -v c=$c '{ print $c }' "$work/runs" | median; done | paste -sd' '
}

part_captures() {
	local sizes=(1024)
	[ "$BIG" = 1 ] && sizes+=(4096)
	for mib in "${sizes[@]}"; do
		local g=$((mib / 1024)) m f s gc
		log "captures: $g GiB process"
		start_snapmem "$mib"
		sleep 1
		# The heartbeat's noise floor: how long it waits with nothing going on.
		stall >/dev/null
		sleep 2
		row "$g GiB: target heartbeat stall with no capture (noise)" "$(stall)" ms
		if [ "$mib" = 1024 ]; then
			local addr
			addr=$(awk '$1 == "mem" { print $2 }' "$SM_OUT")
			for _ in 1 2 3; do
				"$B/vmread" "$SM_PID" "$addr" $((mib << 20)) || die "vmread failed"
			done | awk '{ print $2 }' | median >"$work/vmread"
			row "memory capture (process_vm_readv, 4 MiB chunks, 1 GiB)" \
				"$(cat "$work/vmread")" GB/s "" "" ">=" 5
		fi
		# The disk's floor for a full dump's total: dd of the same size, fsynced.
		for _ in 1 2; do
			local t0=$EPOCHREALTIME
			dd if=/dev/zero of="$work/dd.out" bs=4M count=$((mib / 4)) conv=fsync status=none ||
				die "dd failed"
			elapsed_ms "$t0"
			echo
			rm -f "$work/dd.out"
		done | median >"$work/dd.ms"
		gc=$(capture_median gcore 2)
		m=$(capture_median mini "$REPS")
		f=$(capture_median full "$REPS")
		s=$(capture_median snapshot "$REPS")
		read -r gp gt gs gz ga <<<"$gc"
		read -r mp mt ms mz ma <<<"$m"
		read -r fp ft fs fz fa <<<"$f"
		read -r sp st ss sz sa <<<"$s"
		row "$g GiB: pause, snapshot full dump" "$sp" ms "$gp" "gcore" "<=" 0.02 frac
		row "$g GiB: pause, plain full dump" "$fp" ms "$gp" "gcore"
		row "$g GiB: pause, mini dump (livedump capture)" "$mp" ms "$gp" "gcore"
		row "$g GiB: stall seen by the target, snapshot full" "$ss" ms "$gs" "gcore"
		row "$g GiB: stall seen by the target, plain full" "$fs" ms "$gs" "gcore"
		row "$g GiB: stall seen by the target, mini" "$ms" ms "$gs" "gcore"
		row "$g GiB: total time, snapshot full dump" "$st" ms "$gt" "gcore"
		row "$g GiB: total time, plain full dump" "$ft" ms "$gt" "gcore"
		row "$g GiB: total time, plain full dump, against dd" "$ft" ms "$(cat "$work/dd.ms")" \
			"dd conv=fsync" "<=" 1.2 x
		row "$g GiB: total time, snapshot full dump, against dd" "$st" ms "$(cat "$work/dd.ms")" \
			"dd conv=fsync" "<=" 1.2 x
		row "$g GiB: total time, mini dump" "$mt" ms "$gt" "gcore"
		row "$g GiB: size, full dump (on disk)" "$fz" B "$gz" "gcore"
		row "$g GiB: size, full dump (allocated, zero pages are holes)" "$fa" B "$ga" "gcore"
		row "$g GiB: size, mini dump" "$mz" B "$gz" "gcore" "<=" 0.01
		if [ "$mib" = 1024 ]; then
			read -r cp ct cs cz ca <<<"$(capture_median compressed "$REPS")"
			row "$g GiB: pause, compressed snapshot full dump" "$cp" ms "$gp" "gcore"
			row "$g GiB: total time, compressed snapshot full dump" "$ct" ms "$gt" "gcore"
			row "$g GiB: size, compressed full dump (synthetic data)" "$cz" B "$gz" "gcore"
		fi
		kill "$SM_PID"
		wait "$SM_PID" 2>/dev/null
	done
}

# --- registered regions and compression of real data ------------------------------

BR_PID=
BR_OUT=

start_bigregions() {	# [FILE]
	BR_OUT=$work/bigregions.out
	"$O/tests/bigregions" 4 256 "$@" >"$BR_OUT" 2>&1 &
	BR_PID=$!
	pids+=("$BR_PID")
	wait_line "$BR_OUT" '^ready' 1200 || die "bigregions did not start: $(cat "$BR_OUT")"
}

br_stall() {	# like stall(), for bigregions
	local n
	n=$(grep -c '^stall_max_us' "$BR_OUT")
	kill -USR2 "$BR_PID"
	for _ in $(seq 100); do
		[ "$(grep -c '^stall_max_us' "$BR_OUT")" -gt "$n" ] && break
		sleep 0.02
	done
	awk '/^stall_max_us/ { v = $2 } END { printf "%.3f", v / 1000 }' "$BR_OUT"
}

# One capture of bigregions: prints "pause_ms total_ms stall_ms size".
br_capture() {	# ARGS...
	local out=$work/brcap t0 total pause stall_ms
	rm -rf "$out"
	mkdir -m 0700 "$out"
	br_stall >/dev/null
	t0=$EPOCHREALTIME
	"$LIVEDUMP" capture -p "$BR_PID" "$@" -o "$out" >"$work/brcap.log" 2>&1 ||
		die "capture $* failed: $(cat "$work/brcap.log")"
	total=$(elapsed_ms "$t0")
	pause=$(sed -n 's/.*paused \([0-9.]*\) ms.*/\1/p' "$work/brcap.log")
	stall_ms=$(br_stall)
	echo "$pause $total $stall_ms $(stat -c %s "$(find "$out" -type f | head -1)")"
	rm -rf "$out"
}

br_median() {	# N ARGS...
	local n=$1
	shift
	for _ in $(seq "$n"); do br_capture "$@"; done >"$work/brruns"
	for c in 1 2 3 4; do awk -v c=$c '{ print $c }' "$work/brruns" | median; done | paste -sd' '
}

part_regions() {
	log "regions: a mini dump of 4 x 256 MiB of registered regions"
	start_bigregions
	sleep 1
	# The floor: process_vm_readv of the same 1 GiB into a reused buffer.
	awk '$1 == "region" { print $2, $3 }' "$BR_OUT" | while read -r addr len; do
		"$B/vmread" "$BR_PID" "$addr" "$len" || die "vmread failed"
	done | awk '{ s += 0.268435456 / $2 } END { printf "%.3f\n", s * 1000 }' >"$work/brread.ms"
	local p t st z np nt
	read -r p t st z <<<"$(br_median "$REPS")"
	read -r np nt _ _ <<<"$(br_median 1 --no-snapshot)"
	row "1 GiB of registered regions: pause, mini dump (snapshot)" "$p" ms \
		"$(cat "$work/brread.ms")" "process_vm_readv of 1 GiB" "<=" 250
	row "1 GiB of registered regions: stall seen by the target, mini dump" "$st" ms
	row "1 GiB of registered regions: total time, mini dump" "$t" ms
	row "1 GiB of registered regions: pause, mini dump with --no-snapshot (copied while held)" \
		"$np" ms "$(cat "$work/brread.ms")" "process_vm_readv of 1 GiB"
	kill "$BR_PID"
	wait "$BR_PID" 2>/dev/null

	log "regions: 1 GiB of real data (a tar of /usr), full dumps plain and compressed"
	tar cf - -C / usr 2>/dev/null | head -c $((1 << 30)) >"$work/real.data"
	start_bigregions "$work/real.data"
	rm -f "$work/real.data"
	local sp stt sz zp zt zz gp gt gz
	read -r sp stt _ sz <<<"$(br_median "$REPS" --full --snapshot)"
	read -r zp zt _ zz <<<"$(br_median "$REPS" --full --snapshot --compress)"
	read -r gp gt _ gz <<<"$(br_median "$REPS" --full --snapshot --compress=zlib)"
	row "real data 1 GiB: total time, snapshot full dump" "$stt" ms
	row "real data 1 GiB: total time, compressed snapshot full dump (zstd)" "$zt" ms "$stt" \
		"plain snapshot full" "<=" 1.3 x
	row "real data 1 GiB: total time, compressed snapshot full dump (zlib)" "$gt" ms "$stt" \
		"plain snapshot full"
	row "real data 1 GiB: pause, compressed snapshot full dump (zstd)" "$zp" ms "$sp" \
		"plain snapshot full"
	row "real data 1 GiB: size, zstd" "$zz" B "$sz" "plain"
	row "real data 1 GiB: size, zlib" "$gz" B "$sz" "plain"
	kill "$BR_PID"
	wait "$BR_PID" 2>/dev/null
}

# --- many processes at once -------------------------------------------------------

part_many() {
	local dir=$work/many n=16 per=${MANY_TRIGGERS:-20}
	log "many: $n processes triggering at once, $per triggers each"
	cat >"$work/many.sh" <<-EOF
	for i in \$(seq $n); do $B/trigloop $per 0 >/dev/null & done
	wait
	EOF
	# -x: the processes bash starts are watched as they exec trigloop.
	"$LIVEDUMP" record -e 'bench on app capture mini' -x "$B/trigloop" -o "$dir" -- bash "$work/many.sh" \
		>"$work/many.log" 2>&1 || die "record failed: $(tail -5 "$work/many.log")"
	for f in "$dir"/*.core; do
		"$LIVEDUMP" inspect --json "$f" | jq -r '[.header.issue_time_ns, .header.capture_start_ns,
			.capture.stopped_ns, .capture.frozen_ns, (.header.pause_ns | tostring)] | @tsv'
	done >"$work/many.tsv"
	local got span
	got=$(wc -l <"$work/many.tsv")
	[ "$got" -ge $((n * per / 2)) ] || die "only $got dumps of $((n * per)) triggers"
	# Dumps per second from the first capture to the last one's start.
	span=$(awk 'NR == 1 || $2 < lo { lo = $2 } NR == 1 || $2 > hi { hi = $2 } END { printf "%.6f", (hi - lo) / 1e9 }' "$work/many.tsv")
	awk '{ printf "%.3f\n", $5 / 1e6 }' "$work/many.tsv" >"$work/many.pause"
	awk '{ s = $3 ? $3 : $4; printf "%.3f\n", (s - $1) / 1000 }' "$work/many.tsv" >"$work/many.stop"
	row "16 processes at once: dumps per second ($got mini dumps)" \
		"$(awk -v n="$got" -v s="$span" 'BEGIN { printf "%.0f", (s > 0 ? (n - 1) / s : 0) }')" ev/s
	row "16 processes at once: mini dump pause, p50" "$(pct 50 <"$work/many.pause")" ms
	row "16 processes at once: mini dump pause, p99" "$(pct 99 <"$work/many.pause")" ms
	row "16 processes at once: mini dump pause, max" "$(pct 100 <"$work/many.pause")" ms
	row "16 processes at once: issue → process stopped, p50" "$(pct 50 <"$work/many.stop")" us
	row "16 processes at once: issue → process stopped, p99" "$(pct 99 <"$work/many.stop")" us
	rm -rf "$dir"
}

# --- detector cost -------------------------------------------------------------

part_detector() {
	local N=${N:-2000000} cpu=$((ncpu - 1)) rounds=${ROUNDS:-5}
	# One configuration once: the median of 3 loops, ns per call.
	loop_ns() { for _ in 1 2 3; do taskset -c "$cpu" "$B/sysloop" "$N"; done |
		sed -n 's/^ns_per_op //p' | median; }
	log "detector cost: getppid loops of $N calls on CPU $cpu, $rounds rounds"
	sleep 3600 &
	local other=$!
	pids+=("$other")
	# The loop itself watched: the flight recorder records every call.
	cat >"$work/watched.sh" <<-EOF
	for i in 1 2 3; do taskset -c $cpu $B/sysloop $N; done
	EOF
	# Rounds of every configuration in turn, so that load that comes and
	# goes on the machine hits them all alike.
	cat >"$work/empty.sh" <<-EOF
	for i in 1 2 3; do taskset -c $cpu $B/sysloop $N; done
	EOF
	for _ in $(seq "$rounds"); do
		loop_ns >>"$work/det.base"
		# The floor: empty programs on the same tracepoints.
		"$B/floors" empty -- bash "$work/empty.sh" | sed -n 's/^ns_per_op //p' | median \
			>>"$work/det.empty"
		start_collector "$work/det1.log" -o "$work/det" -e 'e on syscall errno=ENOENT' -p "$other"
		loop_ns >>"$work/det.sys"
		stop_collector
		# A rule that names its syscall: fentry/fexit on openat's function
		# where the kernel has them, so getppid does not run it.
		start_collector "$work/det4.log" -o "$work/det" -e 'e on syscall name=openat errno=ENOENT' \
			-p "$other"
		loop_ns >>"$work/det.named"
		stop_collector
		# The same without the flight recorder: with fentry nothing is
		# left on the syscall tracepoints.
		start_collector "$work/det5.log" -o "$work/det" --no-history \
			-e 'e on syscall name=openat errno=ENOENT' -p "$other"
		loop_ns >>"$work/det.nohist"
		stop_collector
		start_collector "$work/det2.log" -o "$work/det" -e 'bench on app capture context' \
			-p "$other"
		loop_ns >>"$work/det.rec"
		stop_collector
		"$LIVEDUMP" record -o "$work/det" -e 'bench on app capture context' -- \
			bash "$work/watched.sh" >"$work/det3.log" 2>&1
		sed -n 's/^ns_per_op //p' "$work/det3.log" | median >>"$work/det.watched"
	done
	kill "$other"
	local base sys rec watched empty named nohist via=tracepoints
	grep -q 'attached fexit __x64_sys_openat' "$work/det4.log" && via=fentry/fexit
	named=$(median <"$work/det.named")
	nohist=$(median <"$work/det.nohist")
	base=$(median <"$work/det.base")
	empty=$(median <"$work/det.empty")
	sys=$(median <"$work/det.sys")
	rec=$(median <"$work/det.rec")
	watched=$(median <"$work/det.watched")
	row "getppid() per call, no collector" "$base" ns
	row "getppid() per call, empty programs on sys_enter/sys_exit (the floor)" "$empty" ns "$base" \
		"no collector"
	row "getppid() per call, syscall-error rule on another process, against the floor" "$sys" ns \
		"$empty" "empty programs" "<=" 1.1 x
	row "getppid() per call, flight recorder on another process, against the floor" "$rec" ns \
		"$empty" "empty programs" "<=" 1.1 x
	row "getppid() per call, collector: syscall-error rule on another process" "$sys" ns "$base" \
		"no collector" "<=+" 30
	row "getppid() per call, collector: flight recorder on, another process" "$rec" ns "$base" \
		"no collector" "<=+" 30
	row "getppid() per call, syscall rule naming openat ($via), against no collector" "$named" ns \
		"$base" "no collector"
	row "getppid() per call, syscall rule naming openat ($via), against the floor" "$named" ns \
		"$empty" "empty programs" "<=" 1.1 x
	row "getppid() per call, syscall rule naming openat ($via), against the error rule" "$named" ns \
		"$sys" "rule without name=, tracepoints"
	row "getppid() per call, syscall rule naming openat ($via), --no-history, against no collector" \
		"$nohist" ns "$base" "no collector" "<=" 1.1 x
	row "getppid() per call, in a process the flight recorder records" "$watched" ns "$base" \
		"no collector"
}

# --- ring buffer throughput --------------------------------------------------------

part_ringbuf() {
	log "ring buffer: syscall errors as fast as they come, then paced"
	local nr best=0 flat_rate flat_lost
	nr=0x10d	# faccessat on x86-64
	ringbuf_run() {	# N RATE -> "delivered seconds"
		rm -rf "$work/rb"
		"$LIVEDUMP" record -e 'rb on syscall errno=ENOENT capture context limit 1' -o "$work/rb" \
			-- "$O/tests/sysfail" "$1" "$2" >"$work/rb.log" 2>&1
		echo "$(cat "$work"/rb/journal-*.jsonl | grep -c "\"code\":\"$nr\"")" \
		     "$(sed -n 's/^calls [0-9]* seconds //p' "$work/rb.log")"
	}
	read -r got secs <<<"$(ringbuf_run 300000 0)"
	flat_rate=$(awk -v s="$secs" 'BEGIN { printf "%.0f", 300000 / s }')
	flat_lost=$(awk -v g="$got" 'BEGIN { printf "%.1f", (300000 - g) / 3000 }')
	for rate in 25000 50000 100000 150000 200000 300000 400000; do
		read -r got secs <<<"$(ringbuf_run $((rate * 2)) "$rate")"
		log "  $rate/s for 2 s: $got of $((rate * 2)) delivered"
		[ "$got" -ge $((rate * 2)) ] || break
		best=$rate
	done
	row "ring buffer: highest rate delivered without loss (2 s at 25k..400k/s)" "$best" ev/s
	row "ring buffer: flat out at this rate, $flat_lost% of 300000 events lost" "$flat_rate" ev/s
}

for p in $PARTS; do "part_$p"; done

# --- the table ------------------------------------------------------------------------

{
	echo "livedump $commit, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "machine: $cpu, $ncpu CPUs, $ram RAM; kernel $(uname -r); load average $load at start"
	echo
	echo "dumps written to $(df -P "$work" | awk 'NR == 2 { print $1 }') ($(stat -f -c %T "$work")); medians of $REPS runs (gcore: 2); load average $(cut -d' ' -f1 /proc/loadavg) at the end"
	echo
	awk -F'\t' '
	function human(v, u) {
		if (v == "") return "-"
		if (u == "ms") return v >= 1000 ? sprintf("%.2f s", v / 1000) : v >= 10 ? sprintf("%.1f ms", v) : sprintf("%.3f ms", v)
		if (u == "us") return v >= 1000 ? sprintf("%.2f ms", v / 1000) : sprintf("%.1f us", v)
		if (u == "ns") return sprintf("%.1f ns", v)
		if (u == "B") return v >= 2^30 ? sprintf("%.2f GiB", v / 2^30) : v >= 2^20 ? sprintf("%.1f MiB", v / 2^20) : sprintf("%.1f KiB", v / 1024)
		if (u == "GB/s") return sprintf("%.2f GB/s", v)
		if (u == "ev/s") return sprintf("%.0f/s", v)
		return v " " u
	}
	BEGIN {
		printf "| %s | %s | %s | %s | %s | %s |\n", "measure", "livedump", "same-run baseline", "ratio", "target", "met"
		printf "|---|---:|---:|---:|---|---|\n"
	}
	{
		m = $1; v = $2; u = $3; b = $4; bl = $5; op = $6; t = $7; kind = $8
		ratio = ""; target = ""; met = ""
		if (b != "" && b > 0 && v != "") {
			r = v / b
			ratio = (kind == "frac" && r > 0 && r < 1) ? sprintf("1/%.0f", 1 / r) : sprintf("%.3g", r)
			if (u == "ns") ratio = ratio sprintf(" (%+.1f ns)", v - b)
		}
		if (op == "<=" && kind == "x") { target = sprintf("<= %gx %s", t, bl); met = (v != "" && v <= t * b) ? "yes" : "no" }
		else if (op == "<=" && kind == "frac") { target = sprintf("<= 1/%.0f of %s", 1 / t, bl); met = (v != "" && v <= t * b) ? "yes" : "no" }
		else if (op == "<=" && u == "B") { target = sprintf("<= %g%% of %s", t * 100, bl); met = (v != "" && v <= t * b) ? "yes" : "no" }
		else if (op == "<=") { target = "<= " human(t, u); met = (v != "" && v <= t) ? "yes" : "no" }
		else if (op == ">=") { target = ">= " human(t, u); met = (v != "" && v >= t) ? "yes" : "no" }
		else if (op == "<=+") { target = sprintf("<= +%g ns", t); met = (v != "" && v - b <= t) ? "yes" : "no" }
		printf "| %s | %s | %s | %s | %s | %s |\n", m, human(v, u), b == "" ? "" : human(b, u) " (" bl ")", ratio, target, met
	}' "$rows"
} | tee "${OUT:-/dev/null}"
