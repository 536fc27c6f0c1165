#!/bin/bash
# A dump keeps what surrounds the process, as systemd-coredump does for a
# crash: the environment (unless left out), the working directory, the
# resource limits, and the sockets among its fds with both ends (TCP, UDP,
# UNIX with its peer), in inspect's text and JSON, for mini and context
# dumps.
. "$(dirname "$0")/../lib.sh"
require_root
command -v jq >/dev/null || fail "jq is missing"
mkdir -p "$WORK/here"
sock=$WORK/app.sock

# 1. A mini dump of a live process.
LD_TEST_SECRET=hunter2 start_bg "$WORK/prog.log" "$PROGS/sockets" "$sock" "$WORK/here" 30
prog=$BG_PID
wait_for grep -q '^ready' "$WORK/prog.log" || fail "the program did not start: $(cat "$WORK/prog.log")"
port=$(awk '/^ready/ { print $3 }' "$WORK/prog.log")
"$LIVEDUMP" capture -p "$prog" -o "$WORK/mini" >"$WORK/cap.log" 2>&1 || fail "capture: $(cat "$WORK/cap.log")"
dump=$(only_dump "$WORK/mini")
"$LIVEDUMP" inspect --json "$dump" >"$WORK/j" || fail "inspect --json"
"$LIVEDUMP" inspect "$dump" >"$WORK/t" || fail "inspect"
assert_eq "$WORK/here" "$(jq -r .cwd "$WORK/j")" "cwd"
assert_grep "^cwd: +$WORK/here\$" "$WORK/t" "text: cwd"
assert_eq '777 888 files' "$(jq -r '.limits[] | select(.resource == "nofile") | "\(.soft) \(.hard) \(.units)"' "$WORK/j")" \
	"nofile limit"
assert_eq null "$(jq -r '.limits[] | select(.resource == "cpu") | .soft' "$WORK/j")" "unlimited cpu"
assert_grep '^  nofile +777 +888 +files$' "$WORK/t" "text: the nofile limit"
jq -e '.environ | index("LD_TEST_SECRET=hunter2")' "$WORK/j" >/dev/null || fail "environment"
assert_grep '^  LD_TEST_SECRET=hunter2$' "$WORK/t" "text: environment"
ok "cwd, limits, environment"

s() { jq -r ".sockets[] | select($1) | .fd" "$WORK/j" | head -1; }
[ -n "$(s ".protocol == \"tcp\" and .state == \"LISTEN\" and .local == \"127.0.0.1:$port\" and .peer == null")" ] ||
	fail "tcp listener: $(jq -c .sockets "$WORK/j")"
[ -n "$(s ".protocol == \"tcp\" and .state == \"ESTABLISHED\" and .peer == \"127.0.0.1:$port\"")" ] ||
	fail "tcp client end"
[ -n "$(s ".protocol == \"tcp\" and .state == \"ESTABLISHED\" and .local == \"127.0.0.1:$port\"")" ] ||
	fail "tcp server end"
[ -n "$(s ".protocol == \"unix-stream\" and .state == \"LISTEN\" and .local == \"$sock\"")" ] ||
	fail "unix listener: $(jq -c .sockets "$WORK/j")"
[ -n "$(s ".protocol == \"unix-stream\" and .state == \"ESTABLISHED\" and .peer == \"$sock\" and .peer_ino > 0")" ] ||
	fail "unix client end and its peer"
[ -n "$(s ".protocol == \"udp\" and (.local | startswith(\"127.0.0.1:\"))")" ] || fail "udp"
assert_eq 7 "$(jq '[.fds[] | select(.socket)] | length' "$WORK/j")" "every socket fd named"
assert_grep "socket:\[[0-9]+\] tcp 127\.0\.0\.1:$port LISTEN\$" "$WORK/t" "text: the listener at its fd"
assert_grep "socket:\[[0-9]+\] unix-stream -> $sock ESTABLISHED\$" "$WORK/t" "text: the unix client"
ok "sockets with both ends"

# 2. Left out by request: no environment note, and the header says so.
"$LIVEDUMP" capture --no-environ -p "$prog" -o "$WORK/noenv" >/dev/null 2>&1 || fail "capture --no-environ"
"$LIVEDUMP" inspect --json "$(only_dump "$WORK/noenv")" >"$WORK/j2"
assert_eq null "$(jq -r .environ "$WORK/j2")" "--no-environ: environ"
assert_eq true "$(jq '.header.flags | index("no_environ") != null' "$WORK/j2")" "--no-environ: header flag"
# ... and its strings are out of the memory too (they sit at the top of the main thread's stack).
grep -qa 'LD_TEST_SECRET=hunter2' "$dump" || fail "the plain mini dump does not hold the environment's strings"
grep -qa 'LD_TEST_SECRET=hunter2' "$(only_dump "$WORK/noenv")" && fail "--no-environ: the strings are in the memory"
assert_eq 'environ=no' "$(jq -r '[.hidden.ranges[]? | .why] | map(select(. == "environ=no")) | .[0]' "$WORK/j2")" \
	"--no-environ: the range listed"
ok "environment left out"
kill "$prog"

# 3. A context dump (a syscall issue) keeps them too, while the process
# lives on (it sleeps after its call); environ=no in a rule.
rm -f "$sock"
"$LIVEDUMP" record -o "$WORK/ctx" \
	-e 'x on syscall name=faccessat errno=ENOENT capture context environ=no' \
	-- "$PROGS/sockets" "$sock" "$WORK/here" 2 >"$WORK/rec.log" 2>&1 || fail "record: $(tail -3 "$WORK/rec.log")"
"$LIVEDUMP" inspect --json "$(only_dump "$WORK/ctx")" >"$WORK/j3"
assert_eq context "$(jq -r .header.capture_type "$WORK/j3")" "context dump"
assert_eq "$WORK/here" "$(jq -r .cwd "$WORK/j3")" "context: cwd"
assert_eq 777 "$(jq -r '.limits[] | select(.resource == "nofile") | .soft' "$WORK/j3")" "context: limits"
assert_eq 7 "$(jq '.sockets | length' "$WORK/j3")" "context: sockets"
assert_eq null "$(jq -r .environ "$WORK/j3")" "environ=no: environ"
ok "context dump with its surroundings; environ=no"
