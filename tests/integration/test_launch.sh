#!/bin/bash
# record -- CMD runs what execve(2)/execvp(3) run and watches what that
# runs: a #! script's child, a file without #! (under /bin/sh), a shim on
# PATH that execs the real program (same pid, the shim's name kept), an app
# rule in a script's child through --lib; a command that cannot run (no
# interpreter, not found, not a regular file) is refused with the reason.
. "$(dirname "$0")/../lib.sh"
require_root
command -v jq >/dev/null || fail "jq is missing"
prog=$PROGS/failures
n=0

# rec CMD... : record CMD with the abort rule; sets OUT and LOG
rec() {
	n=$((n + 1))
	OUT=$WORK/out.$n LOG=$WORK/log.$n
	"$LIVEDUMP" record -o "$OUT" -e 'b on abort' -- "$@" >"$LOG" 2>&1
}
launched() { sed -n 's/^launched .* as pid \([0-9]*\)$/\1/p' "$LOG"; }
# abort_dump WHAT: one abort dump, of failures, gdb shows give_up; its pid in $DPID
abort_dump() {
	local dump
	dump=$(only_dump "$OUT")
	assert_eq failures "$("$LIVEDUMP" inspect --json "$dump" | jq -r .header.comm)" "$1: comm"
	DPID=$("$LIVEDUMP" inspect --json "$dump" | jq -r .header.pid)
	gdb_bt "$prog" "$dump" | grep -q ' give_up (' || fail "$1: gdb: no give_up in the dump"
}

# A #! script whose child aborts: the dump is of the child.
printf '#!/bin/sh\necho script $$\n"%s" abort\necho after $?\n' "$prog" >"$WORK/run.sh"
chmod +x "$WORK/run.sh"
cd "$WORK" || fail "cd $WORK"
rec ./run.sh || { cat "$LOG"; fail "record -- ./run.sh failed"; }
cd - >/dev/null || fail "cd back"
cat "$LOG"
! grep -q 'Exec format error' "$LOG" || fail "script: Exec format error"
assert_grep '^launched \./run\.sh as pid [0-9]+$' "$LOG" "script launched by its name"
assert_grep "^trigger: rule b pid [0-9]+ \(failures\)" "$LOG" "script's child triggered"
abort_dump "script"
[ "$DPID" != "$(launched)" ] || fail "script: the dump is of the script, not its child"
assert_grep "^script $(launched)\$" "$LOG" "the script ran as the launched pid"
ok "#! script: its child is watched and dumped"

# No #!: execvp's /bin/sh fallback.
printf 'exec "%s" abort\n' "$prog" >"$WORK/plain"
chmod +x "$WORK/plain"
rec "$WORK/plain" || { cat "$LOG"; fail "record -- plain file failed"; }
abort_dump "no #!"
assert_eq "$(launched)" "$DPID" "no #!: exec keeps the pid"
ok "a file without #! runs under /bin/sh"

# A shim on PATH, as pyenv's (#!/usr/bin/env bash): found by name, run by that
# name, execs the program.
mkdir "$WORK/shims"
printf '#!/usr/bin/env bash\n[ "${0##*/}" = failures ] || exit 9\nexec "%s" "$@"\n' "$prog" \
	>"$WORK/shims/failures"
chmod +x "$WORK/shims/failures"
PATH=$WORK/shims:$PATH rec failures abort || { cat "$LOG"; fail "record -- shim failed"; }
cat "$LOG"
assert_grep "^launched $WORK/shims/failures as pid [0-9]+\$" "$LOG" "shim found in PATH"
abort_dump "shim"
assert_eq "$(launched)" "$DPID" "shim: the program exec'ed by the shim is dumped"
ok "a shim on PATH: the program it execs is watched through the exec"

# An app rule in a script's child, through --lib.
printf '#!/bin/sh\n"%s"\n' "$PROGS/trigger_regions" >"$WORK/app.sh"
chmod +x "$WORK/app.sh"
"$LIVEDUMP" record -o "$WORK/app" --lib "$O/lib/liblivedump.so.1" -- "$WORK/app.sh" \
	>"$WORK/app.log" 2>&1 || { cat "$WORK/app.log"; fail "record -- app.sh failed"; }
assert_grep '^trigger: rule app pid [0-9]+ \(trigger_regions\) ' "$WORK/app.log" "app rule in the script's child"
assert_grep '^trigger ret=1 ' "$WORK/app.log" "the child was dumped"
only_dump "$WORK/app" >/dev/null
ok "app rules reach a script's child through --lib"

# What cannot run is refused, with the reason.
printf '#!/nonexistent/interp\n' >"$WORK/bad.sh"
chmod +x "$WORK/bad.sh"
! "$LIVEDUMP" record -o "$WORK/bad" -- "$WORK/bad.sh" >"$WORK/bad.log" 2>&1 || fail "bad interpreter accepted"
assert_grep "cannot run .*bad\.sh: No such file or directory" "$WORK/bad.log" "bad interpreter"
! "$LIVEDUMP" record -o "$WORK/bad" -- no-such-command-here >"$WORK/bad.log" 2>&1 || fail "missing command accepted"
assert_grep "cannot run no-such-command-here: command not found" "$WORK/bad.log" "missing command"
mkfifo "$WORK/fifo"
! timeout 20 "$LIVEDUMP" record -o "$WORK/bad" -- "$WORK/fifo" >"$WORK/bad.log" 2>&1 || fail "a FIFO accepted"
assert_grep "cannot run .*fifo: Permission denied" "$WORK/bad.log" "a FIFO is refused, not waited on"
ok "commands that cannot run are refused"
