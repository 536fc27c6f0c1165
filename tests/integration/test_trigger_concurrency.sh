#!/bin/bash
# The trigger contract under concurrency (issue 12, item 1): 8 threads call
# livedump_trigger() at once, 40 times each.  Every call returns 1, each
# after its own dump (as many dumps as calls returning 1, each journaled),
# and no status is ever written into a stack frame the caller has left
# (trigger_storm keeps a canary over the stack the calls used).  Before the
# fix, threads ran on from their trigger while another's dump was taken:
# most calls returned 0 and late writes hit the canary.
. "$(dirname "$0")/../lib.sh"
require_root

threads=8 calls=40
out=$WORK/out
"$LIVEDUMP" record -o "$out" --stack 16K -- "$PROGS/trigger_storm" $threads $calls \
	>"$WORK/rec.log" 2>&1
rc=$?
grep -v '^\(trigger\|dump\):' "$WORK/rec.log"
line=$(grep '^ret1 ' "$WORK/rec.log") || fail "trigger_storm printed no result"
read -r _ ret1 _ ret0 _ err _ corrupt <<<"$line"
total=$((threads * calls))
assert_eq 0 "$corrupt" "stack canaries overwritten by late status writes"
assert_eq 0 "$err" "calls that returned an error"
assert_eq 0 "$ret0" "calls that returned 0 (no dump) under a collector that dumps every call"
assert_eq "$total" "$ret1" "calls that returned 1"
assert_eq 0 "$rc" "record's exit status"
ndumps=$(find "$out" -maxdepth 1 -name '*.core' | wc -l)
assert_eq "$total" "$ndumps" "dump files"
assert_eq "$total" "$(grep -c '"verdict":"dumped"' "$out"/journal-*.jsonl)" "journaled dumps"
# Each call's own dump: every (code, param) pair of the calls is in the journal once.
njour=$(jq -r 'select(.verdict=="dumped") | "\(.code) \(.param)"' "$out"/journal-*.jsonl | sort -u | wc -l)
assert_eq "$total" "$njour" "distinct calls journaled as dumped"
ok "$total concurrent triggers: $ret1 answered 1 after their own dumps, no late writes"
