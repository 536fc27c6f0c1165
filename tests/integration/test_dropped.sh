#!/bin/bash
# Nothing lost without a count (issue 15's ring buffer): 300000 failing
# calls as fast as one thread makes them, each an issue record.  The ring
# buffer may fill; every record is then either handled (journaled) or
# counted as dropped, and record says how many were dropped.  Before, the
# ring dropped them silently.
. "$(dirname "$0")/../lib.sh"
require_root

calls=300000
in_vm && calls=50000
out=$WORK/out
"$LIVEDUMP" record -o "$out" -e 'e on syscall name=faccessat errno=ENOENT capture context limit 1' \
	-- "$PROGS/sysfail" $calls >"$WORK/rec.log" 2>&1 || { tail -5 "$WORK/rec.log"; fail "record failed"; }
grep -v '^\(trigger\|dump\|declined\):' "$WORK/rec.log"
line=$(grep '^summary: ' "$WORK/rec.log") || fail "no summary"
events=$(sed -n 's/^summary: \([0-9]*\) events,.*/\1/p' <<<"$line")
dropped=$(sed -n 's/.* \([0-9]*\) dropped; journal .*/\1/p' <<<"$line")
[ -n "$dropped" ] || fail "the summary does not count dropped records: $line"
assert_eq "$calls" "$((events + dropped))" "records handled + records dropped"
assert_eq "$events" "$(cat "$out"/journal-*.jsonl | wc -l)" "journal lines"
if [ "$dropped" -gt 0 ]; then
	assert_grep "warning: [0-9]+ issue records dropped: the ring buffer was full \\($dropped in all\\)" \
		"$WORK/rec.log" "the drops said as they happen"
fi
ok "$calls records: $events handled, $dropped dropped and counted"
