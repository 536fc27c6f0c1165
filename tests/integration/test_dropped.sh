#!/bin/bash
# Nothing lost without a count (issue 15): 300000 failing calls as fast as
# one thread makes them, each matching a rule with "limit 1".  One is
# dumped; the rest are declined in the kernel, which sends up at most 64 a
# second and only counts the others; a record the ring buffer has no room
# for is counted as dropped, by detector.  Every call is accounted for,
# exactly, in record's summary and in the journal (lines, and the counts of
# the lines that stand for many), and the journal stays small.
. "$(dirname "$0")/../lib.sh"
require_root
command -v jq >/dev/null || fail "jq is missing"

calls=300000
in_vm && calls=50000
out=$WORK/out
"$LIVEDUMP" record -o "$out" -e 'e on syscall name=faccessat errno=ENOENT capture context limit 1' \
	-- "$PROGS/sysfail" $calls >"$WORK/rec.log" 2>&1 || { tail -5 "$WORK/rec.log"; fail "record failed"; }
grep -v '^\(trigger\|dump\|declined\):' "$WORK/rec.log"
line=$(grep '^summary: ' "$WORK/rec.log") || fail "no summary"
events=$(sed -n 's/^summary: \([0-9]*\) events,.*/\1/p' <<<"$line")
declined=$(sed -n 's/.* \([0-9]*\) declined (.*/\1/p' <<<"$line")
unsent=$(sed -n 's/.* declined (\([0-9]*\) counted in the kernel).*/\1/p' <<<"$line")
dropped=$(sed -n 's/.* \([0-9]*\) dropped; journal .*/\1/p' <<<"$line")
[ -n "$dropped" ] && [ -n "$unsent" ] || fail "the summary does not count dropped and unsent records: $line"
assert_eq "$calls" "$((events + unsent + dropped))" "records handled + counted in the kernel + dropped"
assert_eq "$((calls - 1 - dropped))" "$declined" "declined (all but the dump and the dropped)"
[ "$unsent" -gt 0 ] || fail "a storm of $calls declined events sent every record up"
cat "$out"/journal-*.jsonl >"$WORK/j"
assert_eq "$calls" "$(jq -s 'map(.count) | add' "$WORK/j")" "the journal's counts"
assert_eq "$unsent" "$(jq -s 'map(select(.count > 1 and .verdict == "declined") | .count) | add // 0' \
	"$WORK/j")" "journaled kernel counts"
n=$(wc -l <"$WORK/j")
[ "$n" -lt 2000 ] || fail "the journal grew with the storm: $n lines for $calls events"
if [ "$dropped" -gt 0 ]; then
	assert_grep "warning: [0-9]+ issue records dropped: the ring buffer was full \\($dropped in all\\)" \
		"$WORK/rec.log" "the drops said as they happen"
	assert_eq "$dropped" "$(jq -s 'map(select(.verdict == "dropped" and .issue == "syscall") | .count) |
		add // 0' "$WORK/j")" "drops journaled by detector"
fi
ok "$calls events: $events records, $unsent counted in the kernel, $dropped dropped; journal $n lines"
