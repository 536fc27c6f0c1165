#!/bin/bash
# The probe detectors: a uprobe with an argument condition fires only for
# matching calls; malloc returning NULL under RLIMIT_AS fires a uretprobe
# with ret==0; a USDT probe fires with its arguments; kprobe rules fire
# where the kernel has kprobes and are refused with the reason elsewhere.
. "$(dirname "$0")/../lib.sh"
require_root
command -v jq >/dev/null || fail "jq is missing"
prog=$PROGS/probes

# 1. uprobe with arg1>1000000, and the USDT probe with arg2>=1000.
out=$WORK/up
"$LIVEDUMP" record -o "$out" -e "big on uprobe at=$prog:process_item arg1>1000000" \
	-e "usdtbig on usdt at=$prog:livedump_test:item arg2>=1000" -- "$prog" items \
	>"$WORK/up.log" 2>&1 || fail "record failed: $(cat "$WORK/up.log")"
cat "$WORK/up.log"
assert_eq 1 "$(grep -c '^trigger: rule big ' "$WORK/up.log")" "uprobe events (only the matching call)"
assert_grep '^trigger: rule big .* uprobe: .*:process_item hit \(arg1 0x1e8480,' "$WORK/up.log" "the argument"
assert_eq 1 "$(grep -c '^trigger: rule usdtbig ' "$WORK/up.log")" "usdt events"
assert_grep '^trigger: rule usdtbig .* usdt: .* hit \(arg1 0x1, arg2 0x1e8480,' "$WORK/up.log" "USDT arguments (id 1, size 2000000)"
dump=$(find "$out" -name '*-big-probes-*.core')
gdb_bt "$prog" "$dump" | grep -q ' process_item (' || fail "gdb: not frozen in process_item"
assert_decoded "$dump" uprobe ".at == \"$prog:process_item\" and .arg1 == \"0x1e8480\" and (.ip | startswith(\"0x\"))" "uprobe"
assert_decoded "$(find "$out" -name '*-usdtbig-probes-*.core')" usdt ".at == \"$prog:livedump_test:item\" and
	.arg1 == \"0x1\" and .arg2 == \"0x1e8480\"" "usdt"
ok "uprobe and usdt with argument conditions"

# 2. uretprobe on libc's malloc returning NULL.
out=$WORK/ret
"$LIVEDUMP" record -o "$out" -e 'nomem on uretprobe at=libc.so.6:malloc ret==0' -- "$prog" malloc \
	>"$WORK/ret.log" 2>&1 || fail "record failed: $(cat "$WORK/ret.log")"
cat "$WORK/ret.log"
assert_eq 1 "$(grep -c '^trigger: rule nomem .* uretprobe: libc.so.6:malloc returned 0$' "$WORK/ret.log")" "malloc NULL events"
dump=$(only_dump "$out")
gdb_bt "$prog" "$dump" | grep -q ' alloc_too_much (' || fail "gdb: the caller of malloc is not on the stack"
assert_decoded "$dump" uretprobe '.at == "libc.so.6:malloc" and .ret == 0' "uretprobe"
ok "uretprobe ret==0"

# 3. Kernel probes, entry and return, as kprobes and through BPF trampolines:
#    they fire where the kernel has them and are refused with the reason elsewhere.
"$LIVEDUMP" features --json >"$WORK/f.json" 2>/dev/null
have() { [ "$(jq -r --arg f "$1" '.. | objects | select(.name? == $f) | .available' "$WORK/f.json" | head -1)" = true ]; }

# kernel_case FEATURE RULE ATTACHED-AS EVENT-REGEX REFUSAL-REGEX
kernel_case() {
	local feature=$1 rule=$2 as=$3 event=$4 refusal=$5 name=${2%% *} rc
	"$LIVEDUMP" record -o "$WORK/k-$name" -e "$rule capture context limit 1" \
		-- "$PROGS/syscalls_static" >"$WORK/k-$name.log" 2>&1
	rc=$?
	cat "$WORK/k-$name.log"
	if have "$feature"; then
		[ $rc = 0 ] || fail "$rule: failed on a kernel with $feature"
		assert_grep "attached $as do_sys_openat2 for rule $name" "$WORK/k-$name.log" "$name attached as $as"
		assert_grep "^trigger: rule $name .* $event" "$WORK/k-$name.log" "$name event"
		det=${rule#* on }
		assert_decoded "$(find "$WORK/k-$name" -name '*.core' | head -1)" "${det%% *}" \
			'.at == "do_sys_openat2"' "$name"
		ok "$as fires"
	else
		[ $rc != 0 ] || fail "$rule: accepted on a kernel without $feature"
		assert_grep "livedump: rule $name \(-e #1\): $refusal" "$WORK/k-$name.log" "$name refused with the reason"
		ok "$as refused with the reason on this kernel"
	fi
}
kernel_case kprobe 'kin on kprobe at=do_sys_openat2 via=kprobe' kprobe \
	'kprobe: do_sys_openat2 hit \(arg1 0x(ffffffff)?ffffff9c,' 'kprobe is not available on this kernel: .+ \(see livedump features\)'
kernel_case kretprobe 'kout on kretprobe at=do_sys_openat2 ret<0 via=kprobe' kretprobe \
	'kretprobe: do_sys_openat2 returned -2$' 'kretprobe is not available on this kernel: .+ \(see livedump features\)'
kernel_case fentry 'fin on kprobe at=do_sys_openat2 via=fentry' fentry \
	'kprobe: do_sys_openat2 hit \(arg1 0x(ffffffff)?ffffff9c,' 'kprobe via fentry: .+'
kernel_case fexit 'fout on kretprobe at=do_sys_openat2 ret<0 via=fentry' fexit \
	'kretprobe: do_sys_openat2 returned -2$' 'kretprobe via fentry: .+'

# A kprobe's argument dumped typed (capture kernel=, docs/kernel-dumps.md):
# do_sys_openat2's third is the kernel's struct open_how of the call.
if have kprobe; then
	"$LIVEDUMP" record -o "$WORK/k-typed" \
		-e 'kt on kprobe at=do_sys_openat2 via=kprobe capture context kernel=arg3:open_how limit 1' \
		-- "$PROGS/syscalls_static" >"$WORK/k-typed.log" 2>&1 ||
		fail "typed kprobe rule failed: $(cat "$WORK/k-typed.log")"
	dump=$(find "$WORK/k-typed" -name '*.core' | head -1)
	[ -n "$dump" ] || fail "no dump of the typed kprobe rule: $(cat "$WORK/k-typed.log")"
	"$LIVEDUMP" inspect --json "$dump" >"$WORK/kt.json" || fail "inspect --json $dump"
	jq -e '[.kernel_objects[] | select(.name == "arg3" and .type == "struct open_how" and .arg == 3 and
		(.addr | startswith("0xff")) and (.value | has("flags") and has("mode") and has("resolve")))] |
		length == 1' "$WORK/kt.json" >/dev/null ||
		fail "no typed struct open_how: $(jq -c '[.kernel_objects[] | del(.bytes)]' "$WORK/kt.json")"
	"$LIVEDUMP" inspect "$dump" | grep -q '^    (struct open_how){' || fail "struct open_how not rendered as C"
	ok "kprobe: arg3 dumped as struct open_how ($(jq -c '.kernel_objects[0].value' "$WORK/kt.json"))"
fi

# 4. Bad probe rules.
"$LIVEDUMP" rules check -e 'x on uprobe' >"$WORK/err" 2>&1 && fail "uprobe without at= passed"
assert_grep "missing at= for uprobe \(expected at=PATH:SYMBOL\[\+OFFSET\]\)" "$WORK/err" "missing at="
"$LIVEDUMP" record -o "$WORK/x" -e 'x on uprobe at=/nonexistent/bin:main' -p $$ >"$WORK/err" 2>&1 && fail "missing binary accepted"
assert_grep "rule x \(-e #1\): cannot find /nonexistent/bin" "$WORK/err" "missing binary"
"$LIVEDUMP" record -o "$WORK/x" -e "x on uprobe at=$prog:no_such_function" -p $$ >"$WORK/err" 2>&1 && fail "missing symbol accepted"
assert_grep "rule x \(-e #1\): cannot attach uprobe to .*:no_such_function: symbol or probe not found" "$WORK/err" "missing symbol"
"$LIVEDUMP" rules check -e 'x on kprobe at=do_sys_openat2 capture context kernel=arg1:no_such_struct_ld' \
	>"$WORK/err" 2>&1 && fail "a kernel type the kernel lacks passed"
assert_grep "the running kernel has no type 'struct no_such_struct_ld'" "$WORK/err" "a missing kernel type, by name"
"$LIVEDUMP" rules check -e 'x on syscall capture context kernel=arg1:request' >"$WORK/err" 2>&1 &&
	fail "kernel= on a syscall rule passed"
assert_grep "impossible combination: kernel=arg1:request for issue 'syscall'" "$WORK/err" "kernel= on syscall"
ok "probe rule errors"
