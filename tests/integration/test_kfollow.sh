#!/bin/bash
# Kernel objects followed from a kernel probe's typed argument (capture
# follow=, docs/kernel-dumps.md): the rule checker resolves the paths in the
# running kernel's BTF, parents first, and refuses bad ones by name; where
# the kernel has kprobes (make test-vm) a vfs_write rule's dump holds the
# file dd writes, its dentry, inode, the dentry's parent and the mount's
# super_block, each naming the object it was followed from and the pointer,
# with the fields of that file; elsewhere the rule is refused with the reason.
. "$(dirname "$0")/../lib.sh"
require_root
command -v jq >/dev/null || fail "jq is missing"
[ -r /sys/kernel/btf/vmlinux ] || skip "the running kernel has no BTF: kernel= and follow= cannot be checked"

# 1. The checker: paths in order of their parents, the canonical form.
rule="wr on kprobe at=vfs_write via=kprobe where comm=dd capture context kernel=arg1:file \
follow=arg1.f_path.mnt.mnt_sb,arg1.f_path.dentry.d_parent,arg1.f_inode,arg1.f_path.dentry limit 1"
"$LIVEDUMP" rules check -v -e "$rule" >"$WORK/ok" 2>&1 || fail "a valid follow= rule failed: $(cat "$WORK/ok")"
assert_grep " kernel=arg1:file follow=arg1.f_inode,arg1.f_path.dentry,arg1.f_path.mnt.mnt_sb,arg1.f_path.dentry.d_parent( |$)" \
	"$WORK/ok" "canonical form: parents first"
# refused BAD MESSAGE-REGEX: a follow= the checker refuses, by the names of what is wrong
refused() {
	"$LIVEDUMP" rules check -e "x on kprobe at=blk_mq_end_request capture context kernel=arg1:request $1" \
		>"$WORK/err" 2>&1 && fail "'$1' passed the checker"
	assert_grep "$2" "$WORK/err" "$1 refused"
}
refused follow=arg1.bioo "follow=arg1\.bioo: struct request has no member 'bioo'$"
refused follow=arg1.tag "follow=arg1\.tag: 'tag' in struct request is not a pointer to a struct$"
refused follow=arg2.bio "follow=arg2\.bio: arg2 is not dumped \(expected kernel=arg2:TYPE too\)$"
refused follow=arg1.q.disk.part0.bd_disk "crosses more than 2 pointers"
"$LIVEDUMP" rules check -e 'x on syscall capture context follow=arg1.bio' >"$WORK/err" 2>&1 &&
	fail "follow= on a syscall rule passed"
assert_grep "impossible combination: follow= for issue 'syscall'" "$WORK/err" "follow= on syscall"
ok "follow= checked in the kernel's BTF, refused by name"

# 2. The dump: dd's write to $dir/f, through a kprobe and (where there are
#    BPF trampolines) fentry, which share the program's body.
dir=$WORK/kf.d
mkdir -p "$dir"
for via in kprobe fentry; do
	out=$WORK/out-$via
	"$LIVEDUMP" record -o "$out" -e "${rule/via=kprobe/via=$via}" \
		-- dd if=/dev/zero of="$dir/f-$via" bs=16 count=1 >"$WORK/$via.log" 2>&1
	rc=$?
	if ! have_feature "$via"; then
		[ $rc != 0 ] || fail "via=$via accepted on a kernel without $via"
		assert_grep "livedump: rule wr \(-e #1\): kprobe( via fentry)? is not available on this kernel|kprobe via fentry: " \
			"$WORK/$via.log" "via=$via refused with the reason"
		ok "via=$via: refused with the reason on this kernel ($("$LIVEDUMP" features --json "$via" |
			jq -r --arg f "$via" '.[$f].reason'))"
		continue
	fi
	[ $rc = 0 ] || fail "via=$via: record failed: $(cat "$WORK/$via.log")"
	dump=$(find "$out" -name '*.core' | head -1)
	[ -n "$dump" ] || fail "via=$via: no dump: $(cat "$WORK/$via.log")"
	"$LIVEDUMP" inspect --json "$dump" >"$WORK/$via.json" || fail "inspect --json $dump"
	"$LIVEDUMP" inspect "$dump" >"$WORK/$via.txt" || fail "inspect $dump"
	objs=$(jq -c '[.kernel_objects[] | del(.bytes, .value)]' "$WORK/$via.json")
	assert_eq "arg1:: arg1.f_inode:arg1:f_inode arg1.f_path.dentry:arg1:f_path.dentry \
arg1.f_path.mnt.mnt_sb:arg1:f_path.mnt->mnt_sb arg1.f_path.dentry.d_parent:arg1.f_path.dentry:d_parent" \
		"$(jq -r '[.kernel_objects[] | "\(.name):\(.parent // ""):\(.via // "")"] | join(" ")' "$WORK/$via.json")" \
		"via=$via: the objects, their parents and the pointers followed"
	# Each child is where its parent's copy points; the fields are the file's.
	jq -e --argjson ino "$(stat -c %i "$dir/f-$via")" --arg name "f-$via" --arg dir "$(basename "$dir")" \
		'(.kernel_objects | map({(.name): .}) | add) as $o |
		$o.arg1.type == "struct file" and
		$o["arg1.f_inode"].type == "struct inode" and $o["arg1.f_inode"].addr == $o.arg1.value.f_inode and
		$o["arg1.f_inode"].value.i_ino == $ino and
		$o["arg1.f_path.dentry"].type == "struct dentry" and
		$o["arg1.f_path.dentry"].addr == $o.arg1.value.f_path.dentry and
		$o["arg1.f_path.dentry"].value.d_name.len == ($name | length) and
		$o["arg1.f_path.dentry"].value.d_inode == $o["arg1.f_inode"].addr and
		$o["arg1.f_path.dentry.d_parent"].addr == $o["arg1.f_path.dentry"].value.d_parent and
		$o["arg1.f_path.dentry.d_parent"].value.d_name.len == ($dir | length) and
		$o["arg1.f_path.mnt.mnt_sb"].type == "struct super_block" and
		$o["arg1.f_path.mnt.mnt_sb"].addr == $o["arg1.f_inode"].value.i_sb and
		($o["arg1.f_path.mnt.mnt_sb"].value.s_id | length > 0)' "$WORK/$via.json" >/dev/null ||
		fail "via=$via: the followed objects are not the file's: $objs"
	assert_grep "^    arg1\.f_path\.dentry +struct dentry +at 0x[0-9a-f]+ .* = arg1->f_path\.dentry$" "$WORK/$via.txt" \
		"via=$via: the dentry under the file in inspect"
	assert_grep "^      arg1\.f_path\.dentry\.d_parent +struct dentry +at 0x[0-9a-f]+ .* = arg1\.f_path\.dentry->d_parent$" \
		"$WORK/$via.txt" "via=$via: its parent under it"
	ok "via=$via: vfs_write's file, its inode (i_ino $(jq -r '.kernel_objects[] | select(.name == "arg1.f_inode") |
		.value.i_ino' "$WORK/$via.json")), dentry, the dentry's parent and the super_block ($(jq -r \
		'.kernel_objects[] | select(.name == "arg1.f_path.mnt.mnt_sb") | .value.s_id' "$WORK/$via.json")), followed"
done

# 3. A reload keeps a probe rule's objects: the program's table of them is
#    set when the rule attaches, so a follow= changed by a reload is refused.
have_feature kprobe || { echo "reload of a follow= rule: not tested without kprobes"; exit 0; }
rules=$WORK/live.rules
echo "${rule/limit 1/}" >"$rules"
start_bg "$WORK/rec.log" "$LIVEDUMP" record -o "$WORK/out-reload" -r "$rules" -p $$
rec=$BG_PID
wait_for grep -q '^recording into' "$WORK/rec.log" || fail "record did not start: $(cat "$WORK/rec.log")"
sed -i 's/,arg1\.f_inode//' "$rules"
kill -HUP "$rec"
wait_for grep -q '^reload: \(done\|refused\)' "$WORK/rec.log" || fail "no reload: $(tail -5 "$WORK/rec.log")"
kill -INT "$rec"; wait "$rec"
assert_grep "^reload: refused, the rules in force stay: rule wr \(.*\) is attached for itself" "$WORK/rec.log" \
	"a reload changing follow= is refused"
ok "reload: a probe rule's follow= stays as it attached"
