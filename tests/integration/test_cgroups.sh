#!/bin/bash
# Cgroups on the hierarchies this host has (v2, v1 or hybrid): a `where
# cgroup=` rule on a v1 memory cgroup (or, on a pure v2 host, a v2 one),
# by its path alone and with the controller named, fires for the process
# in it or below and not for the others, nor does a rule on a cgroup
# beside it; an OOM in that cgroup fires its rule and names the memcg; and
# dumps name the systemd unit and the container read from the cgroup path
# (name=systemd on a hybrid host, else v2) in inspect, list, report and
# the journal.
. "$(dirname "$0")/../lib.sh"
require_root
command -v jq >/dev/null || fail "jq is missing"

cg2=
for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
	[ "$(stat -fc %T "$d" 2>/dev/null)" = cgroup2fs ] && cg2=$d && break
done
# v1 hierarchies by controller (or name=), from /proc/self/mounts
v1_mount() { awk -v c="$1" '$3 == "cgroup" { n = split($4, o, ","); for (i = 1; i <= n; i++)
	if (o[i] == c) { print $2; exit } }' /proc/self/mounts; }
mem1=$(v1_mount memory)
sys1=$(v1_mount name=systemd)

name=livedump-test-$$
made=()
mk() { mkdir -p "$1" && made+=("$1"); }
rm_cgroups() {	# children first
	local i
	for ((i = ${#made[@]} - 1; i >= 0; i--)); do rmdir "${made[i]}" 2>/dev/null; done
}
trap 'cleanup; rm_cgroups' EXIT

# The cgroup the filters are tested on: v1's memory hierarchy where there is one.
if [ -n "$mem1" ]; then
	base=$mem1 kind=v1 ctrl=memory:
elif [ -n "$cg2" ]; then
	base=$cg2 kind=v2 ctrl=
else
	skip "no cgroup v2 hierarchy and no v1 memory hierarchy"
fi
mk "$base/$name"; mk "$base/$name/inner"; mk "$base/$name/other"
echo "filters on $kind: $base/$name"

# Where systemd's tree would be: name=systemd on a hybrid host, else v2.
sysroot=${sys1:-$cg2}
id64=$(printf '%064x' "$$")
unit=ld-test-$$.service
if [ -n "$sysroot" ]; then
	mk "$sysroot/$name.slice"; mk "$sysroot/$name.slice/$unit"
	mk "$sysroot/$name.slice/docker-$id64.scope"
fi

chmod 755 "$WORK"
cp "$PROGS/trigger_regions" "$WORK/other_prog"
# A and B, then D in the filters' cgroup; A in a unit, B in a container
start_set() {	# GO-FILE
	start_bg "$WORK/A.out" "$PROGS/trigger_regions" --go "$1"; A=$BG_PID
	LD_LIBRARY_PATH=$O/lib start_bg "$WORK/B.out" "$WORK/other_prog" --go "$1"; B=$BG_PID
	start_bg "$WORK/D.out" "$PROGS/trigger_regions" --go "$1"; D=$BG_PID
	for p in A B D; do
		wait_for grep -q '^pid' "$WORK/$p.out" || fail "process $p did not start: $(cat "$WORK/$p.out")"
	done
	echo "$D" >"$base/$name/inner/cgroup.procs" || fail "cannot move D into $base/$name/inner"
	if [ -n "$sysroot" ]; then
		echo "$A" >"$sysroot/$name.slice/$unit/cgroup.procs" || fail "cannot move A"
		echo "$B" >"$sysroot/$name.slice/docker-$id64.scope/cgroup.procs" || fail "cannot move B"
	fi
	return 0
}

# round RULE EXPECTED-LETTERS... ; the dumps stay in $out
n=0
round() {
	local rule=$1 got="" p go
	shift
	n=$((n + 1))
	out=$WORK/out.$n go=$WORK/go.$n
	start_set "$go"
	start_bg "$WORK/rec.log" "$LIVEDUMP" record -o "$out" --all --lib "$O/lib/liblivedump.so.1" -e "$rule"
	local rec=$BG_PID
	wait_for grep -q '^recording into' "$WORK/rec.log" || fail "record did not start: $(cat "$WORK/rec.log")"
	touch "$go"
	for p in A B D; do
		wait_for grep -q '^trigger ret=' "$WORK/$p.out" || fail "$p did not trigger"
	done
	kill -INT "$rec"
	wait "$rec" || fail "record failed: $(cat "$WORK/rec.log")"
	for p in A B D; do
		if grep -q '^trigger ret=1' "$WORK/$p.out"; then
			got="$got$p"
			ls "$out" | grep -q -- "-${!p}\.core$" || fail "$rule: no dump of $p (pid ${!p})"
		fi
	done
	[ "$got" = "$(echo "$@" | tr -d ' ')" ] || fail "rule '$rule' dumped [$got], want [$*]:
$(cat "$WORK/rec.log" "$WORK/D.out")"
	assert_eq "${#got}" "$(find "$out" -name '*.core' | wc -l)" "$rule: number of dumps"
	ok "$rule -> ${got:-nothing}"
}

# The filters: the path alone, the controller named, below it, beside it.
round "on app where cgroup=/$name" D
[ -n "$ctrl" ] && round "on app where cgroup=$ctrl/$name/inner" D
round "on app where cgroup=/$name/other"
round "on app where cgroup=/$name/other,/$name" D

# A path no hierarchy has, a controller no one knows: clear errors.
"$LIVEDUMP" record -o "$WORK/bad" -e "on app where cgroup=/$name-none" -- true >"$WORK/bad.log" 2>&1 &&
	fail "a missing cgroup was accepted"
assert_grep "cgroup=/$name-none: no such cgroup in" "$WORK/bad.log" "missing cgroup"
"$LIVEDUMP" record -o "$WORK/bad" -e "on app where cgroup=nosuch:/x" -- true >"$WORK/bad.log" 2>&1 &&
	fail "an unknown controller was accepted"
assert_grep "unknown controller 'nosuch' \(expected one of .*memory" "$WORK/bad.log" "unknown controller"
ok "bad cgroups refused"

# Units and containers, of the dumps of the round that dumps all three.
if [ -n "$sysroot" ]; then
	round "on app where uid=0" A B D
	dA=$(ls "$out"/*-"$A".core) dB=$(ls "$out"/*-"$B".core) dD=$(ls "$out"/*-"$D".core)
	"$LIVEDUMP" inspect --json "$dA" >"$WORK/a.json" || fail "inspect --json A"
	jq -e --arg u "$unit" --arg s "$name.slice" '.kernel.unit == $u and .kernel.slice == $s and
		.kernel.container == null and (.kernel.cgroup_source | endswith("/" + $u))' \
		"$WORK/a.json" >/dev/null || fail "A's unit: $(jq -c '.kernel | del(.namespaces)' "$WORK/a.json")"
	"$LIVEDUMP" inspect --json "$dB" >"$WORK/b.json" || fail "inspect --json B"
	jq -e --arg id "$id64" '.kernel.unit == "docker-" + $id + ".scope" and
		.kernel.container == {runtime: "docker", id: $id, pod_uid: null}' "$WORK/b.json" >/dev/null ||
		fail "B's container: $(jq -c '.kernel | del(.namespaces)' "$WORK/b.json")"
	"$LIVEDUMP" inspect --json "$dD" >"$WORK/d.json" || fail "inspect --json D"
	jq -e '.kernel.unit == null and .kernel.container == null' "$WORK/d.json" >/dev/null ||
		fail "D has no unit: $(jq -c '.kernel | del(.namespaces)' "$WORK/d.json")"
	"$LIVEDUMP" inspect "$dA" >"$WORK/a.txt" || fail "inspect A"
	assert_grep "^unit: +$unit +in $name\.slice$" "$WORK/a.txt" "inspect's unit line"
	"$LIVEDUMP" inspect "$dB" >"$WORK/b.txt" || fail "inspect B"
	assert_grep "^container: +docker +$id64$" "$WORK/b.txt" "inspect's container line"
	if [ "$kind" = v1 ]; then
		"$LIVEDUMP" inspect "$dD" >"$WORK/d.txt" || fail "inspect D"
		assert_grep "^cgroups v1: .*memory:/$name/inner( |$)" "$WORK/d.txt" "D's v1 memory cgroup"
	fi
	ok "inspect names units and containers"

	"$LIVEDUMP" list --json "$out" >"$WORK/list.json" || fail "list --json"
	jq -e --arg u "$unit" --arg id "$id64" --argjson a "$A" --argjson b "$B" --argjson d "$D" '
		(.dumps[] | select(.pid == $a) | .unit == $u and .container == null) and
		(.dumps[] | select(.pid == $b) | .container.runtime == "docker" and .container.id == $id) and
		(.dumps[] | select(.pid == $d) | .unit == null)' "$WORK/list.json" >/dev/null ||
		fail "list --json: $(jq -c '[.dumps[] | {pid, unit, container}]' "$WORK/list.json")"
	ok "list --json names units and containers"

	"$LIVEDUMP" report --by unit "$out" >"$WORK/report.txt" || fail "report --by unit"
	assert_grep "^ +1 +[0-9.]+ +$unit$" "$WORK/report.txt" "report --by unit"
	assert_grep "^ +1 +[0-9.]+ +docker-$id64\.scope$" "$WORK/report.txt" "report --by unit (docker)"
	"$LIVEDUMP" report --json --by container "$out" >"$WORK/report.json" || fail "report --by container"
	jq -e --arg c "docker:$id64" '.sorted.rows | map({(.keys.container): .count}) | add |
		.[$c] == 1 and .["-"] == 2' "$WORK/report.json" >/dev/null ||
		fail "report --by container: $(jq -c .sorted "$WORK/report.json")"
	ok "report --by unit, --by container"

	jq -e -s --arg u "$unit" --arg id "$id64" --argjson a "$A" --argjson b "$B" '
		(map(select(.pid == $a)) | length == 1 and .[0].unit == $u) and
		(map(select(.pid == $b)) | .[0].container_runtime == "docker" and .[0].container_id == $id)' \
		"$out"/journal-*.jsonl >/dev/null || fail "journal: $(cat "$out"/journal-*.jsonl)"
	ok "the journal names units and containers"
else
	echo "no name=systemd nor v2 hierarchy: units not tested"
fi

# A process gone from /proc by the capture (an exit, context dump): its
# container from the cgroup BPF saw — on v1, the memcg (cgroupfs driver's /docker/ID).
if [ "$kind" = v1 ]; then
	dk=$base/$name/docker/$id64
	mk "$base/$name/docker"; mk "$dk"
	OUT=$WORK/gone
	"$LIVEDUMP" record -o "$OUT" -e 'x on exit status=3' -- sh -c \
		"echo \$\$ > $dk/cgroup.procs && exec $PROGS/failures exit3" >"$WORK/gone.log" 2>&1
	dump=$(find "$OUT" -name '*-x-failures-*.core')
	[ -n "$dump" ] || fail "no exit dump: $(cat "$WORK/gone.log")"
	"$LIVEDUMP" inspect --json "$dump" >"$WORK/gone.json" || fail "inspect --json of the exit dump"
	jq -e --arg id "$id64" --arg src "memory:/$name/docker/$id64" '.kernel.container ==
		{runtime: "docker", id: $id, pod_uid: null} and .kernel.cgroup_source == $src' \
		"$WORK/gone.json" >/dev/null || fail "the exited process's container: $(jq -c '.kernel |
		del(.namespaces)' "$WORK/gone.json")"
	ok "container of an exited process (state at capture: $(jq -r '.kernel.state // "gone"' "$WORK/gone.json"))"
fi

# Thresholds, sampled in user space, in the hierarchy the value resolves
# to: a member alone (scope=process) and the cgroup as a whole, named in
# the issue (two spawners of 51 threads each).
if [ "$(nproc)" -ge 2 ]; then
	mk "$base/$name/thr"
	LOG=$WORK/thr.log
	start_bg "$LOG" "$LIVEDUMP" record -o "$WORK/thr" --all \
		-e "p on threshold threads>40 for=400ms interval=200ms where cgroup=$ctrl/$name/thr limit 1" \
		-e "c on threshold threads>80 for=400ms interval=200ms scope=cgroup where cgroup=/$name/thr limit 1"
	rec=$BG_PID
	wait_for grep -q '^recording into' "$LOG" || fail "record did not start: $(cat "$LOG")"
	spawners=()
	for i in 1 2; do
		start_bg /dev/null sh -c "echo \$\$ > $base/$name/thr/cgroup.procs; exec $PROGS/failures spawn"
		spawners+=("$BG_PID")
	done
	wait_for grep -q '^trigger: rule c ' "$LOG"; got=$?
	wait_for grep -q '^trigger: rule p ' "$LOG"
	kill -INT "$rec"; wait "$rec"
	kill -KILL "${spawners[@]}" 2>/dev/null; wait "${spawners[@]}" 2>/dev/null
	grep '^trigger:' "$LOG"
	[ $got = 0 ] || fail "no threshold on the cgroup: $(cat "$LOG")"
	assert_grep "^trigger: rule p pid [0-9]+ \(failures\) .* threshold: threads [0-9]+ >= 40 for" "$LOG" \
		"a member's threads"
	assert_grep "^trigger: rule c pid [0-9]+ \(failures\) .* threshold: threads 10[0-9] >= 80 .* in cgroup /$name/thr$" \
		"$LOG" "the cgroup's threads summed, the cgroup named"
	ok "thresholds where cgroup= on $kind"
fi

# An OOM in the filters' cgroup: its rule fires (the one beside it does not), and it names the memcg.
oomcg=$base/$name/oom
if [ "$kind" = v1 ]; then
	mk "$oomcg" && echo 64M >"$oomcg/memory.limit_in_bytes"
elif grep -qw memory "$cg2/cgroup.controllers" 2>/dev/null &&
     grep -qw memory "$cg2/cgroup.subtree_control" 2>/dev/null; then
	echo +memory >"$base/$name/cgroup.subtree_control" 2>/dev/null
	mk "$oomcg" && echo 64M >"$oomcg/memory.max" && echo 0 >"$oomcg/memory.swap.max" 2>/dev/null
else
	oomcg=
fi
if [ -n "$oomcg" ] && [ -f "$oomcg/cgroup.procs" ]; then
	OUT=$WORK/oom LOG=$WORK/oom.log
	"$LIVEDUMP" record -o "$OUT" -e "beside on oom where cgroup=$ctrl/$name/other" \
		-e "in on oom where cgroup=/$name" -- \
		sh -c "echo \$\$ > $oomcg/cgroup.procs; exec $PROGS/failures hog" >"$LOG" 2>&1
	grep -E '^(trigger|dump):' "$LOG"
	events() { cat "$OUT"/journal-*.jsonl; }
	assert_eq 1 "$(events | jq -s 'map(select(.rule == "in" and .issue == "oom")) | length')" "oom in the cgroup"
	assert_eq 0 "$(events | jq -s 'map(select(.rule == "beside")) | length')" "oom beside it"
	want=$ctrl/$name/oom
	assert_decoded "$(find "$OUT" -name '*.core')" oom ".memcg == \"$want\"" "oom memcg $want"
	# The hog filled its 64 MiB: its anon rss says so (it read 0 once on 6.2+,
	# whose rss counters are percpu_counters).
	assert_decoded "$(find "$OUT" -name '*.core')" oom ".anon_rss > 1048576 and .total_vm >= .anon_rss" \
		"the victim's anon rss"
	assert_grep "^trigger: rule in .* limit hit by pid [0-9]+ in $want$" "$LOG" "the summary names the memcg"
	# The victim's mm and the memcg whose limit was hit, typed (6.1's
	# mark_victim names the victim by pid: its task comes from the
	# oom_control); the oom_control where the kernel has kprobes.
	"$LIVEDUMP" inspect --json "$(find "$OUT" -name '*.core')" >"$WORK/oomk.json" || fail "inspect --json (oom)"
	objs=$(jq -c '[.kernel_objects[] | del(.bytes, .value)]' "$WORK/oomk.json")
	jq -e '[.kernel_objects[] | select(.name == "mm" and .type == "struct mm_struct" and
		.value.total_vm > 0)] | length == 1' "$WORK/oomk.json" >/dev/null || fail "no victim mm: $objs"
	jq -e '[.kernel_objects[] | select(.name == "memcg" and .type == "struct mem_cgroup" and
		.value.memory.usage.counter > 0)] | length == 1' "$WORK/oomk.json" >/dev/null ||
		fail "no memcg with its usage: $objs"
	ok "oom: the victim's mm and the memcg, typed"
	if have_feature kprobe && have_feature kretprobe; then
		jq -e '[.kernel_objects[] | select(.name == "oom_control" and .type == "struct oom_control" and
			.value.totalpages > 0 and .value.gfp_mask > 0 and (.value.chosen | startswith("0xff")) and
			(.value.memcg | startswith("0xff")))] | length == 1' "$WORK/oomk.json" >/dev/null ||
			fail "no oom_control with its figures: $objs $(jq -c '.kernel_objects[] |
				select(.name == "oom_control") | .value' "$WORK/oomk.json")"
		ok "oom: the oom_control ($(jq -c '.kernel_objects[] | select(.name == "oom_control") | .value |
			{order, gfp_mask, totalpages, chosen_points, chosen}' "$WORK/oomk.json"))"
		# Followed from it (format 1.8): the memcg whose limit was hit, the chosen task's mm.
		assert_eq "memcg:oom_control:memcg mm:oom_control:chosen->mm" "$(jq -r '[.kernel_objects[] |
			select(.parent != null) | "\(.name):\(.parent):\(.via)"] | sort | join(" ")' "$WORK/oomk.json")" \
			"the memcg and the mm followed from the oom_control"
		assert_eq true "$(jq '(.kernel_objects | map({(.name): .}) | add) as $o |
			$o.memcg.addr == $o.oom_control.value.memcg' "$WORK/oomk.json")" "the memcg is the oom_control's"
		ok "oom: the memcg and the victim's mm followed from the oom_control"
	else
		jq -e '[.kernel_objects[] | select(.name == "oom_control")] | length == 0' "$WORK/oomk.json" \
			>/dev/null || fail "an oom_control without kprobes: $objs"
		echo "oom: no oom_control (no kprobes here)"
	fi
	ok "oom in a $kind memory cgroup"
elif in_vm; then
	# scripts/test-vm.sh enables it in the root's subtree_control, as systemd does.
	fail "no memory controller for cgroups in the VM: $cg2/cgroup.subtree_control is '$(cat \
		"$cg2/cgroup.subtree_control" 2>/dev/null)' (controllers: $(cat "$cg2/cgroup.controllers" 2>/dev/null))"
else
	echo "no memory controller to limit: oom not tested"
fi
