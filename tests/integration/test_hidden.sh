#!/bin/bash
# Dumps leak nothing the application hid (docs/security.md): a process fills
# 16 MiB with a password pattern and marks it MADV_DONTDUMP; the pattern is
# absent from full dumps (snapshot and plain), mini dumps (plain and
# snapshot) and app-triggered dumps (a registered region and a blob inside
# it are left out too), and each dump lists the range (LD_NT_HIDDEN) with
# why.  hidden=regions takes the region and the blob but not the rest;
# hidden=all (forensic) takes everything and says so.  coredump_filter is
# followed: with bit 1 cleared, shared anonymous memory is left out.  gdb
# opens every dump without a warning (gdb_ok) and cannot read the hidden
# memory.
. "$(dirname "$0")/../lib.sh"
require_root
command -v jq >/dev/null || fail "jq is missing (make deps installs it)"
command -v gdb >/dev/null || fail "gdb is missing (make deps installs it)"

start_bg "$WORK/prog.out" "$PROGS/hidemem" --trigger
pid=$BG_PID
wait_for grep -q '^visible' "$WORK/prog.out" || fail "hidemem did not start: $(cat "$WORK/prog.out")"
addr() { awk -v k="$1" '$1 == k { print $2 }' "$WORK/prog.out"; }
secret=$(addr secret) shared=$(addr shared)
region=$(printf '0x%x' $((secret + (1 << 20))))
grep -A30 "^${secret#0x}-" "/proc/$pid/smaps" | grep -m1 '^VmFlags:.* dd' >/dev/null ||
	fail "the kernel does not show the mapping MADV_DONTDUMP"

# copies PATTERN FILE: how many times the 16-byte pattern is in FILE.
copies() { LC_ALL=C grep -aoF -- "$1" "$2" | wc -l; }
PW=hunter2-PASSWORD VISIBLE=VISIBLE-PATTERN! SHARED=SHARED-ANON-MEM!

# check_left_out DUMP WHAT RANGE-ADDR RANGE-LEN: the pattern is not there,
# the visible heap is, the hidden note lists the range as left out for
# MADV_DONTDUMP, and the region "secret" is hidden and excluded.
check_left_out() {
	local dump=$1 what=$2 raddr=$3 rlen=$4
	"$LIVEDUMP" inspect --json "$dump" >"$WORK/i.json" || fail "$what: inspect failed"
	assert_eq 0 "$(copies "$PW" "$dump")" "$what: copies of the hidden pattern"
	[ "$(copies "$VISIBLE" "$dump")" -ge 256 ] || fail "$what: the visible region is not in the dump"
	assert_eq "no false MADV_DONTDUMP anonymous private" \
		"$(jq -r --arg a "$raddr" --argjson l "$rlen" '.hidden | .mode + " " +
			(.ranges[] | select(.addr == $a and .len == $l) | "\(.taken) \(.why) \(.kind)")' \
			"$WORK/i.json")" "$what: the hidden range $raddr +$rlen in the dump"
	assert_eq "hidden,excluded 0" "$(jq -r '.regions[] | select(.name == "secret") |
		(.flags | sort | reverse | join(",")) + " \(.captured)"' "$WORK/i.json")" "$what: region secret"
	jq -e '.header.flags | index("hidden_taken") | not' "$WORK/i.json" >/dev/null ||
		fail "$what: the header says hidden memory was taken"
	"$LIVEDUMP" inspect "$dump" >"$WORK/i.txt" || fail "$what: inspect failed"
	assert_grep "^hidden: +left out; coredump_filter 0x33; [0-9]+ bytes left out" "$WORK/i.txt" "$what: inspect's hidden line"
	assert_grep "^ +0x0*${raddr#0x} \+$rlen +left out +MADV_DONTDUMP \(anonymous private\)" "$WORK/i.txt" "$what: inspect's range"
}

# gdb_ok DUMP WHAT TYPE: gdb unwinds the main thread, cannot read the hidden
# memory, and warns of nothing — but that it cannot open "/dev/zero
# (deleted)", the file NT_FILE names for the shared anonymous mapping, as it
# says for gcore's core of this process too — nor of anything it does not
# also say for the forensic dump of that TYPE (full, mini).
gdb_ok() {
	local dump=$1 what=$2 type=$3
	gdb -nx -batch -ex 'set auto-load off' -ex 'bt' -ex "x/s $region" \
		"$PROGS/hidemem" "$dump" >"$WORK/gdb.out" 2>&1 || fail "$what: gdb failed: $(cat "$WORK/gdb.out")"
	assert_grep ' in main \(' "$WORK/gdb.out" "$what: gdb's backtrace"
	assert_grep "^0x0*${region#0x}:\s+<error: Cannot access memory at address $region>" "$WORK/gdb.out" \
		"$what: gdb reading the hidden memory"
	grep -i 'warning' "$WORK/gdb.out" | sed 's/[0-9]\{3,\}/N/g' | sort -u >"$WORK/gdb.warn"
	comm -23 "$WORK/gdb.warn" "$WORK/forensic-$type.warn" >"$WORK/gdb.new"
	grep -v "Can't open file /dev/zero (deleted) during file-backed mapping note processing" \
		"$WORK/gdb.warn" >>"$WORK/gdb.new"
	[ ! -s "$WORK/gdb.new" ] || fail "$what: gdb warns: $(sort -u "$WORK/gdb.new")"
}

# 0. Forensic first (hidden=all): everything is there, and the dump says so.
"$LIVEDUMP" capture -p "$pid" --full --hidden all -o "$WORK/all" >"$WORK/cap.log" 2>&1 ||
	fail "capture --hidden all: $(cat "$WORK/cap.log")"
dump=$(only_dump "$WORK/all")
[ "$(copies "$PW" "$dump")" -ge 1048576 ] || fail "hidden=all: only $(copies "$PW" "$dump") copies of the pattern"
"$LIVEDUMP" inspect --json "$dump" >"$WORK/i.json"
assert_eq "all true" "$(jq -r --arg a "$secret" '.hidden.mode + " " +
	(.hidden.ranges[] | select(.addr == $a) | "\(.taken)")' "$WORK/i.json")" "hidden=all: the range"
jq -e '.header.flags | index("hidden_taken")' "$WORK/i.json" >/dev/null || fail "hidden=all: no hidden_taken flag"
assert_eq "hidden" "$(jq -r '.regions[] | select(.name == "secret") | .flags | join(",")' "$WORK/i.json")" \
	"hidden=all: region secret"
"$LIVEDUMP" inspect "$dump" | grep -q '^hidden: *hidden=all (forensic): taken anyway' || fail "hidden=all: inspect does not say so"
gdb -nx -batch -ex 'set auto-load off' -ex 'bt' -ex "x/s $region" "$PROGS/hidemem" "$dump" >"$WORK/gdb.out" 2>&1
assert_grep "^0x0*${region#0x}:\s+\"hunter2-PASSWORD" "$WORK/gdb.out" "hidden=all: gdb reads the memory"
grep -i 'warning' "$WORK/gdb.out" | sed 's/[0-9]\{3,\}/N/g' | sort -u >"$WORK/forensic-full.warn"
"$LIVEDUMP" capture -p "$pid" --hidden all -o "$WORK/all-mini" >"$WORK/cap.log" 2>&1 ||
	fail "capture --hidden all (mini): $(cat "$WORK/cap.log")"
dump=$(only_dump "$WORK/all-mini")
assert_eq 256 "$(copies "$PW" "$dump")" "hidden=all (mini): copies of the pattern (the region)"
gdb -nx -batch -ex 'set auto-load off' -ex 'bt' "$PROGS/hidemem" "$dump" 2>&1 | grep -i 'warning' |
	sed 's/[0-9]\{3,\}/N/g' | sort -u >"$WORK/forensic-mini.warn"
ok "hidden=all: the hidden memory is taken, the dump and inspect say so"

# 1. Full dumps, from a snapshot and plain: the whole 16 MiB is left out.
for mode in snapshot no-snapshot; do
	"$LIVEDUMP" capture -p "$pid" --full --$mode -o "$WORK/full-$mode" >"$WORK/cap.log" 2>&1 ||
		fail "capture --full --$mode: $(cat "$WORK/cap.log")"
	dump=$(only_dump "$WORK/full-$mode")
	check_left_out "$dump" "full ($mode)" "$secret" $((16 << 20))
	assert_eq 65536 "$(copies "$SHARED" "$dump")" "full ($mode): shared anonymous memory (coredump_filter 0x33 takes it)"
	gdb_ok "$dump" "full ($mode)" full
	ok "full dump ($mode): the pattern is absent, the 16 MiB range listed"
done

# 2. Mini dumps: the region inside the hidden memory is left out and listed.
for mode in no-snapshot snapshot; do
	"$LIVEDUMP" capture -p "$pid" --$mode -o "$WORK/mini-$mode" >"$WORK/cap.log" 2>&1 ||
		fail "capture --$mode: $(cat "$WORK/cap.log")"
	dump=$(only_dump "$WORK/mini-$mode")
	check_left_out "$dump" "mini ($mode)" "$region" 4096
	gdb_ok "$dump" "mini ($mode)" mini
	ok "mini dump ($mode): the region in hidden memory is left out and listed"
done

# 3. record, an app trigger with a blob in the hidden memory: left out too;
#    with hidden=regions the region and the blob are taken, the rest not.
out=$WORK/rec
start_bg "$WORK/rec.log" "$LIVEDUMP" record -p "$pid" -o "$out" \
	-e 'pw on app code=0x15 capture full limit 1' -e 'pwreg on app code=0x15 capture full hidden=regions limit 1' \
	-e 'pwmini on app code=0x15 capture mini limit 1'
rec=$BG_PID
wait_for grep -q '^recording into' "$WORK/rec.log" || fail "record did not start: $(cat "$WORK/rec.log")"
kill -USR1 "$pid"
wait_for grep -q '^trigger ret=1' "$WORK/prog.out" || fail "the trigger got no dump: $(tail -3 "$WORK/prog.out")"
kill -USR1 "$pid"
dumps() { [ "$(grep -c '^trigger ret=1' "$WORK/prog.out")" = "$1" ]; }
wait_for dumps 2 || fail "the second trigger got no dump: $(cat "$WORK/rec.log")"
kill -USR1 "$pid"
wait_for dumps 3 || fail "the third trigger got no dump: $(cat "$WORK/rec.log")"
kill -INT "$rec"
wait "$rec" || fail "record failed: $(tail -5 "$WORK/rec.log")"
dump=$(ls "$out"/*-pw-hidemem-*.core)
check_left_out "$dump" "app trigger" "$secret" $((16 << 20))
"$LIVEDUMP" inspect --json "$dump" >"$WORK/i.json"
assert_eq "pw hidden,excluded 0" "$(jq -r '.blobs[] | "\(.tag) " + (.flags | sort | reverse | join(",")) + " \(.len)"' "$WORK/i.json")" \
	"app trigger: the blob in hidden memory"
dump=$(ls "$out"/*-pwreg-hidemem-*.core)
"$LIVEDUMP" inspect --json "$dump" >"$WORK/i.json"
assert_eq 260 "$(copies "$PW" "$dump")" "hidden=regions: copies of the pattern (the 4 KiB region and the 64-byte blob)"
assert_eq "$((1 << 20)) 4096 $(( (15 << 20) - 4096 ))" \
	"$(jq -r '[.hidden.ranges[] | select(.why == "MADV_DONTDUMP") | .len] | join(" ")' "$WORK/i.json")" \
	"hidden=regions: the hidden range split around the region"
assert_eq "false true false" "$(jq -r '[.hidden.ranges[] | select(.why == "MADV_DONTDUMP") | .taken] | join(" ")' "$WORK/i.json")" \
	"hidden=regions: only the region's part taken"
assert_eq "hidden 4096" "$(jq -r '.regions[] | select(.name == "secret") | (.flags | join(",")) + " \(.captured)"' "$WORK/i.json")" \
	"hidden=regions: region secret"
assert_eq "pw hidden 64" "$(jq -r '.blobs[] | "\(.tag) " + (.flags | join(",")) + " \(.len)"' "$WORK/i.json")" \
	"hidden=regions: the blob"
jq -e '.header.flags | index("hidden_taken")' "$WORK/i.json" >/dev/null || fail "hidden=regions: no hidden_taken flag"
# A mini dump of a process BPF stopped reads smaps once it runs again.
dump=$(ls "$out"/*-pwmini-hidemem-*.core)
check_left_out "$dump" "app trigger, mini" "$region" 4096
"$LIVEDUMP" inspect --json "$dump" >"$WORK/i.json"
assert_eq "pw hidden,excluded 0" "$(jq -r '.blobs[] | "\(.tag) " + (.flags | sort | reverse | join(",")) + " \(.len)"' "$WORK/i.json")" \
	"app trigger, mini: the blob in hidden memory"
gdb_ok "$dump" "app trigger, mini" mini
ok "app trigger (full and mini): region and blob in hidden memory left out; hidden=regions takes just them"

# 3b. A mini dump of a process stopped in exit(): smaps is read once the
#     others run again, the exiting thread held till then.
start_bg "$WORK/exit.out" "$PROGS/hidemem" --exit
xpid=$BG_PID
wait_for grep -q '^visible' "$WORK/exit.out" || fail "hidemem --exit did not start"
xregion=$(printf '0x%x' $(( $(awk '$1 == "secret" { print $2 }' "$WORK/exit.out") + (1 << 20) )))
out=$WORK/exit
start_bg "$WORK/xrec.log" "$LIVEDUMP" record -p "$xpid" -o "$out" -e 'x on exit capture mini'
xrec=$BG_PID
wait_for grep -q '^recording into' "$WORK/xrec.log" || fail "record did not start: $(cat "$WORK/xrec.log")"
kill -USR1 "$xpid"
wait_for sh -c "ls '$out'/*-x-hidemem-*.core >/dev/null 2>&1" || fail "no dump at exit: $(cat "$WORK/xrec.log")"
kill -INT "$xrec"
wait "$xrec" || fail "record failed: $(tail -5 "$WORK/xrec.log")"
dump=$(ls "$out"/*-x-hidemem-*.core)
check_left_out "$dump" "exit, mini" "$xregion" 4096
gdb_bt "$PROGS/hidemem" "$dump" | grep -q ' main (' || fail "exit, mini: gdb cannot unwind to main"
ok "mini dump at exit(): the region in hidden memory left out and listed, the stack kept"

# 4. coredump_filter: without bit 1, shared anonymous memory is left out.
echo 0x31 >"/proc/$pid/coredump_filter"
"$LIVEDUMP" capture -p "$pid" --full -o "$WORK/filter" >"$WORK/cap.log" 2>&1 || fail "capture: $(cat "$WORK/cap.log")"
dump=$(only_dump "$WORK/filter")
assert_eq 0 "$(copies "$SHARED" "$dump")" "coredump_filter 0x31: copies of the shared anonymous pattern"
assert_eq 0 "$(copies "$PW" "$dump")" "coredump_filter 0x31: copies of the hidden pattern"
"$LIVEDUMP" inspect --json "$dump" >"$WORK/i.json"
assert_eq "0x31 false coredump_filter anonymous shared" \
	"$(jq -r --arg a "$shared" '.hidden.coredump_filter + " " + (.hidden.ranges[] | select(.addr == $a and .len == 1048576) |
		"\(.taken) \(.why) \(.kind)")' "$WORK/i.json")" "coredump_filter 0x31: the shared range"
gdb_ok "$dump" "coredump_filter 0x31" full
echo 0x33 >"/proc/$pid/coredump_filter"
ok "coredump_filter followed: shared anonymous memory left out without bit 1"
kill "$pid"
