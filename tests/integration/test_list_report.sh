#!/bin/bash
# list and report on a directory of dumps made by the test programs:
# exact counts per issue, rule, executable and code; the stacks of the
# triggering thread with their function names, file:line, also from a
# binary built with -fomit-frame-pointer; JSON that jq parses with the
# documented fields; folded output; cut and damaged dumps listed as such
# without stopping report.
. "$(dirname "$0")/../lib.sh"
require_root
skip_in_vm "list and report read dump files: user space (the app triggers that make them are tested here by test_probes, test_rules_*)"
command -v jq >/dev/null || fail "jq is missing (make deps installs it)"

D=$WORK/dumps

# 1. Six dumps: alpha x1, beta x2 (trigger_regions), deep x2 (the _nofp
#    chain), manual x1 (capture -p of threads_busy).
"$LIVEDUMP" record -o "$D" -e 'alpha on app code=0x1001' -e 'beta on app code=0x1002' \
	-- "$PROGS/trigger_regions" --code 0x1001 --code 0x1002 --code 0x1002 >"$WORK/rec1.log" 2>&1 ||
	fail "record trigger_regions failed: $(tail -5 "$WORK/rec1.log")"
"$LIVEDUMP" record -o "$D" -e 'deep on app code=0x2001' \
	-- "$PROGS/trigger_chain_nofp" --count 2 >"$WORK/rec2.log" 2>&1 ||
	fail "record trigger_chain_nofp failed: $(tail -5 "$WORK/rec2.log")"
start_bg "$WORK/busy.out" "$PROGS/threads_busy"
wait_for grep -q '^ready' "$WORK/busy.out" || fail "threads_busy did not start"
sleep 0.2
"$LIVEDUMP" capture -p "$BG_PID" -o "$D" >"$WORK/cap.log" 2>&1 || fail "capture failed: $(cat "$WORK/cap.log")"
kill "$BG_PID"
assert_eq 6 "$(find "$D" -name '*.core' | wc -l)" "dumps made"

# 2. list: one line per dump, oldest first, every one complete.
"$LIVEDUMP" list "$D" >"$WORK/list.txt" 2>"$WORK/list.err" || fail "list failed: $(cat "$WORK/list.err")"
cat "$WORK/list.txt"
assert_eq 7 "$(wc -l <"$WORK/list.txt")" "list lines (header + dumps)"
assert_grep '^TIME +ISSUE +RULE +PID +COMM +TYPE +SIZE +STATE +SUMMARY +FILE$' "$WORK/list.txt" "list header"
assert_grep '^[0-9-]+ [0-9:]+ +app +alpha +[0-9]+ +trigger_regions +mini +[0-9.]+K +complete +livedump_trigger\(\) code 0x1001 .* +[0-9T.]+-alpha-trigger_regions-[0-9]+\.core$' \
	"$WORK/list.txt" "list line of the alpha dump, with its summary"
assert_grep ' manual +manual +[0-9]+ +threads_busy +mini ' "$WORK/list.txt" "list line of the capture"
grep -q $'\033' "$WORK/list.txt" && fail "colour codes in output to a file"
"$LIVEDUMP" list --color always "$D" | grep -q $'\033\[1mTIME' || fail "--color always gives no colour"
assert_eq "alpha beta beta deep deep manual" \
	"$(awk 'NR > 1 { print $4 }' "$WORK/list.txt" | tr '\n' ' ' | sed 's/ $//')" "list order (oldest first)"

"$LIVEDUMP" list --json "$D" >"$WORK/list.json" || fail "list --json failed"
jq -e '.version == 1 and (.dumps | length) == 6' "$WORK/list.json" >/dev/null || fail "list --json: not 6 dumps"
for f in file name size state why has_header time time_ns issue rule pid tid comm exe code code_hex capture_type; do
	jq -e --arg f "$f" 'all(.dumps[]; has($f))' "$WORK/list.json" >/dev/null ||
		fail "list --json: field $f missing"
done
assert_eq 2 "$(jq '[.dumps[] | select(.rule == "deep" and .state == "complete" and .code == 8193
	and .code_hex == "0x2001" and .capture_type == "mini" and .issue == "app"
	and (.exe | endswith("/trigger_chain_nofp")))] | length' "$WORK/list.json")" "list --json of the deep dumps"
jq -e '.dumps | map(.time_ns | tonumber) | . == sort' "$WORK/list.json" >/dev/null || fail "list --json not in time order"
assert_eq 2 "$("$LIVEDUMP" list --json --comm trigger_chain_n "$D" | jq '.dumps | length')" "list --comm"
assert_eq 6 "$("$LIVEDUMP" list --json --since 1h "$D" | jq '.dumps | length')" "list --since 1h"
assert_eq 0 "$("$LIVEDUMP" list --json --since "@$(($(date +%s) + 3600))" "$D" | jq '.dumps | length')" \
	"list --since in the future"
"$LIVEDUMP" list --since soon "$D" >/dev/null 2>"$WORK/err"; rc=$?
assert_eq 2 "$rc" "list --since with a bad time"
assert_grep "--since 'soon': expected" "$WORK/err" "bad --since message"
ok "list: lines, order, colour only when asked, JSON fields, filters"

# 3. report --json: exact counts per issue, rule, executable and code.
"$LIVEDUMP" report --json "$D" >"$WORK/report.json" 2>"$WORK/report.err" ||
	fail "report --json failed: $(cat "$WORK/report.err")"
q() { jq -c "$1" "$WORK/report.json"; }
assert_eq 1 "$(q .version)" "report version"
assert_eq '{"total":6,"counted":6,"complete":6,"cut":0,"damaged":0,"no_header":0,"filtered_out":0}' \
	"$(q .dumps)" "report dump counts"
assert_eq '[["app",5],["manual",1]]' "$(q '[.by_issue[] | [.issue, .count]]')" "counts by issue"
assert_eq '[["beta",2],["deep",2],["alpha",1],["manual",1]]' "$(q '[.by_rule[] | [.rule, .count]]')" \
	"counts by rule"
assert_eq '[["0x1002",2],["0x2001",2],["0x1001",1],["0x0",1]]' "$(q '[.by_code[] | [.code_hex, .count]]')" \
	"counts by code"
assert_eq '[["trigger_regions",3],["trigger_chain_nofp",2],["threads_busy",1]]' \
	"$(q '[.by_exe[] | [(.exe | split("/") | last), .count]]')" "counts by executable"
assert_eq '[50,33.3,16.7]' "$(q '[.by_exe[].percent * 10 | round / 10]')" "percentages"
for f in count percent example folded truncated frames; do
	jq -e --arg f "$f" 'all(.stacks[]; has($f))' "$WORK/report.json" >/dev/null || fail "stacks: field $f missing"
done
for f in pc function offset module module_offset file line inlined kernel; do
	jq -e --arg f "$f" 'all(.stacks[].frames[]; has($f))' "$WORK/report.json" >/dev/null ||
		fail "frames: field $f missing"
done
for f in sorted problems missing_objects first last filters; do
	jq -e --arg f "$f" 'has($f)' "$WORK/report.json" >/dev/null || fail "report: field $f missing"
done

# The stacks: the triggering thread of each program, symbolized.
fns() { jq -r --arg n "$1" '.stacks[] | select(.count == ($n | tonumber)) | [.frames[].function] | join(" ")' "$WORK/report.json"; }
assert_eq 3 "$(q '.stacks | length')" "distinct stacks"
assert_eq '[3,2,1]' "$(q '[.stacks[].count]')" "stack counts"
# libc's own frames are named only where its debug info is installed: not checked.
[[ $(fns 3) == "livedump_trigger trigger_site main "* ]] ||
	fail "trigger_regions stack: $(fns 3)"
[[ $(fns 2) == "livedump_trigger chain_three chain_two chain_one main "* ]] ||
	fail "stack of the -fomit-frame-pointer chain: $(fns 2)"
[[ $(fns 1) == "pause main "* ]] || fail "threads_busy main thread: $(fns 1)"
assert_eq '["trigger_chain_nofp.c",true]' \
	"$(q '[.stacks[1].frames[] | select(.function == "chain_two")] | first | [(.file | split("/") | last), (.line > 0)]')" \
	"file:line of chain_two"
assert_eq '[false]' "$(q '[.stacks[].frames[].kernel] | unique')" "no kernel frames yet"
ok "report --json: exact counts, symbolized stacks (also -fomit-frame-pointer), documented fields"

# 4. --folded: 'root;...;leaf COUNT', one line per stack, counts add up.
"$LIVEDUMP" report --folded "$D" >"$WORK/folded" || fail "report --folded failed"
cat "$WORK/folded"
assert_eq 3 "$(wc -l <"$WORK/folded")" "folded lines"
grep -vqE '^[^ ;]+(;[^ ;]+)* [0-9]+$' "$WORK/folded" && fail "a folded line is not 'a;b;c N'"
assert_eq 6 "$(awk '{ s += $NF } END { print s }' "$WORK/folded")" "folded counts"
assert_grep '^_start;__libc_start_main;[^;]+;main;chain_one;chain_two;chain_three;livedump_trigger 2$' \
	"$WORK/folded" "folded stack of the chain, root first"
ok "report --folded"

# 5. Text: sections, aligned tables, the stacks with file:line.
"$LIVEDUMP" report "$D" >"$WORK/report.txt" 2>&1 || fail "report failed"
cat "$WORK/report.txt"
for s in 'By issue type' 'By rule' 'By executable' 'By code' 'Stacks of the thread that hit the issue'; do
	assert_grep "^$s\$" "$WORK/report.txt" "section $s"
done
assert_grep '^6 dumps, ' "$WORK/report.txt" "summary line"
assert_grep '^ +2 +33\.3 +beta$' "$WORK/report.txt" "rule row"
assert_grep '^ +#2 +2 dumps \(33\.3%\) +e\.g\. .*-deep-trigger_chain_n-[0-9]+\.core$' "$WORK/report.txt" "stack heading"
assert_grep '^ +chain_two\+0x[0-9a-f]+ +trigger_chain_nofp +trigger_chain_nofp\.c:[0-9]+$' "$WORK/report.txt" \
	"frame line with file:line"

# --sort: one histogram over the keys given.
"$LIVEDUMP" report --json --sort rule,code "$D" >"$WORK/sorted.json" || fail "report --sort failed"
assert_eq '[["beta","0x1002",2],["deep","0x2001",2],["alpha","0x1001",1],["manual","0x0",1]]' \
	"$(jq -c '[.sorted.rows[] | [.keys.rule, .keys.code_hex, .count]]' "$WORK/sorted.json")" "--sort rule,code"
"$LIVEDUMP" report --sort comm,stack "$D" >"$WORK/sorted.txt" || fail "report --sort comm,stack failed"
assert_grep '^By comm, stack$' "$WORK/sorted.txt" "--sort heading"
assert_grep '#1 +3 dumps \(50\.0%\) +comm trigger_regions' "$WORK/sorted.txt" "--sort comm,stack row"
"$LIVEDUMP" report --sort Nope "$D" >/dev/null 2>"$WORK/err"; rc=$?
assert_eq 2 "$rc" "--sort with an unknown key"
assert_grep "'Nope' is not a key" "$WORK/err" "--sort error"
# Any other lower-case word is a decoded field: app dumps have code, none has errno.
"$LIVEDUMP" report --json --by errno "$D" >"$WORK/byerrno.json"
assert_eq "$(jq .dumps.counted "$WORK/byerrno.json")" "$(jq '[.sorted.rows[] | select(.keys.errno == "-") | .count] | add' "$WORK/byerrno.json")" \
	"report --by a field no dump has: all under -"
"$LIVEDUMP" report --by issue,errno "$D" >/dev/null 2>"$WORK/err" || fail "report --by issue,errno: $(cat "$WORK/err")"
assert_eq 2 "$("$LIVEDUMP" report --json --comm trigger_chain_n "$D" | jq .dumps.counted)" "report --comm"
assert_eq 0 "$("$LIVEDUMP" report --json --since "@$(($(date +%s) + 3600))" "$D" | jq .dumps.counted)" \
	"report --since in the future"
ok "report text, --sort, --comm, --since"

# 6. A cut copy, a copy cut inside its ELF header, and a damaged copy:
#    listed as such, and report reads the rest.
nofp=$(find "$D" -name '*-deep-*.core' | head -1)
size=$(stat -c %s "$nofp")
head -c $((size - 5000)) "$nofp" >"$D/cut.core"
head -c 30 "$nofp" >"$D/stub.core"
cp "$nofp" "$D/damaged.core"
printf 'XXXX' | dd of="$D/damaged.core" bs=1 conv=notrunc 2>/dev/null
"$LIVEDUMP" list "$D" >"$WORK/list2.txt" 2>"$WORK/list2.err" || fail "list with cut dumps failed"
cat "$WORK/list2.txt" "$WORK/list2.err"
assert_eq 10 "$(wc -l <"$WORK/list2.txt")" "list lines with the bad copies"
assert_grep ' deep +[0-9]+ +trigger_chain_n +mini +[0-9.]+K +cut +livedump_trigger\(\) code 0x2001 .* +cut\.core$' "$WORK/list2.txt" "cut dump listed as cut"
assert_grep ' cut +- +stub\.core$' "$WORK/list2.txt" "dump cut in its ELF header listed as cut"
assert_grep ' damaged +- +damaged\.core$' "$WORK/list2.txt" "damaged dump listed"
assert_grep 'damaged\.core: ' "$WORK/list2.err" "damaged dump warned about"
assert_eq '[["cut.core","cut"],["damaged.core","damaged"],["stub.core","cut"]]' \
	"$("$LIVEDUMP" list --json "$D" | jq -c '[.dumps[] | select(.state != "complete") | [.name, .state]] | sort')" \
	"list --json states"

"$LIVEDUMP" report --json "$D" >"$WORK/report2.json" 2>"$WORK/report2.err"; rc=$?
cat "$WORK/report2.err"
assert_eq 0 "$rc" "report with cut and damaged dumps"
assert_eq '{"total":9,"counted":7,"complete":6,"cut":2,"damaged":1,"no_header":1,"filtered_out":0}' \
	"$(jq -c .dumps "$WORK/report2.json")" "report counts with the bad copies"
assert_eq 3 "$(jq '[.by_rule[] | select(.rule == "deep")][0].count' "$WORK/report2.json")" "the cut dump counts"
assert_eq '[["cut.core","cut",true],["damaged.core","damaged",false],["stub.core","cut",false]]' \
	"$(jq -c '[.problems[] | [(.file | split("/") | last), .state, .counted]] | sort' "$WORK/report2.json")" \
	"report problems"
assert_grep 'damaged\.core: .*\(skipped\)' "$WORK/report2.err" "report warns about the damaged dump"
"$LIVEDUMP" report --folded "$D" >"$WORK/folded2" 2>/dev/null || fail "report --folded with bad copies failed"
assert_eq 7 "$(awk '{ s += $NF } END { print s }' "$WORK/folded2")" "folded counts with the cut dump"
ok "cut and damaged dumps: listed as such, report reads the rest"

# 7. No dumps, and a directory that does not exist.
mkdir "$WORK/empty"
"$LIVEDUMP" list "$WORK/empty" >"$WORK/out" 2>&1 || fail "list of an empty directory failed"
assert_grep 'no dumps' "$WORK/out" "empty list message"
"$LIVEDUMP" report "$WORK/nowhere" >"$WORK/out" 2>&1; rc=$?
assert_eq 1 "$rc" "report of a missing directory"
assert_grep "cannot read $WORK/nowhere: No such file or directory" "$WORK/out" "missing directory message"
ok "empty and missing directories"
