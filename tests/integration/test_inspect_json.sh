#!/bin/bash
# The dump of trigger_regions through `inspect --json --data`: code and
# parameter, the three regions byte-identical to what the program wrote,
# both blobs, every thread; and a damaged copy gets a precise error.
. "$(dirname "$0")/../lib.sh"
require_root
command -v jq >/dev/null || fail "jq is missing (make deps installs it)"

"$LIVEDUMP" record -o "$WORK/out" -- "$PROGS/trigger_regions" >"$WORK/rec.log" 2>&1 ||
	fail "record failed: $(cat "$WORK/rec.log")"
dump=$(only_dump "$WORK/out")
"$LIVEDUMP" inspect --json --data "$dump" >"$WORK/j" || fail "inspect --json failed"
jq -e . "$WORK/j" >/dev/null || fail "inspect --json is not JSON"
pid=$(sed -n 's/^launched .* as pid \([0-9]*\)$/\1/p' "$WORK/rec.log")

q() { jq -r "$1" "$WORK/j"; }
assert_eq 1234 "$(printf '%x' "$(q .header.code)")" "code"
assert_eq 0xdeadbeef "$(q '.header.params[0]')" "parameter"
assert_eq app "$(q .header.issue_type)" "issue type"
assert_eq mini "$(q .header.capture_type)" "capture type"
assert_eq "$pid" "$(q .header.pid)" "pid"
assert_eq 3 "$(q '.threads | length')" "threads"
assert_eq 1 "$(q '[.threads[] | select(.trigger)] | length')" "one trigger thread"
assert_eq "$pid" "$(q '.threads[] | select(.trigger) | .tid')" "trigger thread is the main thread"
assert_eq 3 "$(q '[.threads[] | select(.has_regs)] | length')" "registers of every thread"
assert_eq true "$(q '.complete != null')" "complete"

# The bytes the program put in each region (see tests/progs/trigger_regions.c).
expect_a=$(awk 'BEGIN { for (i = 0; i < 4096; i++) printf "a5" }')
expect_b=$(awk 'BEGIN { for (i = 0; i < 1000; i++) printf "%02x", (i * 7 + 3) % 256 }')
pat=$(printf 'livedump-region-c ' | od -An -tx1 | tr -d ' \n')
expect_c=$(awk -v p="$pat" 'BEGIN { n = 65536 / 18; s = ""; for (i = 0; i < int(n); i++) s = s p;
	r = 65536 - int(n) * 18; printf "%s%s", s, substr(p, 1, r * 2) }')
assert_eq 3 "$(q '.regions | length')" "regions"
for r in a b c; do
	var=expect_$r
	got=$(q ".regions[] | select(.name == \"region_$r\") | .data_hex")
	[ "$got" = "${!var}" ] || fail "region_$r bytes differ (got ${#got} hex digits, first ${got:0:32})"
	assert_eq ok "$(q ".regions[] | select(.name == \"region_$r\") | .check")" "region_$r checksum"
done
ok "three regions byte-identical, checksums verified"

assert_eq 2 "$(q '.blobs | length')" "blobs"
req=$(printf 'blob one: the request that failed' | od -An -tx1 | tr -d ' \n')00
assert_eq "$req" "$(q '.blobs[] | select(.tag == "request") | .data_hex')" "blob 'request'"
assert_eq 0100000000000000020000000000000003000000000000008877665544332211 \
	"$(q '.blobs[] | select(.tag == "counters") | .data_hex')" "blob 'counters'"
ok "blobs"

# A cut copy and a damaged copy: clear errors, no crash.
size=$(stat -c %s "$dump")
head -c $((size - 100)) "$dump" >"$WORK/cut.core"
"$LIVEDUMP" inspect "$WORK/cut.core" >"$WORK/err" 2>&1; rc=$?
[ $rc = 1 ] || fail "inspect of a cut dump exited $rc"
assert_grep 'cut\.core: .*(cut|completion record missing)' "$WORK/err" "cut dump error"
cp "$dump" "$WORK/bad.core"
printf 'XXXX' | dd of="$WORK/bad.core" bs=1 seek=0 conv=notrunc 2>/dev/null
"$LIVEDUMP" inspect "$WORK/bad.core" >"$WORK/err" 2>&1; rc=$?
[ $rc = 1 ] || fail "inspect of a damaged dump exited $rc"
assert_grep 'bad\.core: ' "$WORK/err" "damaged dump error"
cat "$WORK/err"
ok "cut and damaged dumps"

# script shows a dump no journal mentions, from its header.
mkdir -p "$WORK/loose"
cp "$dump" "$WORK/loose/"
"$LIVEDUMP" script --json "$WORK/loose" >"$WORK/s.json" || fail "script of a directory without journal failed"
assert_eq 1 "$(jq -s length "$WORK/s.json")" "events from a lone dump"
assert_eq "app dumped $(basename "$dump")" "$(jq -r '"\(.issue) \(.verdict) \(.dump)"' "$WORK/s.json")" "event from the header"
"$LIVEDUMP" script "$dump" | grep -q ' dumped ' || fail "script DUMP"
ok "script of dumps"

# The stop times: the kernel stopped the thread (BPF saw the SIGSTOP
# delivered) after the issue and before ptrace held every thread. Back to
# back triggers each get theirs: a dump's release forgets its freeze
# before the process runs, so the next freeze is tracked. The collector
# may reach a thread before its SIGSTOP does (then 0: unknown), rarely.
"$LIVEDUMP" record -o "$WORK/stops" -- "$PROGS/trigger_regions" --count 8 >"$WORK/stops.log" 2>&1 ||
	fail "record failed: $(cat "$WORK/stops.log")"
known=0
for f in "$WORK"/stops/*.core; do
	read -r issue stopped seen frozen < <("$LIVEDUMP" inspect --json "$f" | jq -r \
		'[.header.issue_time_ns, .capture.stopped_ns, .capture.seen_stopped_ns, .capture.frozen_ns] | @tsv')
	[ "$stopped" = 0 ] && continue
	known=$((known + 1))
	[ "$stopped" -ge "$issue" ] && [ "$stopped" -le "$frozen" ] ||
		fail "$f: stopped $stopped not between the issue $issue and the hold $frozen"
	[ "$seen" = 0 ] || [ "$stopped" -le "$seen" ] || fail "$f: seen stopped ($seen) before it stopped ($stopped)"
done
[ "$known" -ge 4 ] || fail "only $known of 8 dumps know when the kernel stopped the process"
"$LIVEDUMP" inspect "$f" | grep -q '^stopped: ' || fail "inspect shows no stop times"
ok "stop times: $known of 8 dumps with the kernel's stop, in order"
