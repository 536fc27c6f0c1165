#!/bin/bash
# record re-reads its rules on SIGHUP (issue 19, item 3): a rule added takes
# effect, one removed stops, the BPF programs and links stay the very same
# (nothing detached or loaded again), a file with an error is refused with
# its file:line:col and the old rules stay in force, rules that would need
# a program not loaded are refused saying which; every reload is journaled;
# and an event storm across a reload is counted exactly.
. "$(dirname "$0")/../lib.sh"
require_root
command -v jq >/dev/null || fail "jq is missing"

out=$WORK/out
rules=$WORK/live.rules
cat >"$rules" <<'R'
# a comment, as in a shipped file
one on app code=0x1111 capture mini
R
start_bg "$WORK/rec.log" "$LIVEDUMP" record -o "$out" -r "$rules" -x "$PROGS/trigger_regions" --lib "$O/lib/liblivedump.so.1"
rec=$BG_PID
wait_for grep -q '^recording into' "$WORK/rec.log" || fail "record did not start: $(cat "$WORK/rec.log")"

# The collector's own programs and links, by id (its fds' fdinfo): a reload
# must keep them.
bpf_ids() {	# prog_id or link_id
	grep -h "^$1:" /proc/"$rec"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -un | xargs
}
progs=$(bpf_ids prog_id) links=$(bpf_ids link_id)
[ -n "$progs" ] && [ -n "$links" ] || fail "no BPF programs or links in pid $rec's fds"

trig() {	# trigger_regions with the given codes; prints its output
	"$PROGS/trigger_regions" "$@" >"$WORK/t.out" 2>&1 || fail "trigger_regions failed: $(cat "$WORK/t.out")"
}
dumps() { find "$out" -name '*.core' | wc -l; }
reloads_done() { [ "$(grep -c '^reload: \(done\|refused\)' "$WORK/rec.log")" -ge "$1" ]; }
reload() {	# wait for the Nth reload's last line
	local n=$1
	kill -HUP "$rec"
	wait_for reloads_done "$n" ||
		fail "reload $n did not finish: $(tail -5 "$WORK/rec.log")"
}

trig --code 0x1111 --code 0x2222
assert_eq "trigger ret=1 trigger ret=0" "$(grep -o '^trigger ret=[01]' "$WORK/t.out" | xargs)" \
	"before: only rule one dumps"
assert_eq 1 "$(dumps)" "dumps before the reload"

# 1. A rule added.
echo 'two on app code=0x2222 capture mini limit 5/10m' >>"$rules"
reload 1
assert_grep '^reload: done, 2 rules in force \(1 before\)$' "$WORK/rec.log" "reload 1"
assert_grep '^rule: two on app code=0x2222 ' "$WORK/rec.log" "the new rule is listed"
trig --code 0x1111 --code 0x2222
assert_eq "trigger ret=1 trigger ret=1" "$(grep -o '^trigger ret=[01]' "$WORK/t.out" | xargs)" \
	"after the reload both rules dump"
assert_eq 3 "$(dumps)" "dumps after reload 1"
assert_eq "$progs" "$(bpf_ids prog_id)" "BPF programs after the reload"
assert_eq "$links" "$(bpf_ids link_id)" "BPF links after the reload"
ok "a rule added: it dumps, nothing was detached or loaded again"

# 2. A file with an error: refused with file:line:col, the old rules stay.
cp "$rules" "$WORK/good.rules"
echo 'three on app cod=0x3333' >>"$rules"
reload 2
assert_grep "^reload: refused, the rules in force stay: $rules:4:[0-9]+: unknown key 'cod'" \
	"$WORK/rec.log" "the refusal names file:line:col"
trig --code 0x1111 --code 0x2222
assert_eq "trigger ret=1 trigger ret=1" "$(grep -o '^trigger ret=[01]' "$WORK/t.out" | xargs)" \
	"after a refused reload the old rules dump"
ok "a bad file is refused, the old rules stay in force"

# 3. Rules that need a BPF program the running ones did not load.
cp "$WORK/good.rules" "$rules"
echo 'slow on syscall name=openat latency>1s' >>"$rules"
reload 3
assert_grep '^reload: refused, the rules in force stay: they need BPF program [a-z0-9_]+, which the running rules did not load$' \
	"$WORK/rec.log" "the refusal says what would need a new load"
ok "rules that need a new load are refused, saying which program"

# 4. A rule removed, and a storm across a reload: 100000 triggers of
#    rule two (5 dumps at most, the rest declined, most counted in the
#    kernel) while rule one goes away; every trigger is in the journal,
#    exactly once.
cp "$WORK/good.rules" "$rules"
sed -i '/^one /d' "$rules"
storm_n=100000
"$PROGS/trigger_regions" --count $storm_n --code 0x2222 >"$WORK/storm.out" 2>&1 &
storm=$!
storm_started() { [ "$(grep -c '^trigger ret=' "$WORK/storm.out")" -ge 100 ]; }
wait_for storm_started || fail "the storm did not start: $(tail -3 "$WORK/storm.out")"
kill -0 "$storm" 2>/dev/null || fail "the storm ended before the reload: make it longer"
reload 4
during=$(grep -c '^trigger ret=' "$WORK/storm.out")
wait "$storm" || fail "the storm's trigger_regions failed: $(tail -3 "$WORK/storm.out")"
assert_grep '^reload: done, 1 rules in force \(2 before\)$' "$WORK/rec.log" "reload 4"
trig --code 0x1111
assert_eq "trigger ret=0" "$(grep -o '^trigger ret=[01]' "$WORK/t.out" | xargs)" "rule one removed"

kill -INT "$rec"
wait "$rec" || fail "record failed: $(tail -5 "$WORK/rec.log")"
cat "$out"/journal-*.jsonl >"$WORK/j"
assert_eq "reloaded refused refused reloaded" \
	"$(jq -r 'select(.issue == "reload") | .verdict' "$WORK/j" | xargs)" "reloads journaled"
jq -e -s 'map(select(.issue == "reload" and .verdict == "refused"))[0].reason | test("live.rules:4:[0-9]+: unknown key")' \
	"$WORK/j" >/dev/null || fail "the journal's refusal does not name file:line:col"
echo "the reload came after $during of $storm_n storm triggers"
[ "$during" -lt "$storm_n" ] || fail "the storm was over before the reload was done"
# rule two: 1 + 1 + the storm's events (the 5/10m limit counts all); a
# record the kernel could not queue (the ring was full) is journaled as
# dropped, by detector, without a rule.
jq -c 'select(.verdict == "dropped")' "$WORK/j"
assert_eq $((storm_n + 2)) "$(jq -s 'map(select(.rule == "two" or .verdict == "dropped") |
	(if .count then .count else 1 end)) | add' "$WORK/j")" \
	"rule two's events in the journal, counted across the reload"
assert_eq 5 "$(jq -s 'map(select(.rule == "two" and .verdict == "dumped")) | length' "$WORK/j")" \
	"rule two's dumps: its limit carried across the reload"
assert_eq $storm_n "$(grep -c '^trigger ret=' "$WORK/storm.out")" "storm triggers"
ok "the storm across a reload: every event journaled once, the limit kept"
