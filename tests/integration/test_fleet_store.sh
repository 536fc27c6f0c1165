#!/bin/bash
# list, report and script of a fleet store in a directory (file://DIR,
# docs/fleet.md "Reading a store"): real dumps of two hosts with their
# sidecars, as record --upload lays them out.  Exact counts by host and
# by signature with first/last seen and hosts; the same keys as a local
# list; a bad sidecar named by key and left out, a dump without one said;
# a sidecar whose frames lack names makes report symbolize the dump here.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib/fleet_store.sh"
require_root
skip_in_vm "nothing kernel-specific: the store is files and the dumps are captures"
command -v jq >/dev/null || fail "jq is missing (make deps installs it)"

S=$WORK/store
store_fill "$S"
URL=file://$S

# 1. list: one row per dump with its host; --json as for local dumps, host from the key.
"$LIVEDUMP" list "$URL" >"$WORK/list.txt" 2>"$WORK/list.err" || fail "list failed: $(cat "$WORK/list.err")"
cat "$WORK/list.txt"
[ -s "$WORK/list.err" ] && fail "list warned: $(cat "$WORK/list.err")"
assert_eq 5 "$(wc -l <"$WORK/list.txt")" "list lines (header + 4 dumps)"
assert_grep '^TIME +HOST +ISSUE +RULE +PID +COMM +TYPE +SIZE +STATE +SUMMARY +FILE$' "$WORK/list.txt" "list header"
assert_eq "web1 web1 web2 web2" "$(awk 'NR > 1 { print $3 }' "$WORK/list.txt" | tr '\n' ' ' | sed 's/ $//')" \
	"hosts in time order"
"$LIVEDUMP" list --json "$URL" >"$WORK/list.json" || fail "list --json failed"
assert_eq 4 "$(jq '.dumps | length' "$WORK/list.json")" "list --json dumps"
for i in 0 1 2 3; do
	assert_eq "$URL/${STORE_DUMPS[$i]}" "$(jq -r ".dumps[$i].file" "$WORK/list.json")" "file of dump $i"
done
# Every key of a local list, with the same values but file and host.
"$LIVEDUMP" list --json "$S"/web1/*/ "$S"/web2/*/ >"$WORK/local.json" || fail "local list --json failed"
jq -e --slurpfile l "$WORK/local.json" '[.dumps[] | del(.file, .host)] == [$l[0].dumps[] | del(.file, .host)]' \
	"$WORK/list.json" >/dev/null ||
	fail "store and local list differ: $(diff <(jq -S '[.dumps[] | del(.file, .host)]' "$WORK/list.json") \
		<(jq -S '[.dumps[] | del(.file, .host)]' "$WORK/local.json") | head -20)"
assert_eq 2 "$("$LIVEDUMP" list --json --since 1h "$URL" "$S/web1/"*/ | jq '[.dumps[] | select(.host == "web1")] | length')" \
	"a store with a local directory: web1 twice from the store"
ok "list of a store: hosts, order, the keys of a local list"

# 2. report: by host, by signature with hosts and first/last seen.
"$LIVEDUMP" report --json "$URL" >"$WORK/report.json" 2>"$WORK/report.err" ||
	fail "report --json failed: $(cat "$WORK/report.err")"
q() { jq -c "$1" "$WORK/report.json"; }
assert_eq 4 "$(q .dumps.counted)" "dumps counted"
assert_eq '[["web1",2],["web2",2]]' "$(q '[.by_host[] | [.host, .count]]')" "by host"
assert_eq '[[3,2],[1,1]]' "$(q '[.stacks[] | [.count, .hosts]]')" "stacks: count and hosts"
jq -e '.stacks[0].folded | endswith(";main;pause")' "$WORK/report.json" >/dev/null ||
	fail "top signature is not main's pause: $(q '.stacks[0].folded')"
jq -e '.stacks[1].folded | test(";sleep_in_beta;")' "$WORK/report.json" >/dev/null ||
	fail "second signature is not sleep_in_beta: $(q '.stacks[1].folded')"
t() { "$LIVEDUMP" inspect --json "$S/${STORE_DUMPS[$1]}" | jq -r .header.issue_time; }
assert_eq "\"$(t 0)\"" "$(q .stacks[0].first)" "first seen of the top signature"
assert_eq "\"$(t 2)\"" "$(q .stacks[0].last)" "last seen of the top signature"
assert_eq "\"$(t 3)\"" "$(q .stacks[1].first)" "first seen of the second signature"
assert_eq "[\"$(t 0)\",\"$(t 3)\",2]" "$(q '.by_issue[0] | [.first, .last, .hosts]')" "by issue: first, last, hosts"
"$LIVEDUMP" report --json --by host,stack "$URL" >"$WORK/hs.json" || fail "report --by host,stack failed"
assert_eq '[["web1",0,2],["web2",0,1],["web2",1,1]]' \
	"$(jq -c '[.sorted.rows[] | [.keys.host, .keys.stack, .count]]' "$WORK/hs.json")" "rows by host and stack"
"$LIVEDUMP" report "$URL" >"$WORK/report.txt" 2>&1 || fail "report failed: $(cat "$WORK/report.txt")"
cat "$WORK/report.txt"
assert_grep '^4 dumps on 2 hosts, ' "$WORK/report.txt" "text: the summary line"
assert_grep '^By host$' "$WORK/report.txt" "text: the host section"
assert_grep '^ +2 +50\.0 +1 +[0-9-]+ [0-9:]+ +[0-9-]+ [0-9:]+ +web2$' "$WORK/report.txt" "text: host row"
assert_grep '^Top signatures across the fleet' "$WORK/report.txt" "text: signatures heading"
assert_grep '^  #1  3 dumps \(75\.0%\)  on 2 hosts, first [0-9-]+ [0-9:]+, last [0-9-]+ [0-9:]+ ' \
	"$WORK/report.txt" "text: top signature with hosts and times"
ok "report of a store: by host, signatures with hosts and first/last seen"

# 3. script: each event with its host (dumps no journal mentions, from their headers).
"$LIVEDUMP" script --json "$URL" >"$WORK/script.jsonl" 2>"$WORK/script.err" ||
	fail "script --json failed: $(cat "$WORK/script.err")"
assert_eq '["web1","web1","web2","web2"]' "$(jq -s -c 'map(.host)' "$WORK/script.jsonl")" "script hosts"
assert_eq "$(for k in "${STORE_DUMPS[@]}"; do basename "$k"; done | jq -R . | jq -s -c .)" \
	"$(jq -s -c 'map(.dump)' "$WORK/script.jsonl")" "script dumps"
"$LIVEDUMP" script "$URL" >"$WORK/script.txt" || fail "script failed"
assert_grep '^HOST +TIME +RULE' "$WORK/script.txt" "script text: host column"
ok "script of a store: events with their hosts"

# 3b. A host's journal: its events (declined ones too) with the host, its dumps once.
S2=$WORK/store2
cp -a "$S" "$S2"
"$LIVEDUMP" record -o "$WORK/rec" -e 'alpha on app code=0x1001' -e 'beta on app code=0x1002 limit 1' \
	-- "$PROGS/trigger_regions" --code 0x1001 --code 0x1002 --code 0x1002 >"$WORK/rec.log" 2>&1 ||
	fail "record failed: $(tail -5 "$WORK/rec.log")"
mkdir -p "$S2/web3/journal"
cp "$WORK"/rec/journal-*.jsonl "$S2/web3/journal/"
for f in "$WORK"/rec/*.core; do
	day=$(date -u -d "@$("$LIVEDUMP" inspect --json "$f" | jq -r '.header.issue_time_ns | tonumber / 1e9 | floor')" +%F)
	mkdir -p "$S2/web3/$day"
	cp "$f" "$S2/web3/$day/"
	"$LIVEDUMP" inspect --sidecar --host web3 "$f" >"$S2/web3/$day/$(basename "$f").meta.json"
done
"$LIVEDUMP" script --json "$WORK/rec" >"$WORK/local.jsonl" || fail "script of the local session failed"
"$LIVEDUMP" script --json "file://$S2" >"$WORK/script2.jsonl" 2>"$WORK/script2.err" ||
	fail "script of the store failed: $(cat "$WORK/script2.err")"
assert_eq "$(jq -s -c 'map(del(.host))' "$WORK/local.jsonl")" \
	"$(jq -s -c 'map(select(.host == "web3") | del(.host))' "$WORK/script2.jsonl")" \
	"web3's events: its journal's, as a local script prints them"
assert_eq '["dumped","dumped","declined"]' \
	"$(jq -s -c 'map(select(.host == "web3") | .verdict)' "$WORK/script2.jsonl")" "web3's verdicts"
assert_eq 7 "$(jq -s 'length' "$WORK/script2.jsonl")" "events: 4 dumps of web1 and web2, web3's 3"
ok "script of a store: a host's journal, its dumps once"

# 4. A sidecar that lies is named by its key and left out; a dump without one is said.
sc=$S/${STORE_DUMPS[1]}.meta.json
cp "$sc" "$WORK/good.json"
jq -c '.time_ns = "soon"' "$WORK/good.json" >"$sc"
"$LIVEDUMP" list --json "$URL" >"$WORK/bad.json" 2>"$WORK/bad.err" || fail "list with a bad sidecar failed"
assert_eq 3 "$(jq '.dumps | length' "$WORK/bad.json")" "dumps listed beside a bad sidecar"
assert_grep "${STORE_DUMPS[1]}\\.meta\\.json: bad sidecar, not listed: key \"time_ns\": \"soon\" is not a number" \
	"$WORK/bad.err" "message for a bad sidecar"
printf '{"version":1,' >"$sc"
"$LIVEDUMP" report --json "$URL" >"$WORK/bad2.json" 2>"$WORK/bad2.err" || fail "report with a cut sidecar failed"
assert_eq 3 "$(jq .dumps.counted "$WORK/bad2.json")" "dumps counted beside a cut sidecar"
assert_grep 'bad sidecar, not listed: not a JSON object' "$WORK/bad2.err" "message for a cut sidecar"
rm "$sc"
"$LIVEDUMP" list "$URL" >/dev/null 2>"$WORK/nosc.err" || fail "list without a sidecar failed"
assert_grep "${STORE_DUMPS[1]}: no sidecar \(.*\.meta\.json\): not listed" "$WORK/nosc.err" "dump without a sidecar"
cp "$WORK/good.json" "$sc"
ok "store: bad and missing sidecars named, the rest listed"

# 5. Frames the uploading host could not name: report symbolizes the dump here.
jq -c '.signature.frames |= map(.function = null) | .signature.folded = "x"' "$WORK/good.json" >"$sc"
"$LIVEDUMP" report --json "$URL" >"$WORK/sym.json" 2>"$WORK/sym.err" || fail "report failed: $(cat "$WORK/sym.err")"
assert_eq '[[3,2],[1,1]]' "$(jq -c '[.stacks[] | [.count, .hosts]]' "$WORK/sym.json")" \
	"stacks when one sidecar has no names (the dump symbolized here)"
cp "$WORK/good.json" "$sc"
ok "report: a dump whose sidecar lacks names is symbolized here"

# 6. A group dump (scope=peers: a UNIX client and its server) in the store:
#    its manifest beside the dumps makes it one issue, as in a directory.
sock=$WORK/sock
start_bg "$WORK/srv" "$PROGS/group" server "$sock"; SP=$BG_PID
wait_for grep -q '^ready' "$WORK/srv" || fail "server did not start"
mkfifo "$WORK/fifo"	# held by the client, not by this script (which runs the collector)
exec 9<>"$WORK/fifo"
start_bg "$WORK/cli" "$PROGS/group" client "$sock" "$WORK/peers.go"; CP=$BG_PID
exec 9>&-
wait_for grep -q '^ready' "$WORK/cli" || fail "client did not start"
start_bg "$WORK/peers.log" "$LIVEDUMP" record -o "$WORK/peers" -p "$CP" \
	-e 'peers on syscall name=faccessat errno=ENOENT capture mini scope=peers'
rec=$BG_PID
wait_for grep -q '^recording into' "$WORK/peers.log" || fail "record did not start: $(cat "$WORK/peers.log")"
touch "$WORK/peers.go"
wait_for grep -q '^group:' "$WORK/peers.log" || fail "no group dump: $(cat "$WORK/peers.log")"
kill -INT "$rec"
wait "$rec" || fail "record failed: $(cat "$WORK/peers.log")"
kill -KILL "$SP" "$CP"
G=$WORK/store3
day=$(date -u +%F)
mkdir -p "$G/web4/$day"
cp "$WORK"/peers/*.core "$WORK"/peers/*.group "$G/web4/$day/"
for f in "$WORK"/peers/*.core; do
	"$LIVEDUMP" inspect --sidecar --host web4 "$f" >"$G/web4/$day/$(basename "$f").meta.json"
done
jq -e '.group.scope == "peers" and .group.members == 2' "$G/web4/$day/"*"-$CP.core.meta.json" >/dev/null ||
	fail "the trigger's sidecar has no group: $(jq -c .group "$G/web4/$day/"*"-$CP.core.meta.json")"
"$LIVEDUMP" list "file://$G" >"$WORK/glist.txt" 2>"$WORK/glist.err" || fail "list failed: $(cat "$WORK/glist.err")"
cat "$WORK/glist.txt"
assert_eq 2 "$(wc -l <"$WORK/glist.txt")" "list of a group: one row"
assert_grep ' web4 .*group of 2 \(peers, 2 dumped\)' "$WORK/glist.txt" "the group's row"
"$LIVEDUMP" list --json "file://$G" >"$WORK/glist.json" || fail "list --json failed"
assert_eq '["peer","trigger"]' "$(jq -c '[.dumps[].group.role] | sort' "$WORK/glist.json")" "roles"
"$LIVEDUMP" report --json "file://$G" >"$WORK/greport.json" || fail "report --json failed"
assert_eq '[1,2,"peers"]' "$(jq -c '[.dumps.counted, (.groups[0].members | length), .groups[0].scope]' \
	"$WORK/greport.json")" "report: one issue, one group of two"
ok "a group dump in a store: one issue, its manifest read"
