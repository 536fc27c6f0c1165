#!/bin/bash
# The crash path: while a collector has rules that want the memory of
# crashing processes, it is the core_pattern handler.  A selected crash
# becomes a dump gdb unwinds; any other crash still reaches the previous
# handler; core_pattern is restored on exit and after SIGKILL.
. "$(dirname "$0")/../lib.sh"
require_root
command -v jq >/dev/null || fail "jq is missing"
prog=$PROGS/failures
orig=$(cat /proc/sys/kernel/core_pattern)
mkdir -p "$WORK/cores"
chmod 755 "$WORK"
# The previous handler for this test: a plain core file in our directory.
prev="$WORK/cores/core.%p"
[ ${#prev} -lt 120 ] || skip "work directory path too long for core_pattern"
echo "$prev" >/proc/sys/kernel/core_pattern
trap 'echo "$orig" >/proc/sys/kernel/core_pattern; cleanup' EXIT

# 1. A selected SEGV: a mini dump from the kernel's core, gdb shows the function.
out=$WORK/out1
"$LIVEDUMP" record -o "$out" -e 'crash on signal sig=SEGV capture mini' -- "$prog" segv >"$WORK/r1.log" 2>&1
cat "$WORK/r1.log"
assert_grep '^fatal: pid [0-9]+: waiting for its core from the kernel' "$WORK/r1.log" "waits for the core"
assert_grep '^dump: .*-crash-failures-[0-9]+\.core \(.* from the kernel.s core\)' "$WORK/r1.log" "crash dump written"
dump=$(only_dump "$out")
gdb_bt "$prog" "$dump" | grep -q ' crash_here (' || fail "gdb: no crash_here in the crash dump"
"$LIVEDUMP" inspect --json "$dump" >"$WORK/i.json" || fail "inspect of the crash dump failed"
assert_eq signal "$(jq -r .header.issue_type "$WORK/i.json")" "issue type"
assert_eq 11 "$(jq -r .header.code "$WORK/i.json")" "signal number"
assert_eq "$prev" "$(cat /proc/sys/kernel/core_pattern)" "core_pattern after a normal exit"
ok "selected crash dumped, core_pattern restored"

# 2. A crash no rule selects reaches the previous handler (a core file here).
out=$WORK/out2
start_bg "$WORK/r2.log" "$LIVEDUMP" record -o "$out" --all -e 'crash on signal sig=SEGV capture mini where comm=nobody-else'
rec=$BG_PID
wait_for grep -q '^recording into' "$WORK/r2.log" || fail "record did not start: $(cat "$WORK/r2.log")"
grep -q ' core-handler ' /proc/sys/kernel/core_pattern || fail "core_pattern is not ours while recording"
(cd "$WORK" && ulimit -c unlimited && exec "$prog" segv) >"$WORK/victim.out" 2>&1
victim=$(sed -n 's/^pid //p' "$WORK/victim.out")
wait_for test -s "$WORK/cores/core.$victim" || fail "the previous handler got no core for pid $victim"
file "$WORK/cores/core.$victim" 2>/dev/null | grep -q 'core file' ||
	head -c 4 "$WORK/cores/core.$victim" | grep -q 'ELF' || fail "not an ELF core"
kill -INT "$rec"; wait "$rec"
assert_eq 0 "$(find "$out" -name '*.core' | wc -l)" "dumps of an unselected crash"
assert_eq "$prev" "$(cat /proc/sys/kernel/core_pattern)" "core_pattern after SIGINT"
ok "unselected crash passed on"

# 3. SIGKILL of the collector: the guard restores core_pattern.
start_bg "$WORK/r3.log" "$LIVEDUMP" record -o "$WORK/out3" -e 'crash on signal sig=SEGV capture mini' -p $$
rec=$BG_PID
wait_for grep -q '^recording into' "$WORK/r3.log" || fail "record did not start: $(cat "$WORK/r3.log")"
grep -q ' core-handler ' /proc/sys/kernel/core_pattern || fail "core_pattern is not ours while recording"
kill -KILL "$rec"
restored() { [ "$(cat /proc/sys/kernel/core_pattern)" = "$prev" ]; }
wait_for restored || fail "core_pattern not restored after SIGKILL: $(cat /proc/sys/kernel/core_pattern)"
ok "core_pattern restored after SIGKILL"

# 4. A crash dump is as complete as a live one (the kernel keeps the
# crashing process's /proc while its core is read): exe, cmdline,
# environment, cwd, limits, fds with a socket and its peer, threads' names,
# the kernel's view and the history; livedump gdb opens it.
mkdir -p "$WORK/here"
out=$WORK/out4
LD_TEST_CRASH=env-seen "$LIVEDUMP" record -o "$out" -e 'crash on signal sig=SEGV capture mini' \
	-- "$PROGS/sockets" "$WORK/c.sock" "$WORK/here" 0 segv >"$WORK/r4.log" 2>&1
dump=$(only_dump "$out")
"$LIVEDUMP" inspect --json "$dump" >"$WORK/i4.json" || fail "inspect of the crash dump"
q() { jq -r "$1" "$WORK/i4.json"; }
assert_eq "$(readlink -f "$PROGS/sockets")" "$(q .header.exe)" "crash: exe"
assert_eq "$PROGS/sockets $WORK/c.sock $WORK/here 0 segv" "$(q '.cmdline | join(" ")')" "crash: cmdline"
assert_eq true "$(q '.environ | index("LD_TEST_CRASH=env-seen") != null')" "crash: environment"
assert_eq "$WORK/here" "$(q .cwd)" "crash: cwd"
assert_eq 777 "$(q '.limits[] | select(.resource == "nofile") | .soft')" "crash: limits"
port=$(sed -n 's/^ready [0-9]* //p' "$WORK/r4.log")
[ -n "$(q ".sockets[] | select(.protocol == \"tcp\" and .state == \"ESTABLISHED\" and
	.peer == \"127.0.0.1:$port\") | .fd")" ] || fail "crash: the tcp socket and its peer: $(q -c .sockets)"
[ "$(q '.fds | length')" -ge 10 ] || fail "crash: fds"
assert_eq sockets "$(q '.threads[0].name')" "crash: thread name"
[ "$(q '.threads[0].state')" != null ] || fail "crash: thread state"
assert_eq "$(q .header.pid)" "$(q .kernel.pid)" "crash: the kernel's view"
[ "$(q '.kernel.cgroup | length')" -gt 0 ] || fail "crash: cgroup"
[ "$(q '.history.count')" -gt 0 ] || fail "crash: history"
"$LIVEDUMP" gdb "$dump" -- -batch -ex bt >"$WORK/gdb4.log" 2>&1 || fail "livedump gdb: $(cat "$WORK/gdb4.log")"
grep -q 'crash_with_sockets' "$WORK/gdb4.log" || fail "livedump gdb: no crash_with_sockets: $(cat "$WORK/gdb4.log")"
gdb -nx -batch -ex 'info registers' -ex 'info threads' -ex bt "$PROGS/sockets" "$dump" >"$WORK/gdb4b.log" 2>&1
grep -i 'warning' "$WORK/gdb4b.log" && fail "gdb warns on the crash dump"
eu-readelf -n "$dump" >/dev/null 2>"$WORK/eu4.err" && [ ! -s "$WORK/eu4.err" ] ||
	fail "eu-readelf on the crash dump: $(cat "$WORK/eu4.err")"
ok "crash dump: exe, cmdline, environment, cwd, limits, sockets, threads, kernel view, history; livedump gdb"

# 5. A real daemon from Debian: busybox's httpd, whose child serving a
# connection dies of SIGSEGV; its dump names the daemon and the connection.
bb=$(command -v busybox || echo /usr/lib/busybox/busybox)
if [ -x "$bb" ] && "$bb" --list | grep -qx httpd; then
	mkdir -p "$WORK/www"
	listening() { grep -qi "0100007F:$(printf %04X "$1") 00000000:0000 0A" /proc/net/tcp; }
	hport=$((20000 + $$ % 20000))
	while listening "$hport"; do hport=$((hport + 1)); done
	start_bg "$WORK/r5.log" "$LIVEDUMP" record -o "$WORK/out5" \
		-e 'crash on signal sig=SEGV capture mini' -- "$bb" httpd -f -p "127.0.0.1:$hport" -h "$WORK/www"
	rec=$BG_PID
	wait_for grep -q '^recording into' "$WORK/r5.log" || fail "record did not start: $(cat "$WORK/r5.log")"
	daemon=$(sed -n 's/^launched .* as pid //p' "$WORK/r5.log")
	track "$daemon"
	wait_for listening "$hport" || fail "httpd (pid $daemon) does not listen on $hport: $(cat "$WORK/r5.log")"
	exec 5<>"/dev/tcp/127.0.0.1/$hport" || fail "cannot connect to httpd"
	child() { pgrep -P "$daemon" | head -1; }
	if ! wait_for test -n "$(child)"; then
		# Seen once on a loaded machine: no child for the first connection.
		echo "httpd: no child yet; its stack: $(cat /proc/"$daemon"/stack 2>/dev/null | head -3)"
		exec 6<>"/dev/tcp/127.0.0.1/$hport" || fail "cannot connect to httpd again"
	fi
	wait_for test -n "$(child)" || fail "httpd (pid $daemon) forked no child for the connection:
		$(ps -o pid,ppid,stat,args -e | grep -E "[h]ttpd|^ *$daemon ") $(cat "$WORK/r5.log")"
	kill -SEGV "$(child)"
	wait_for grep -q '^dump:' "$WORK/r5.log" || fail "no crash dump of httpd's child: $(cat "$WORK/r5.log")"
	exec 5>&- 6>&-
	kill -INT "$rec"; wait "$rec"
	"$LIVEDUMP" inspect --json "$(only_dump "$WORK/out5")" >"$WORK/i5.json" || fail "inspect httpd's dump"
	q() { jq -r "$1" "$WORK/i5.json"; }
	assert_eq "$(readlink -f "$bb")" "$(q .header.exe)" "httpd: exe"
	assert_eq "$bb httpd -f -p 127.0.0.1:$hport -h $WORK/www" "$(q '.cmdline | join(" ")')" "httpd: cmdline"
	[ "$(q '.environ | length')" -gt 0 ] || fail "httpd: environment"
	[ "$(q .cwd)" != null ] || fail "httpd: cwd"
	[ "$(q '.limits | length')" -gt 0 ] || fail "httpd: limits"
	[ -n "$(q ".sockets[] | select(.protocol == \"tcp\" and .state == \"ESTABLISHED\" and
		.local == \"127.0.0.1:$hport\" and (.peer | startswith(\"127.0.0.1:\"))) | .fd")" ] ||
		fail "httpd: the connection and its peer: $(q -c .sockets)"
	[ "$(q '.kernel.cgroup | length')" -gt 0 ] || fail "httpd: cgroup"
	ok "a Debian daemon's crash (busybox httpd): exe, cmdline, environment, cwd, limits, its connection, cgroup"
else
	echo "busybox with httpd is not installed: the daemon crash is not tested"
fi
