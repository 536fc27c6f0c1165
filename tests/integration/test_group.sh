#!/bin/bash
# Group dumps (scope=): three processes in one cgroup -- on the v1 freezer
# hierarchy and on a v2 one, as this host has them -- are frozen at one
# instant (freeze times within 5 ms), each dumped, released, and named in
# one manifest; a UNIX client and server are dumped together with
# scope=peers and the manifest names the socket between them; SIGKILL of
# the collector mid-group-capture leaves every member running within 1 s
# (the guard thaws the cgroup, SIGCONTs what was stopped); list, inspect
# and report show the set as one issue.
. "$(dirname "$0")/../lib.sh"
require_root
command -v jq >/dev/null || fail "jq is missing"

name=livedump-group-$$
made=()
rm_cgroups() {
	local i
	for ((i = ${#made[@]} - 1; i >= 0; i--)); do rmdir "${made[i]}" 2>/dev/null; done
}
trap 'cleanup; rm_cgroups' EXIT

v1_mount() { awk -v c="$1" '$3 == "cgroup" { n = split($4, o, ","); for (i = 1; i <= n; i++)
	if (o[i] == c) { print $2; exit } }' /proc/self/mounts; }
frz1=$(v1_mount freezer)
cg2=
for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
	[ "$(stat -fc %T "$d" 2>/dev/null)" = cgroup2fs ] && cg2=$d && break
done

RULE='on syscall name=faccessat errno=ENOENT capture mini'
# The bound on a release after SIGKILL: 1 s, 5 s in the VM (emulated CPUs run
# the guard and these checks' own processes ten times slower).
release_ms=1000
in_vm && release_ms=5000
# released_within WHAT CHECK...: CHECK passes within release_ms of now (t0).
released_within() {
	local what=$1 t0=$EPOCHREALTIME ms
	shift
	for _ in $(seq 200); do
		"$@" && break
		ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.0f", (b-a)*1000}')
		[ "$ms" -gt "$release_ms" ] && return 1
		sleep 0.02
	done
	"$@" || return 1
	ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.0f", (b-a)*1000}')
	echo "$what: released $ms ms after SIGKILL"
	[ "$ms" -le "$release_ms" ]
}
stopped() { local s; s=$(proc_state "$1"); [ "$s" = T ] || [ "$s" = t ]; }
rec_started() { grep -q '^recording into' "$1"; }

# start_three DIR TAG: two members and a trigger in cgroup DIR; pids in M1 M2 TP
start_three() {
	local dir=$1 tag=$2 p
	start_bg "$WORK/$tag.m1" "$PROGS/group" member; M1=$BG_PID
	start_bg "$WORK/$tag.m2" "$PROGS/group" member; M2=$BG_PID
	start_bg "$WORK/$tag.t" "$PROGS/group" trigger "$WORK/$tag.go"; TP=$BG_PID
	for p in m1 m2 t; do
		wait_for grep -q '^ready' "$WORK/$tag.$p" || fail "$tag: $p did not start"
	done
	for p in "$M1" "$M2" "$TP"; do
		echo "$p" >"$dir/cgroup.procs" || fail "cannot move $p into $dir"
	done
}

# cgroup_round DIR TAG FREEZER [TYPE]: all three dumped, frozen within 5 ms, running after
cgroup_round() {
	local dir=$1 tag=$2 freezer=$3 type=${4:-mini} out=$WORK/out.$2 rec m mf
	start_three "$dir" "$tag"
	start_bg "$WORK/$tag.log" "$LIVEDUMP" record -o "$out" -p "$TP" \
		-e "grp ${RULE% mini} $type scope=cgroup"
	rec=$BG_PID
	wait_for rec_started "$WORK/$tag.log" || fail "$tag: record did not start: $(cat "$WORK/$tag.log")"
	touch "$WORK/$tag.go"
	wait_for grep -q '^group:' "$WORK/$tag.log" || fail "$tag: no group dump: $(cat "$WORK/$tag.log")"
	kill -INT "$rec"
	wait "$rec" || fail "$tag: record failed: $(cat "$WORK/$tag.log")"
	mf=$(ls "$out"/*.group)
	[ -f "$mf" ] || fail "$tag: no manifest in $out"
	assert_eq "$freezer" "$(head -1 "$mf" | jq -r .freezer)" "$tag: freezer"
	assert_eq cgroup "$(head -1 "$mf" | jq -r .scope)" "$tag: scope"
	for m in "$M1" "$M2" "$TP"; do
		ls "$out" | grep -q -- "-$m\.core$" || fail "$tag: no dump of $m: $(ls "$out"; cat "$mf" "$WORK/$tag.log")"
		assert_eq dumped "$(jq -r --argjson p "$m" 'select(.member == $p) | .status' "$mf")" \
			"$tag: member $m"
		stopped "$m" && fail "$tag: $m still stopped after the group dump"
	done
	assert_eq 3 "$(find "$out" -name '*.core' | wc -l)" "$tag: dumps"
	assert_eq trigger "$(jq -r --argjson p "$TP" 'select(.member == $p) | .role' "$mf")" "$tag: trigger's role"
	# jq holds numbers as doubles: exact to 256 ns here, plenty for 5 ms.
	spread=$(jq -s '[.[] | select(.member) | .frozen_ns] | (max - min) / 1e6' "$mf")
	echo "$tag: freeze times spread over $spread ms"
	jq -es '[.[] | select(.member) | .frozen_ns] | (max - min) < 5e6 and min > 0' "$mf" >/dev/null ||
		fail "$tag: freeze times not within 5 ms: $(jq -c 'select(.member) | [.member, .frozen_ns]' "$mf")"
	jq -es '[.[] | select(.member) | .released_ns >= .frozen_ns and .released_ns > 0] | all' "$mf" >/dev/null ||
		fail "$tag: release times: $(jq -c 'select(.member)' "$mf")"
	# Every member's thread says what it was doing: pause, or the trigger's faccessat.
	assert_eq pause "$(jq -r --argjson p "$M1" 'select(.thread == $p) | .syscall' "$mf")" "$tag: member's syscall"
	assert_eq faccessat "$(jq -r --argjson p "$TP" 'select(.thread == $p) | .syscall' "$mf")" "$tag: trigger's syscall"
	kill -KILL "$M1" "$M2" "$TP"
	ok "$tag: three members frozen by $freezer within 5 ms, dumped, running after"
}

# 1. The v1 freezer hierarchy.
if [ -n "$frz1" ]; then
	mkdir "$frz1/$name" && made+=("$frz1/$name")
	cgroup_round "$frz1/$name" v1 cgroup1
	assert_eq THAWED "$(cat "$frz1/$name/freezer.state")" "v1: freezer state after"
else
	echo "no v1 freezer hierarchy on this host"
fi

# 2. A v2 cgroup whose cgroup.freeze can be set.
v2dir=
if [ -n "$cg2" ] && mkdir "$cg2/$name" 2>/dev/null; then
	made+=("$cg2/$name")
	[ -w "$cg2/$name/cgroup.freeze" ] && v2dir=$cg2/$name
fi
if [ -n "$v2dir" ]; then
	cgroup_round "$v2dir" v2 cgroup2
	# Full dumps take no snapshot in a group: its fork would be frozen with the cgroup.
	cgroup_round "$v2dir" v2-full cgroup2 full
	assert_eq "frozen 0" "$(grep frozen "$v2dir/cgroup.events")" "v2: frozen after"
else
	echo "no cgroup v2 hierarchy with cgroup.freeze on this host"
fi
[ -n "$frz1$v2dir" ] || skip "neither a v1 freezer nor a v2 cgroup.freeze here"

# 2b. Past the freeze time limit (freeze_max=300ms; the trigger's capture is
# slowed to 600 ms) the members not dumped yet are released undumped, and
# the manifest says the capture degraded.
lim=${v2dir:-$frz1/$name}
start_three "$lim" limit
LIVEDUMP_TEST_CAPTURE_DELAY_MS=600 start_bg "$WORK/limit.log" \
	"$LIVEDUMP" record -o "$WORK/out.limit" -p "$TP" -e "grp $RULE scope=cgroup freeze_max=300ms"
rec=$BG_PID
wait_for rec_started "$WORK/limit.log" || fail "limit: record did not start: $(cat "$WORK/limit.log")"
assert_grep '^rule: grp on syscall .* scope=cgroup freeze_max=300ms$' "$WORK/limit.log" "limit: the rule's canonical form"
touch "$WORK/limit.go"
wait_for grep -q '^group:' "$WORK/limit.log" || fail "limit: no group dump: $(cat "$WORK/limit.log")"
kill -INT "$rec"
wait "$rec" || fail "limit: record failed: $(cat "$WORK/limit.log")"
mf=$(ls "$WORK"/out.limit/*.group)
assert_grep '"degraded":"freeze time limit 0.300 s reached' "$mf" "limit: the manifest says it degraded"
for m in "$M1" "$M2"; do
	assert_eq released "$(jq -r --argjson p "$m" 'select(.member == $p) | .status' "$mf")" "limit: member $m"
	stopped "$m" && fail "limit: $m still stopped"
done
assert_eq 1 "$(find "$WORK/out.limit" -name '*.core' | wc -l)" "limit: only the trigger's dump"
kill -KILL "$M1" "$M2" "$TP"
ok "freeze_max: the other members released undumped, the manifest says so"

# 2c. group_max=2 of three: the third is listed, left out (never frozen, not
# dumped), and says why.
start_three "$lim" gmax
start_bg "$WORK/gmax.log" "$LIVEDUMP" record -o "$WORK/out.gmax" -p "$TP" -e "grp $RULE scope=cgroup group_max=2"
rec=$BG_PID
wait_for rec_started "$WORK/gmax.log" || fail "gmax: record did not start: $(cat "$WORK/gmax.log")"
touch "$WORK/gmax.go"
wait_for grep -q '^group:' "$WORK/gmax.log" || fail "gmax: no group dump: $(cat "$WORK/gmax.log")"
kill -INT "$rec"
wait "$rec" || fail "gmax: record failed: $(cat "$WORK/gmax.log")"
mf=$(ls "$WORK"/out.gmax/*.group)
assert_eq "dumped dumped left-out" "$(jq -r 'select(.member) | .status' "$mf" | sort | xargs)" "gmax: the members' status"
assert_eq "the group has more than 2 members" \
	"$(jq -r 'select(.member and .status == "left-out") | .why' "$mf")" "gmax: why one was left out"
assert_eq 2 "$(find "$WORK/out.gmax" -name '*.core' | wc -l)" "gmax: dumps"
# A cgroup freezer would stop the member left out too: one by one instead.
assert_eq sigstop "$(head -1 "$mf" | jq -r .freezer)" "gmax: freezer"
assert_grep '"degraded":"1 of 3 members left out \(group_max 2\)' "$mf" "gmax: the manifest says it degraded"
assert_eq 0 "$(jq -r 'select(.member and .status == "left-out") | .frozen_ns // 0' "$mf")" \
	"gmax: the member left out was never frozen"
for m in "$M1" "$M2" "$TP"; do stopped "$m" && fail "gmax: $m still stopped"; done
kill -KILL "$M1" "$M2" "$TP"
ok "group_max: members past it are listed, left out, never frozen"

# 3. scope=peers: a UNIX client (the trigger) and its server.
sock=$WORK/sock
start_bg "$WORK/srv" "$PROGS/group" server "$sock"; SP=$BG_PID
wait_for grep -q '^ready' "$WORK/srv" || fail "server did not start"
# The client inherits a FIFO this script holds open too: this script runs the
# collector, so it must not become a peer (stopping what runs the collector
# could stop the collector).
mkfifo "$WORK/fifo"
exec 9<>"$WORK/fifo"
start_bg "$WORK/cli" "$PROGS/group" client "$sock" "$WORK/peers.go"; CP=$BG_PID
exec 9>&-
wait_for grep -q '^ready' "$WORK/cli" || fail "client did not start"
out=$WORK/out.peers
start_bg "$WORK/peers.log" "$LIVEDUMP" record -o "$out" -p "$CP" -e "peers $RULE scope=peers"
rec=$BG_PID
wait_for rec_started "$WORK/peers.log" || fail "peers: record did not start: $(cat "$WORK/peers.log")"
touch "$WORK/peers.go"
wait_for grep -q '^group:' "$WORK/peers.log" || fail "peers: no group dump: $(cat "$WORK/peers.log")"
kill -INT "$rec"
wait "$rec" || fail "peers: record failed: $(cat "$WORK/peers.log")"
cat "$WORK/peers.log"
mf=$(ls "$out"/*.group)
for p in "$CP" "$SP"; do
	ls "$out" | grep -q -- "-$p\.core$" || fail "peers: no dump of $p"
	stopped "$p" && fail "peers: $p still stopped"
done
assert_eq sigstop "$(head -1 "$mf" | jq -r .freezer)" "peers: freezer"
assert_eq "$(printf '%s\n' "$CP" "$SP" | sort -n | xargs)" \
	"$(jq -r 'select(.member) | .member' "$mf" | sort -n | xargs)" \
	"peers: the members (not this script, which holds a FIFO the client inherited)"
# (jq -s: jq 1.6's -e says 4 when the last line gives no output)
[ "$(jq -s --argjson c "$CP" --argjson s "$SP" --arg sock "$sock" '[.[] | select(.kind == "unix" and
	.what == $sock and ((.a == $c and .b == $s) or (.a == $s and .b == $c)))] | length' "$mf")" = 1 ] ||
	fail "peers: the manifest names no UNIX link $CP <-> $SP on $sock: $(grep '"kind"' "$mf")"
# The server waits in read() on that socket, for the client.
assert_eq "read $CP unix" "$(jq -r --argjson s "$SP" 'select(.thread == $s) | "\(.syscall) \(.waits_for) \(.via)"' "$mf")" \
	"peers: what the server waits for"
ok "scope=peers: client and server dumped together, the socket pair named"

# 3b. scope=peers over TCP on 127.0.0.1: the client's connection to the
#     server's port is followed to the server, and named by its ends.
start_bg "$WORK/tsrv" "$PROGS/group" tcpserver "$WORK/port"; TSP=$BG_PID
wait_for grep -q '^ready' "$WORK/tsrv" || fail "tcp server did not start: $(cat "$WORK/tsrv")"
port=$(cat "$WORK/port")
start_bg "$WORK/tcli" "$PROGS/group" tcpclient "$port" "$WORK/tcp.go"; TCP_=$BG_PID
wait_for grep -q '^ready' "$WORK/tcli" || fail "tcp client did not start: $(cat "$WORK/tcli")"
tout=$WORK/out.tcp
start_bg "$WORK/tcp.log" "$LIVEDUMP" record -o "$tout" -p "$TCP_" -e "tpeers $RULE scope=peers"
rec=$BG_PID
wait_for rec_started "$WORK/tcp.log" || fail "tcp: record did not start: $(cat "$WORK/tcp.log")"
touch "$WORK/tcp.go"
wait_for grep -q '^group:' "$WORK/tcp.log" || fail "tcp: no group dump: $(cat "$WORK/tcp.log")"
kill -INT "$rec"
wait "$rec" || fail "tcp: record failed: $(cat "$WORK/tcp.log")"
tmf=$(ls "$tout"/*.group)
for p in "$TCP_" "$TSP"; do
	ls "$tout" | grep -q -- "-$p\.core$" || fail "tcp: no dump of $p: $(cat "$WORK/tcp.log")"
	stopped "$p" && fail "tcp: $p still stopped"
done
grep '"kind"' "$tmf"
[ "$(jq -s --argjson c "$TCP_" --argjson s "$TSP" --arg port ":$port" '[.[] | select(.kind == "tcp" and
	(.what | contains($port)) and (.what | contains("127.0.0.1")) and
	((.a == $c and .b == $s) or (.a == $s and .b == $c)))] | length' "$tmf")" = 1 ] ||
	fail "tcp: the manifest names no TCP link $TCP_ <-> $TSP on port $port: $(grep '"kind"' "$tmf")"
assert_eq "read $TCP_ tcp" "$(jq -r --argjson s "$TSP" 'select(.thread == $s) | "\(.syscall) \(.waits_for) \(.via)"' "$tmf")" \
	"tcp: what the server waits for"
kill -KILL "$TCP_" "$TSP" 2>/dev/null
ok "scope=peers over TCP: client and server dumped together, the connection named by its ends"

# list, inspect and report show the set as one issue.
"$LIVEDUMP" list "$out" >"$WORK/list" || fail "list: $(cat "$WORK/list")"
cat "$WORK/list"
assert_eq 1 "$(grep -cE 'group of [0-9]+ \(peers' "$WORK/list")" "list: one group row"
"$LIVEDUMP" inspect "$mf" >"$WORK/insp" || fail "inspect of the manifest: $(cat "$WORK/insp")"
assert_grep "^ *unix +($CP|$SP) +[0-9]+ +($CP|$SP) +[0-9]+ +$sock\$" "$WORK/insp" "inspect: the link"
assert_grep "^ *$SP +$SP +S +read \(fd [0-9]+\) .* $CP via unix" "$WORK/insp" "inspect: what the server waits for"
[ "$("$LIVEDUMP" inspect --json "$mf" | jq --argjson s "$SP" --argjson c "$CP" \
	'[.threads[] | select(.pid == $s) | .waits_for == $c and .via == "unix"] | all')" = true ] ||
	fail "inspect --json: what the server waits for"
"$LIVEDUMP" report "$out" >"$WORK/rep" || fail "report: $(cat "$WORK/rep")"
assert_grep "^group .*peers" "$WORK/rep" "report: the group"
assert_grep "pid $SP .*read.*waits for $CP" "$WORK/rep" "report: what the server waits for"
ok "list, inspect and report show the group"
kill -KILL "$CP" "$SP" 2>/dev/null

# 4. SIGKILL of the collector mid-group-capture: every member runs within 1 s.
kill_round() {	# DIR TAG
	local dir=$1 tag=$2 rec guard t0 m
	start_three "$dir" "$tag"
	LIVEDUMP_TEST_CAPTURE_DELAY_MS=20000 start_bg "$WORK/$tag.log" \
		"$LIVEDUMP" record -o "$WORK/out.$tag" -p "$TP" -e "grp $RULE scope=cgroup"
	rec=$BG_PID
	wait_for rec_started "$WORK/$tag.log" || fail "$tag: record did not start"
	touch "$WORK/$tag.go"
	wait_for grep -q '^trigger:' "$WORK/$tag.log" || fail "$tag: no trigger: $(cat "$WORK/$tag.log")"
	sleep 0.3
	held() { [ "$(cat "$dir/freezer.state" 2>/dev/null)" = FROZEN ] ||
		 grep -q 'frozen 1' "$dir/cgroup.events" 2>/dev/null || stopped "$TP"; }
	held || fail "$tag: nothing held during the capture"
	guard=$(pgrep -P "$rec" -x livedump-guard)
	[ -n "$guard" ] || fail "$tag: no guard"
	free() { ! held && ! stopped "$M1" && ! stopped "$M2" && ! stopped "$TP"; }
	kill -KILL "$rec"
	released_within "$tag" free || fail "$tag: members still held $release_ms ms after SIGKILL: $(cat "$dir/freezer.state" "$dir/cgroup.events" 2>/dev/null | tr "\n" " ")states: trigger $TP $(proc_state "$TP"), members $M1 $(proc_state "$M1"), $M2 $(proc_state "$M2"); guard $guard $(proc_state "$guard" || echo gone)"
	kill -KILL "$M1" "$M2" "$TP"
	ok "$tag: SIGKILL of the collector mid-capture leaves every member running"
}
[ -n "$frz1" ] && kill_round "$frz1/$name" kill-v1
[ -n "$v2dir" ] && kill_round "$v2dir" kill-v2

# ... and with SIGSTOP (scope=peers): the guard sends the server its SIGCONT.
rm -f "$sock"
start_bg "$WORK/srv2" "$PROGS/group" server "$sock"; SP=$BG_PID
wait_for grep -q '^ready' "$WORK/srv2" || fail "server did not start"
start_bg "$WORK/cli2" "$PROGS/group" client "$sock" "$WORK/kill.go"; CP=$BG_PID
wait_for grep -q '^ready' "$WORK/cli2" || fail "client did not start"
LIVEDUMP_TEST_CAPTURE_DELAY_MS=20000 start_bg "$WORK/kill-peers.log" \
	"$LIVEDUMP" record -o "$WORK/out.kill-peers" -p "$CP" -e "peers $RULE scope=peers"
rec=$BG_PID
wait_for rec_started "$WORK/kill-peers.log" || fail "kill-peers: record did not start"
touch "$WORK/kill.go"
wait_for grep -q '^trigger:' "$WORK/kill-peers.log" || fail "kill-peers: no trigger"
wait_for stopped "$SP" || fail "kill-peers: the server was not stopped"
stopped "$CP" || fail "kill-peers: the client is not held"
both() { ! stopped "$SP" && ! stopped "$CP"; }
kill -KILL "$rec"
released_within kill-peers both ||
	fail "kill-peers: still stopped $release_ms ms after SIGKILL: server $(proc_state "$SP"), client $(proc_state "$CP")"
ok "kill-peers: SIGKILL mid-capture leaves the SIGSTOPped peers running"
exit 0
