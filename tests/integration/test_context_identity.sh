#!/bin/bash
# Context dumps carry the process's identity (comm, exe, cmdline, pids in
# every pid namespace, cgroup) from BPF at the event, although the process
# is gone from /proc by the capture; the exit record's peak RSS is the
# program's own, not the collector's carried across its fork and exec.
. "$(dirname "$0")/../lib.sh"
require_root
command -v jq >/dev/null || fail "jq is missing"
command -v unshare >/dev/null || fail "unshare is missing"
prog=$PROGS/failures
root=
for r in /sys/fs/cgroup /sys/fs/cgroup/unified; do
	[ "$(stat -fc %T $r 2>/dev/null)" = cgroup2fs ] && root=$r && break
done
[ -n "$root" ] || fail "needs cgroup v2 at /sys/fs/cgroup or /sys/fs/cgroup/unified"
cg=livedump-test-ident-$$
mkdir "$root/$cg" || fail "cannot make cgroup $cg"
trap 'rmdir "$root/$cg" 2>/dev/null' EXIT

# exit(3) of pid 1 of a new pid namespace, in a cgroup of its own.
run_ns() {	# OUT
	"$LIVEDUMP" record -o "$1" -e 'x on exit status=3' -- sh -c \
		"echo \$\$ > $root/$cg/cgroup.procs && exec unshare --pid --fork $prog exit3 one two" \
		>"$WORK/log" 2>&1
}
out=$WORK/out
run_ns "$out"
dump=$(find "$out" -name '*-x-failures-*.core')
if [ -z "$dump" ]; then
	# Seen once in the VM (closing note of session 5): the program's exit
	# record did not become a dump.  Said in full, then tried once more.
	echo "NOTE: no dump for the failures program; record said:"
	cat "$WORK/log" "$out"/journal-*.jsonl
	out=$WORK/out.again
	run_ns "$out"
	dump=$(find "$out" -name '*-x-failures-*.core')
fi
# unshare exits with its child's status too: two dumps, each named by its comm.
find "$out" -name '*-x-unshare-*.core' | grep -q . || fail "no dump named for unshare"
[ -n "$dump" ] || { ls "$out"; cat "$WORK/log" "$out"/journal-*.jsonl; fail "no dump named for the failures program"; }
find "$out" -name '*unknown*' | grep -q . && fail "a dump named unknown"
j=$("$LIVEDUMP" inspect --json "$dump")
assert_eq context "$(jq -r .header.capture_type <<<"$j")" "capture type"
assert_eq failures "$(jq -r .header.comm <<<"$j")" "comm"
assert_eq "$(readlink -f "$prog")" "$(jq -r .header.exe <<<"$j")" "exe"
assert_eq "$prog exit3 one two" "$(jq -r '.cmdline | join(" ")' <<<"$j")" "cmdline"
pid=$(jq -r .header.pid <<<"$j")
assert_eq "[$pid,1]" "$(jq -c .kernel.pids <<<"$j")" "pids in both pid namespaces"
assert_eq true "$(jq -r .kernel.namespaces.pid.own <<<"$j")" "its own pid namespace"
assert_eq "/$cg" "$(jq -r .kernel.cgroup <<<"$j")" "cgroup"
assert_eq "$(stat -c %i "$root/$cg")" "$(jq -r .kernel.cgroup_id <<<"$j")" "cgroup id"
ok "identity of an exited process"

# A syscall issue with capture context: the program's one failing call is
# its last, so it has exited when the collector reads its record; the dump
# still names it by comm, exe and cmdline.
out2=$WORK/out2
"$LIVEDUMP" record -o "$out2" -e 'y on syscall name=faccessat errno=ENOENT capture context' \
	-- "$PROGS/sysfail" 1 >"$WORK/log2" 2>&1 || { tail -5 "$WORK/log2"; fail "record failed"; }
dump=$(find "$out2" -name '*-y-sysfail-*.core')
[ -n "$dump" ] || { ls "$out2"; cat "$WORK/log2"; fail "no dump named for sysfail"; }
j=$("$LIVEDUMP" inspect --json "$dump")
assert_eq sysfail "$(jq -r .header.comm <<<"$j")" "syscall: comm"
assert_eq "$(readlink -f "$PROGS/sysfail")" "$(jq -r .header.exe <<<"$j")" "syscall: exe"
assert_eq "$PROGS/sysfail 1" "$(jq -r '.cmdline | join(" ")' <<<"$j")" "syscall: cmdline"
assert_eq "$(jq -r .header.pid <<<"$j")" "$(jq -r .kernel.pid <<<"$j")" "syscall: kernel view"
assert_decoded "$dump" syscall '.errno == "ENOENT" and .syscall == "faccessat"' "syscall context dump"
ok "identity of a process gone by its syscall dump's capture"

# Peak RSS: the tiny program's (a few MiB), not the collector's (tens of MiB).
rss=$(grep -oE 'peak rss [0-9]+ KiB' "$WORK/log" | grep -oE '[0-9]+')
[ -n "$rss" ] || fail "no peak rss in: $(grep trigger: "$WORK/log")"
for r in $rss; do
	[ "$r" -lt 16384 ] || fail "peak rss $r KiB: the collector's, carried across exec"
done
ok "peak rss" $rss "KiB"
