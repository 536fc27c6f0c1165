#!/bin/bash
# The core_pattern livedump borrows (issue 12, items 3 and 7):
#  1. a crash no rule selects goes on exactly as the kernel would have
#     handled it under the previous pattern: no root-owned core where the
#     crashing user cannot write; the user's own file where it can; a link
#     planted at the name is not followed;
#  2. a previous pipe handler gets the core, with the comm as one argument
#     (no shell: a comm like "x;touch ZZLD" runs nothing);
#  3. a second collector with signal rules is refused, naming the first;
#     a dead holder's pattern is taken over, and its guard leaves the new
#     holder's pattern alone;
#  4. a collector SIGKILLed while it reads a core leaves no fragment, the
#     crash is in its journal, and the previous pattern is back.
# Every section changes core_pattern: the original is put back at exit.
. "$(dirname "$0")/../lib.sh"
require_root

orig=$(cat /proc/sys/kernel/core_pattern)
orig_pipe_limit=$(cat /proc/sys/kernel/core_pipe_limit)
restore() {
	echo "$orig" >/proc/sys/kernel/core_pattern
	echo "$orig_pipe_limit" >/proc/sys/kernel/core_pipe_limit
	rm -f /ZZLD
	cleanup
}
trap restore EXIT
set_pattern() { printf '%s' "$1" >/proc/sys/kernel/core_pattern; }
ours() { grep -q ' core-handler ' /proc/sys/kernel/core_pattern; }
uses_pid=$(cat /proc/sys/kernel/core_uses_pid)
chmod 711 "$WORK"	# nobody must reach the directories below

# A collector whose only signal rule selects nothing of this test's crashes.
start_unselecting() {
	start_bg "$WORK/$1.log" "$LIVEDUMP" record -o "$WORK/$1" --all \
		-e 'crash on signal sig=SEGV capture mini where comm=nobody-else'
	REC=$BG_PID
	wait_for grep -q '^recording into' "$WORK/$1.log" || fail "record did not start: $(cat "$WORK/$1.log")"
	ours || fail "core_pattern is not ours while recording"
}
stop_rec() { kill -INT "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
# crash_as USER DIR: a shell of USER crashes with SIGSEGV in DIR, cores unlimited
crash_as() {
	setpriv --reuid="$1" --regid="$(id -gn "$1")" --clear-groups \
		bash -c "cd '$2' && ulimit -c unlimited && kill -SEGV \$\$" 2>/dev/null
	sleep 0.5
}

# 1. File pattern, unselected crash of an unprivileged user.
set_pattern core
mkdir -m 0755 "$WORK/rootdir"
mkdir -m 0755 "$WORK/userdir" && chown nobody "$WORK/userdir"
echo precious >"$WORK/victim"
ln -s "$WORK/victim" "$WORK/userdir/core"
[ "$uses_pid" = 1 ] && echo "(core_uses_pid=1: cores are named core.PID)"
echo 0 >/proc/sys/kernel/core_pipe_limit
start_unselecting r1
[ "$(cat /proc/sys/kernel/core_pipe_limit)" -gt 0 ] ||
	fail "core_pipe_limit is 0 while livedump is the handler (the crashed process's /proc may go first)"
crash_as nobody "$WORK/rootdir"
n=$(find "$WORK/rootdir" -name 'core*' | wc -l)
assert_eq 0 "$n" "cores written into a root-owned 0755 directory for user nobody"
crash_as nobody "$WORK/userdir"
stop_rec "$REC"
core=$(find "$WORK/userdir" -name 'core*' -type f | head -1)
[ -n "$core" ] || { ls -la "$WORK/userdir"; fail "no core in nobody's own directory"; }
assert_eq nobody "$(stat -c %U "$core")" "owner of the passed-on core"
assert_eq 600 "$(stat -c %a "$core")" "mode of the passed-on core"
head -c 4 "$core" | grep -q ELF || fail "the passed-on core is not an ELF file"
assert_eq precious "$(cat "$WORK/victim")" "the file behind the planted link"
assert_eq core "$(cat /proc/sys/kernel/core_pattern)" "core_pattern after the collector stopped"
assert_eq 0 "$(cat /proc/sys/kernel/core_pipe_limit)" "core_pipe_limit after the collector stopped"
ok "unselected crashes go on as the kernel would: nothing in root's dir, nobody's own 0600 core, no link followed"

# 2. Pipe pattern: the handler gets the core and the comm as one argument.
cat >"$WORK/handler.sh" <<EOS
#!/bin/sh
printf '%s\n' "\$2" >"$WORK/piped.args"
cat >"$WORK/piped.core"
EOS
chmod 755 "$WORK/handler.sh"
set_pattern "|$WORK/handler.sh %p %e"
cp "$(readlink -f "$(command -v bash)")" "$WORK/x;touch ZZLD"
rm -f /ZZLD
start_unselecting r2
(cd "$WORK" && ulimit -c unlimited && exec "$WORK/x;touch ZZLD" -c 'kill -SEGV $$') 2>/dev/null
wait_for test -s "$WORK/piped.core" || fail "the previous pipe handler got no core"
stop_rec "$REC"
assert_eq "x;touch ZZLD" "$(cat "$WORK/piped.args")" "the comm the handler got as %e"
[ -e /ZZLD ] && fail "the comm of a crashing program ran a command as root"
head -c 4 "$WORK/piped.core" | grep -q ELF || fail "the piped core is not an ELF file"
ok "previous pipe handler got the core; the comm is an argument, not a command"

# 3. One holder at a time.
set_pattern core
start_unselecting r3a
a=$REC
"$LIVEDUMP" record -o "$WORK/r3b" --all -e 'crash on signal sig=SEGV capture mini' \
	>"$WORK/r3b.log" 2>&1 </dev/null &
b=$!
for _ in $(seq 50); do kill -0 "$b" 2>/dev/null || break; sleep 0.1; done
kill -0 "$b" 2>/dev/null && { kill -INT "$b"; wait "$b"; fail "a second collector with signal rules started"; }
wait "$b" && fail "the second collector exited 0"
assert_grep "core_pattern is held by another collector, pid $a " "$WORK/r3b.log" "the refusal names the holder"
ours || fail "the first collector lost core_pattern to the second"
kill -KILL "$a"
wait "$a" 2>/dev/null
start_unselecting r3c
c=$REC
sleep 1.5	# the dead one's guard has finished by now: it must have left ours alone
ours || fail "the dead collector's guard overwrote the new holder's core_pattern"
stop_rec "$c"
assert_eq core "$(cat /proc/sys/kernel/core_pattern)" "core_pattern after the new holder stopped"
ok "second collector refused naming pid $a; a dead holder is taken over cleanly"

# 4. SIGKILL while a core is read.
set_pattern core
mkdir -m 0755 "$WORK/crashdir"
LIVEDUMP_TEST_CORE_DELAY_MS=30000 start_bg "$WORK/r4.log" "$LIVEDUMP" record -o "$WORK/r4" \
	--all -e 'crash on signal sig=SEGV capture mini where comm=failures'
rec=$BG_PID
wait_for grep -q '^recording into' "$WORK/r4.log" || fail "record did not start: $(cat "$WORK/r4.log")"
(cd "$WORK/crashdir" && ulimit -c unlimited && exec "$PROGS/failures" segv) >/dev/null 2>&1 &
victim=$!
wait_for grep -q '^fatal: pid' "$WORK/r4.log" || fail "the crash was not seen: $(cat "$WORK/r4.log")"
sleep 0.5
kill -KILL "$rec"
wait "$victim" 2>/dev/null
back() { [ "$(cat /proc/sys/kernel/core_pattern)" = core ]; }
wait_for back || fail "core_pattern not restored after SIGKILL: $(cat /proc/sys/kernel/core_pattern)"
sleep 0.5
assert_eq 0 "$(find "$WORK/crashdir" -name 'core*' | wc -l)" "fragments of the half-read core passed on"
journal=$(ls "$WORK"/r4/journal-*.jsonl)
jq -e 'select(.issue == "signal" and .verdict == "failed" and (.reason | test("died while it read")))' \
	"$journal" >/dev/null || { cat "$journal"; fail "the lost crash is not in the journal"; }
ok "collector killed mid-core: no fragment, the crash journaled, core_pattern back"
