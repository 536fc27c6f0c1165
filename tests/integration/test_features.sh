#!/bin/bash
# `livedump features`: every probe runs, the table and --json agree, and the
# answers match what this kernel is known to offer.
. "$(dirname "$0")/../lib.sh"
require_root
command -v jq >/dev/null || skip "jq not installed"

ALL="btf ringbuf tracepoint tp_btf raw_tp kprobe kretprobe fentry fexit uprobe uretprobe usdt send_signal perf_event"
# Offered by every kernel livedump supports (the development machines run 6.18).
MUST="btf ringbuf tracepoint tp_btf raw_tp uprobe uretprobe usdt send_signal perf_event"

for out in table json; do
	"$LIVEDUMP" features $([ $out = json ] && echo --json) >"$WORK/$out" 2>"$WORK/$out.err"
	rc=$?
	[ $rc = 0 ] || { cat "$WORK/$out.err" >&2; fail "features ($out) exited $rc"; }
done
sed 's/^/    /' "$WORK/table"
jq -e . "$WORK/json" >/dev/null || fail "--json output is not JSON"

assert_grep '^FEATURE +STATUS +DETAIL$' "$WORK/table" "table header"
assert_eq "$(echo $ALL | wc -w)" "$(jq length "$WORK/json")" "features in --json"
assert_eq "$(echo $ALL | wc -w)" "$(($(wc -l <"$WORK/table") - 1))" "rows in the table"

avail() { jq -r --arg f "$1" '.[$f].available' "$WORK/json"; }
reason() { jq -r --arg f "$1" '.[$f].reason' "$WORK/json"; }

for f in $ALL; do
	jq -e --arg f "$f" '.[$f] | (.name == $f) and (.available | type == "boolean")
		and (.reason | type == "string")' "$WORK/json" >/dev/null ||
		fail "$f: bad --json entry: $(jq -c --arg f "$f" '.[$f]' "$WORK/json")"
	# The table says the same as the JSON.
	status=$(awk -v f="$f" '$1 == f { print $2 }' "$WORK/table")
	case $(avail "$f") in
	true)  assert_eq yes "$status" "$f in the table"
	       assert_eq "" "$(reason "$f")" "$f: reason of an available feature" ;;
	false) assert_eq no "$status" "$f in the table"
	       [ -n "$(reason "$f")" ] || fail "$f: unavailable without a reason" ;;
	esac
done
ok "table and --json agree, every entry well formed"

for f in $MUST; do
	[ "$(avail "$f")" = true ] || fail "$f should be available: $(reason "$f")"
done
ok "available: $MUST"

# kprobes: the kprobe PMU tells independently whether the kernel has them.
if [ -e /sys/bus/event_source/devices/kprobe ]; then
	for f in kprobe kretprobe; do
		[ "$(avail $f)" = true ] || fail "$f should be available: $(reason $f)"
	done
	ok "kprobe, kretprobe available (kprobe PMU present)"
else
	for f in kprobe kretprobe; do
		[ "$(avail $f)" = false ] || fail "$f reported available without a kprobe PMU"
		reason $f | grep -q 'CONFIG_KPROBES' || fail "$f: reason lacks the cause: $(reason $f)"
	done
	ok "kprobe, kretprobe unavailable: $(reason kprobe)"
fi

# fentry/fexit share the trampoline: both or neither, and never without BTF.
assert_eq "$(avail fentry)" "$(avail fexit)" "fentry vs fexit"
[ -e /sys/kernel/btf/vmlinux ] || assert_eq false "$(avail fentry)" "fentry without vmlinux BTF"
if [ "$(avail fentry)" = true ]; then
	ok "fentry, fexit available"
else
	reason fentry | grep -qE 'failed: .+ — ' || fail "fentry: reason lacks errno and cause: $(reason fentry)"
	ok "fentry, fexit unavailable: $(reason fentry)"
fi

# A subset, same answers (each run probes afresh).
"$LIVEDUMP" features --json kprobe uprobe >"$WORK/sub" || fail "features with names exited $?"
assert_eq "kprobe uprobe" "$(jq -r 'keys_unsorted | join(" ")' "$WORK/sub")" "subset keys"
assert_eq "$(avail kprobe)" "$(jq -r .kprobe.available "$WORK/sub")" "kprobe in the subset run"
ok "subset"

# Usage errors and the non-root refusal.
"$LIVEDUMP" features nosuchfeature >/dev/null 2>&1
assert_eq 2 $? "exit status for an unknown feature"
if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups \
		test -x "$LIVEDUMP"; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$LIVEDUMP" features \
		>/dev/null 2>"$WORK/user.err"
	assert_eq 1 $? "exit status when not root"
	assert_grep 'must be run as root' "$WORK/user.err" "non-root message"
	ok "non-root refused"
fi
