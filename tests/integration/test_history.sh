#!/bin/bash
# The flight recorder: a program does open, read, a write to a pipe, a
# handled signal and a sleep, then triggers; the dump's timeline holds
# exactly those events of that thread, in order, with their arguments,
# and ends with the issue.  The kernel stack of a thread blocked in read()
# when the trigger fires is in the dump, symbolized.  A second trigger
# finds the recorder running again (the first dump released it).
. "$(dirname "$0")/../lib.sh"
require_root
command -v jq >/dev/null || fail "jq is missing"
prog=$PROGS/history_seq
file=$WORK/input.txt
printf 'flight-recorder-input\n' >"$file"	# 22 bytes
out=$WORK/out

"$LIVEDUMP" record -o "$out" -e 'r on app capture mini history=64' -- "$prog" "$file" \
	>"$WORK/rec.log" 2>&1 || fail "record failed: $(cat "$WORK/rec.log")"
cat "$WORK/rec.log"
assert_grep '^trigger ret=1' "$WORK/rec.log" "the trigger was dumped"
assert_grep '^fd [0-9]+ n 22 usr1 1' "$WORK/rec.log" "the program ran its sequence"
pid=$(sed -n 's/^pid \([0-9]*\) tid .*/\1/p' "$WORK/rec.log")
blocker=$(sed -n 's/^pid .* blocker \([0-9]*\) .*/\1/p' "$WORK/rec.log")
pipe=$(sed -n 's/^pid .* pipe \([0-9]*\)$/\1/p' "$WORK/rec.log")
fd=$(sed -n 's/^fd \([0-9]*\) n .*/\1/p' "$WORK/rec.log")
dump=$(only_dump "$out")
"$LIVEDUMP" inspect --json "$dump" >"$WORK/d.json" || fail "inspect --json failed"
"$LIVEDUMP" inspect "$dump" >"$WORK/d.txt" || fail "inspect failed"
j() { jq -r "$@" "$WORK/d.json"; }

# The history: the rule's depth, frozen at the issue, the issue last at time 0.
assert_eq 64 "$(j .history.wanted)" "history=64"
assert_eq true "$(j .history.frozen)" "frozen at the issue"
[ "$(j .history.count)" -le 64 ] || fail "more events than history=64: $(j .history.count)"
assert_eq issue "$(j '.history.events[-1].type')" "the last event"
assert_eq 0 "$(j '.history.events[-1].time_ns')" "the issue's relative time"
assert_eq 0x4157 "$(j '.history.events[-1].code')" "the issue's code"
assert_eq true "$(j '.history.events[-1].froze')" "the issue froze the history"
assert_eq true "$(j '[.history.events[].time_ns] | . == sort')" "events in time order"
ok "history: $(j .history.count) events, frozen, ending with the issue"

# The main thread's events from the marker open on, context switches aside.
j --arg f "$file" --argjson t "$pid" '
	def args: ({openat: [0, 2], read: [0, 2], write: [0, 2], kill: [0, 1],
		    clock_nanosleep: [0, 1], rt_sigreturn: []}[.name] // [0, 1, 2, 3, 4, 5]) as $a
		| [$a[] as $i | .args[$i]] | join(",");
	[.history.events[] | select(.tid == $t)] as $e
	| ($e | map(.type == "syscall" and .name == "openat" and .path == $f) | index(true)) as $i
	| $e[$i:] | map(select(.type != "switch"))
	| map(if .type == "syscall" then "\(.name)(\(args))\(if .path then " " + .path else "" end) = \(.ret)"
	      elif .type == "signal" then "signal \(.sig_name) \(.code_name) from \(.sender_pid)"
	      elif .type == "deliver" then "deliver \(.sig_name) handler=\(.handler != "0x0")"
	      else "\(.type) \(.code) \(.param)" end) | .[]' >"$WORK/seq"
# AT_FDCWD is an int: the upper half of the register may hold anything.
sed -i 's/^openat(0xffffffffffffff9c,/openat(0xffffff9c,/' "$WORK/seq"
hex() { printf '0x%x' "$1"; }
cat >"$WORK/expected" <<END
openat(0xffffff9c,0x0) $file = $fd
read($(hex "$fd"),0x40) = 22
write($(hex "$pipe"),0x16) = 22
kill($(hex "$pid"),0xa) = 0
signal USR1 SI_USER from $pid
deliver USR1 handler=true
rt_sigreturn() = 0
clock_nanosleep(0x1,0x0) = 0
issue 0x4157 0x16
END
diff -u "$WORK/expected" "$WORK/seq" || fail "the timeline is not the program's sequence"
ok "timeline: openat, read, write, kill, signal sent and taken, rt_sigreturn, clock_nanosleep, issue"

ev() { j --argjson t "$pid" "[.history.events[] | select(.tid == \$t and $1)][-1]$2"; }
assert_eq false "$(ev '.name == "openat"' .path_cut)" "openat's path is whole"
sleep_ns=$(ev '.name == "clock_nanosleep"' .dur_ns)
[ "$sleep_ns" -ge 20000000 ] || fail "the 20 ms sleep took $sleep_ns ns"
# During the sleep the thread was off its CPU, blocked (S) in clock_nanosleep (230).
j --argjson t "$pid" '[.history.events[] | select(.tid == $t)] as $e
	| ($e | map(.name == "clock_nanosleep") | rindex(true)) as $i
	| $e[$i + 1:] | map(select(.type == "switch" and .state == "S")) | .[0]' >"$WORK/sw"
assert_eq 230 "$(jq -r .syscall "$WORK/sw")" "the syscall of the switch during the sleep"
[ "$(jq -r .off_cpu_ns "$WORK/sw")" -ge 19000000 ] ||
	fail "off CPU for $(jq -r .off_cpu_ns "$WORK/sw") ns only"
assert_grep 'openat\(AT_FDCWD, "'"$file"'", O_RDONLY, 00\) = [0-9]+' "$WORK/d.txt" "text: openat"
assert_grep 'signal SIGUSR1 sent to the process by '"$pid/$pid"' "history_seq" SI_USER' \
	"$WORK/d.txt" "text: the signal"
assert_grep 'off CPU: blocked \(S, interruptible\) in clock_nanosleep for 2[0-9]\.[0-9] ms' \
	"$WORK/d.txt" "text: the sleep"
assert_grep '^ +\+0\.000000 ms +'"$pid"' .* issue +app issue, rule "r": code 0x4157 param 0x16, froze the history' \
	"$WORK/d.txt" "text: the issue"
ok "arguments, the signal, the sleep's context switch"

# The blocked thread's kernel stack, as it was when the trigger fired.
j --argjson t "$blocker" '.kernel_stacks[] | select(.tid == $t)' >"$WORK/ks"
[ -s "$WORK/ks" ] || fail "no kernel stack for the blocked thread $blocker: $(j -c .kernel_stacks)"
assert_eq wake "$(jq -r .source "$WORK/ks")" "stack source"
assert_eq S "$(jq -r .state "$WORK/ks")" "its state"
assert_eq read "$(jq -r .syscall_name "$WORK/ks")" "its syscall"
jq -r '.frames[].sym' "$WORK/ks" >"$WORK/frames"
assert_grep '^(anon_)?pipe_read\+0x[0-9a-f]+/0x[0-9a-f]+$' "$WORK/frames" "symbolized pipe read"
assert_grep '^vfs_read\+0x[0-9a-f]+/0x[0-9a-f]+$' "$WORK/frames" "symbolized vfs_read"
[ "$(jq -r '.frames[0].addr' "$WORK/ks")" != null ] || fail "BPF stacks keep their addresses"
assert_eq true "$(j --argjson t "$pid" '.kernel_stacks[] | select(.tid == $t) | .user')" \
	"the triggering thread was in user space"
assert_grep "^    tid $blocker +S +asleep at the issue .* in read\$" "$WORK/d.txt" \
	"text: the blocked thread"
assert_grep '^        0xffffffff[0-9a-f]+ vfs_read\+0x' "$WORK/d.txt" "text: its frames"
ok "the blocked thread's kernel stack, symbolized"

# Two triggers: the first dump releases the recorder, the second has a
# history of its own that still shows the first issue.
out2=$WORK/out2
# (Idle helper threads: under load the main thread can be scheduled late
# while they wake every 1 ms, and 256 events of theirs pushed the first
# issue out of the ring.)
"$LIVEDUMP" record -o "$out2" -e 'r2 on app capture mini' -- "$PROGS/trigger_regions" --count 2 \
	--idle-workers 1 \
	>"$WORK/rec2.log" 2>&1 || fail "record failed: $(cat "$WORK/rec2.log")"
assert_eq 2 "$(find "$out2" -name '*.core' | wc -l)" "dumps"
second=$(find "$out2" -name '*.core' | sort | tail -1)
"$LIVEDUMP" inspect --json "$second" >"$WORK/d2.json" || fail "inspect --json failed"
assert_eq 256 "$(jq -r .history.wanted "$WORK/d2.json")" "the default depth"
n=$(jq '[.history.events[] | select(.type == "issue")] | length' "$WORK/d2.json")
[ "$n" = 2 ] || { jq -c '.history | del(.events) , (.events[] | {type, ktime_ns, tid})' \
	"$WORK/d2.json" | tail -12; cat "$WORK/rec2.log"; } >&2	# what the ring kept
assert_eq 2 "$n" "issues in the second dump's history"
assert_eq 0xdeadbef0 "$(jq -r '.history.events[-1].param' "$WORK/d2.json")" "the second issue last"
ok "the recorder runs again after a dump"

# With a syscall rule, one program per syscall tracepoint serves the
# detector and the recorder: the history still has every call, the
# failing one right before the issue it caused.
out3=$WORK/out3
"$LIVEDUMP" record -o "$out3" -e 'enoent on syscall name=openat errno=ENOENT' -- \
	"$PROGS/syscalls_static" >"$WORK/rec3.log" 2>&1 || fail "record failed: $(cat "$WORK/rec3.log")"
"$LIVEDUMP" inspect --json "$(only_dump "$out3")" >"$WORK/d3.json" || fail "inspect --json failed"
jq -r '[.history.events[] | select(.type != "switch")] | .[-3:][]
	| if .type == "syscall" then "\(.name) \(.path // "") \(.ret)" else "\(.type)" end' \
	"$WORK/d3.json" >"$WORK/seq3"
cat >"$WORK/expected3" <<END
clock_nanosleep  0
openat /nonexistent/livedump-syscall-test -2
issue
END
diff -u "$WORK/expected3" "$WORK/seq3" || fail "the history with a syscall rule"
assert_eq 100 "$(jq '[.history.events[] | select(.name == "getppid")] | length' "$WORK/d3.json")" \
	"getppid calls in the history"
assert_eq 1 "$(jq '[.history.events[] | select(.name == "openat" and .path == "/proc/self/stat")] | length' \
	"$WORK/d3.json")" "the successful openat in the history"
ok "the history with a syscall rule: every call, the failing one last before the issue"

# record --no-history: no recorder, dumps without a history.
out4=$WORK/out4
"$LIVEDUMP" record --no-history -o "$out4" -e 'r4 on app capture mini' -- "$PROGS/trigger_regions" \
	>"$WORK/rec4.log" 2>&1 || fail "record --no-history failed: $(cat "$WORK/rec4.log")"
assert_grep 'flight recorder: off \(--no-history\)' "$WORK/rec4.log" "--no-history said"
"$LIVEDUMP" inspect --json "$(find "$out4" -name '*.core')" >"$WORK/d4.json" || fail "inspect --json failed"
assert_eq null "$(jq -c .history "$WORK/d4.json")" "history of a dump with --no-history"
ok "--no-history: a dump without a history"
