# Sourced by the fleet store tests after tests/lib.sh: real dumps of two
# hosts laid out as record --upload lays out a store (docs/fleet.md),
# in a directory.
#
#   store_fill DIR    captures threads_busy 4 times: host web1 twice (the
#                     main thread's stack: pause), host web2 twice (once
#                     main, once its sleeping thread: sleep_in_beta) as
#                     DIR/HOST/YYYY-MM-DD/NAME with NAME.meta.json beside
#                     each (inspect --sidecar --host HOST); sets
#                     STORE_DUMPS (the keys of the dumps, relative to DIR)

store_fill() {
	local dir=$1 d=$WORK/captures n host tid dump day
	mkdir -p "$d"
	start_bg "$WORK/busy.out" "$PROGS/threads_busy"
	wait_for grep -q '^ready' "$WORK/busy.out" || fail "threads_busy did not start"
	sleep 0.2
	# Its threads in creation order: main, alpha (spins), beta (sleeps), gamma.
	tid=$(ls /proc/"$BG_PID"/task | sort -n | sed -n 3p)
	STORE_DUMPS=()
	for n in 1 2 3 4; do
		case $n in 1|2) host=web1;; *) host=web2;; esac
		if [ "$n" = 4 ]; then
			"$LIVEDUMP" capture -p "$BG_PID" --tid "$tid" -o "$d/$n" >"$WORK/cap$n.log" 2>&1
		else
			"$LIVEDUMP" capture -p "$BG_PID" -o "$d/$n" >"$WORK/cap$n.log" 2>&1
		fi || fail "capture $n failed: $(cat "$WORK/cap$n.log")"
		dump=$(only_dump "$d/$n")
		day=$(date -u -d "@$("$LIVEDUMP" inspect --json "$dump" | jq -r '.header.issue_time_ns | tonumber / 1e9 | floor')" +%F)
		mkdir -p "$dir/$host/$day"
		cp "$dump" "$dir/$host/$day/"
		"$LIVEDUMP" inspect --sidecar --host "$host" "$dump" >"$dir/$host/$day/$(basename "$dump").meta.json" ||
			fail "inspect --sidecar of $dump failed"
		STORE_DUMPS+=("$host/$day/$(basename "$dump")")
		sleep 0.05	# distinct times: first and last seen are checked
	done
	kill "$BG_PID"
}
