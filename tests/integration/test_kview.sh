#!/bin/bash
# The kernel's view in every dump: a process in its own pid namespace is
# reported with both pids (and its threads with theirs); a context capture
# (process not stopped) has the history and kernel stacks; a syscall
# issue has the kernel stack BPF took at sys_exit, symbolized.
. "$(dirname "$0")/../lib.sh"
require_root
command -v jq >/dev/null || fail "jq is missing"
prog=$PROGS/history_seq
file=$WORK/input.txt
printf 'kview\n' >"$file"

# --- a process in its own pid namespace --------------------------------------
command -v unshare >/dev/null || skip "unshare (util-linux) is missing"
unshare -p -f true 2>/dev/null || skip "cannot make a pid namespace here"
out=$WORK/ns
# unshare does not link the client library: watch the library itself.
"$LIVEDUMP" record -o "$out" -e 'ns on app capture mini history=32' \
	--lib "$O/lib/liblivedump.so.1" -- unshare -p -f "$prog" "$file" \
	>"$WORK/ns.log" 2>&1 || fail "record failed: $(cat "$WORK/ns.log")"
cat "$WORK/ns.log"
assert_grep '^pid 1 tid 1 blocker 2 ' "$WORK/ns.log" "the program is pid 1 of its namespace"
dump=$(only_dump "$out")
"$LIVEDUMP" inspect --json "$dump" >"$WORK/ns.json" || fail "inspect --json failed"
"$LIVEDUMP" inspect "$dump" >"$WORK/ns.txt" || fail "inspect failed"
hostpid=$(jq -r .header.pid "$WORK/ns.json")
[ "$hostpid" -gt 1 ] || fail "header pid $hostpid"
assert_eq "[$hostpid,1]" "$(jq -c .kernel.pids "$WORK/ns.json")" "pids in every pid namespace"
assert_eq 1 "$(jq -r .kernel.ns_pid "$WORK/ns.json")" "its own pid"
assert_eq true "$(jq -r .kernel.namespaces.pid.own "$WORK/ns.json")" "its own pid namespace"
assert_eq false "$(jq -r .kernel.namespaces.mnt.own "$WORK/ns.json")" "the collector's mount namespace"
[ "$(jq -r .kernel.namespaces.pid.inode "$WORK/ns.json")" -gt 0 ] || fail "no pid namespace inode"
assert_eq "$(readlink /proc/self/ns/mnt | tr -dc 0-9)" \
	"$(jq -r .kernel.namespaces.mnt.inode "$WORK/ns.json")" "mount namespace inode"
assert_eq "1 2" "$(jq -r '[.kernel_stacks[].ns_tid] | sort | map(tostring) | join(" ")' "$WORK/ns.json")" \
	"threads' own ids"
assert_grep "^kernel: +pid $hostpid = pid 1 in its own pid namespace" "$WORK/ns.txt" "text: both pids"
assert_grep '^  \* tid [0-9]+ \(1 in its pid namespace\)' "$WORK/ns.txt" "text: the thread's own id"
assert_eq true "$(jq '.history.count > 0' "$WORK/ns.json")" "history of a child of the launched process"
ok "pid $hostpid is pid 1 in its own pid namespace"

# --- the cgroup -----------------------------------------------------------------
cg=$(sed -n 's/^0:://p' "/proc/self/cgroup")
assert_eq "${cg:-/}" "$(jq -r .kernel.cgroup "$WORK/ns.json")" "cgroup v2 path (the collector's own)"
jq -r .kernel.cgroups "$WORK/ns.json" >"$WORK/cgroups"
assert_grep '^0::' "$WORK/cgroups" "/proc/PID/cgroup kept as read"
ok "cgroup $(jq -r .kernel.cgroup "$WORK/ns.json") (id $(jq -r .kernel.cgroup_id "$WORK/ns.json"))"

# --- capture context: not stopped, history and kernel stacks -------------------
out=$WORK/ctx
"$LIVEDUMP" record -o "$out" -e 'ctx on app capture context history=16' -- "$prog" "$file" \
	>"$WORK/ctx.log" 2>&1 || fail "record failed: $(cat "$WORK/ctx.log")"
blocker=$(sed -n 's/^pid .* blocker \([0-9]*\) .*/\1/p' "$WORK/ctx.log")
dump=$(only_dump "$out")
"$LIVEDUMP" inspect --json "$dump" >"$WORK/ctx.json" || fail "inspect --json failed"
assert_eq context "$(jq -r .header.capture_type "$WORK/ctx.json")" "capture type"
assert_eq 16 "$(jq -r .history.count "$WORK/ctx.json")" "history=16 events"
assert_eq issue "$(jq -r '.history.events[-1].type' "$WORK/ctx.json")" "the issue last"
jq --argjson t "$blocker" '.kernel_stacks[] | select(.tid == $t)' "$WORK/ctx.json" >"$WORK/ks"
# BPF's if the thread woke (the program goes on and wakes it) before the
# collector looked, else /proc's: the same blocked read either way.
jq -r .source "$WORK/ks" >"$WORK/src"
assert_grep '^(wake|proc)$' "$WORK/src" "stack source"
jq -r '.frames[].sym' "$WORK/ks" >"$WORK/frames"
assert_grep '^vfs_read\+0x' "$WORK/frames" "the blocked read, symbolized"
ok "context capture: history and kernel stacks"

# --- a syscall issue: the kernel stack at sys_exit -----------------------------
out=$WORK/sys
"$LIVEDUMP" record -o "$out" -e 'enoent on syscall name=openat errno=ENOENT limit 1' \
	-- "$PROGS/syscalls_static" >"$WORK/sys.log" 2>&1 || fail "record failed: $(cat "$WORK/sys.log")"
dump=$(only_dump "$out")
"$LIVEDUMP" inspect --json "$dump" >"$WORK/sys.json" || fail "inspect --json failed"
pid=$(jq -r .header.pid "$WORK/sys.json")
jq --argjson t "$pid" '.kernel_stacks[] | select(.tid == $t and .source == "issue")' \
	"$WORK/sys.json" >"$WORK/ks"
[ -s "$WORK/ks" ] || fail "no issue stack: $(jq -c .kernel_stacks "$WORK/sys.json")"
assert_eq false "$(jq -r .user "$WORK/ks")" "a syscall issue happens in the kernel"
jq -r '.frames[].sym' "$WORK/ks" >"$WORK/frames"
assert_grep '^do_syscall_64\+0x[0-9a-f]+/0x[0-9a-f]+$' "$WORK/frames" "the stack at sys_exit, symbolized"
jq -r '.history.events[] | select(.type == "syscall" and .name == "openat") | .path' \
	"$WORK/sys.json" >"$WORK/paths"
assert_grep '^/nonexistent/livedump-syscall-test$' "$WORK/paths" "the failing openat in the history"
assert_eq "issue 2" "$(jq -r '.history.events[-1] | "\(.type) \(.event)"' "$WORK/sys.json")" \
	"the syscall issue (event type 2) last"
ok "syscall issue: kernel stack at sys_exit, the failing call in the history"
