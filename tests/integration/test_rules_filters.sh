#!/bin/bash
# Filters by pid, comm, exe, cgroup and uid each select exactly the
# intended processes among several.
. "$(dirname "$0")/../lib.sh"
require_root

cg2=
for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
	[ "$(stat -fc %T "$d" 2>/dev/null)" = cgroup2fs ] && cg2=$d && break
done
chmod 755 "$WORK"
cp "$PROGS/trigger_regions" "$WORK/other_prog"
cgname=livedump-test-$$
[ -n "$cg2" ] && mkdir "$cg2/$cgname"
trap '[ -n "$cg2" ] && rmdir "$cg2/$cgname" 2>/dev/null; cleanup' EXIT

# start the four processes, waiting on $WORK/go: A plain, B another
# executable and comm, C as uid 65534, D in a cgroup
start_set() {	# GO-FILE
	start_bg "$WORK/A.out" "$PROGS/trigger_regions" --go "$1"; A=$BG_PID
	LD_LIBRARY_PATH=$O/lib start_bg "$WORK/B.out" "$WORK/other_prog" --go "$1"; B=$BG_PID
	start_bg "$WORK/C.out" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$PROGS/trigger_regions" --go "$1"; C=$BG_PID
	start_bg "$WORK/D.out" "$PROGS/trigger_regions" --go "$1"; D=$BG_PID
	for p in A B C D; do
		wait_for grep -q '^pid' "$WORK/$p.out" || fail "process $p did not start: $(cat "$WORK/$p.out")"
	done
	[ -n "$cg2" ] && echo "$D" >"$cg2/$cgname/cgroup.procs"
	return 0
}

# round RULE EXPECTED-LETTERS...  (@A in RULE becomes A's pid)
n=0
round() {
	local rule out got="" p go
	n=$((n + 1))
	out=$WORK/out.$n go=$WORK/go.$n
	start_set "$go"
	rule=${1//@A/$A}
	shift
	start_bg "$WORK/rec.log" "$LIVEDUMP" record -o "$out" --all --lib "$O/lib/liblivedump.so.1" -e "$rule"
	local rec=$BG_PID
	wait_for grep -q '^recording into' "$WORK/rec.log" || fail "record did not start: $(cat "$WORK/rec.log")"
	touch "$go"
	for p in A B C D; do
		wait_for grep -q '^trigger ret=' "$WORK/$p.out" || fail "$p did not trigger"
	done
	kill -INT "$rec"
	wait "$rec" || fail "record failed: $(cat "$WORK/rec.log")"
	for p in A B C D; do
		grep -q '^trigger ret=1' "$WORK/$p.out" && got="$got$p"
		if grep -q '^trigger ret=1' "$WORK/$p.out"; then
			ls "$out" | grep -q -- "-${!p}\.core$" || fail "$rule: no dump of $p (pid ${!p})"
		fi
	done
	[ "$got" = "$(echo "$@" | tr -d ' ')" ] || fail "rule '$rule' dumped [$got], want [$*]"
	assert_eq "${#got}" "$(find "$out" -name '*.core' | wc -l)" "$rule: number of dumps"
	ok "$rule -> $got"
}

round "on app where pid=@A" A
round "on app where comm=other_prog" B
round "on app where exe=$WORK/other_prog" B
round "on app where uid=65534" C
if [ -n "$cg2" ]; then
	round "on app where cgroup=/$cgname" D
else
	echo "no cgroup v2 hierarchy: cgroup filter not tested"
fi
round "on app where comm=trigger_regions uid=0" A D
