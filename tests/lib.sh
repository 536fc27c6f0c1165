# Sourced by integration tests: paths, assertions and process hygiene.
set -u
O=${LD_BUILD:?run through tests/run.sh or set LD_BUILD}
TOP=${LD_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
LIVEDUMP=$O/livedump
PROGS=$O/tests
WORK=$(mktemp -d /tmp/livedump-test.XXXXXX)
_pids=()

cleanup() {
	for p in "${_pids[@]}"; do
		kill -CONT "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
ok()   { echo "ok: $*"; }
track() { _pids+=("$1"); }

require_root() { [ "$(id -u)" = 0 ] || skip "needs root (BPF and ptrace)"; }

# wait_for CMD... : retry for up to 10 s
wait_for() {
	local i
	for i in $(seq 100); do "$@" && return 0; sleep 0.1; done
	return 1
}

proc_state() { awk '{print $3}' "/proc/$1/stat" 2>/dev/null; }

assert_eq() {	# expected actual what
	[ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}
assert_grep() {	# pattern file what
	grep -qE -- "$1" "$2" || { sed 's/^/    /' "$2" >&2; fail "$3: no match for /$1/ in $2"; }
}

# gdb_bt EXE CORE > file: every thread's backtrace, gdb's chatter removed
gdb_bt() {
	gdb -nx -batch -ex 'set auto-load off' -ex 'thread apply all bt' "$1" "$2" 2>&1 |
		grep -E '^(#|Thread )'
}

# start_bg OUTFILE CMD... : run CMD in the background, pid in $BG_PID
start_bg() {
	local out=$1
	shift
	"$@" >"$out" 2>&1 &
	BG_PID=$!
	track "$BG_PID"
}

# The only .core file in DIR (fails unless there is exactly one).
only_dump() {
	local n
	n=$(find "$1" -maxdepth 1 -name '*.core' | wc -l)
	[ "$n" = 1 ] || { ls -la "$1" >&2; fail "expected exactly one dump in $1, found $n"; }
	find "$1" -maxdepth 1 -name '*.core'
}

# The kernel matrix (make test-vm, docs/testing.md) runs these tests in a VM
# on Debian's 6.1 kernel under TCG, with LD_IN_VM=1.
in_vm() { [ "${LD_IN_VM:-0}" = 1 ]; }
# skip_in_vm REASON: skip there only (say why: too slow under TCG, ...)
skip_in_vm() { in_vm && skip "in the VM: $*"; return 0; }
# have_feature NAME: the running kernel offers it (livedump features probes it)
have_feature() {
	"$LIVEDUMP" features --json "$1" 2>/dev/null | jq -e --arg f "$1" '.[$f].available' >/dev/null
}

# assert_decoded DUMP DETECTOR JQ-CONDITION-ON-FIELDS WHAT: the dump's issue is
# decoded by name in `inspect --json` (.issue) and in `script --json` (the
# event of that dump, from the journal beside it), and the fields hold.
assert_decoded() {
	local dump=$1 det=$2 cond=$3 what=$4 base
	[ -f "$dump" ] || fail "$what: no dump '$dump'"
	base=$(basename "$dump")
	"$LIVEDUMP" inspect --json "$dump" >"$WORK/decoded.json" 2>"$WORK/decoded.err" ||
		fail "$what: inspect --json failed: $(cat "$WORK/decoded.err")"
	jq -e --arg d "$det" ".issue.detector == \$d and .header.issue_type == \$d and
		(.issue.summary | length > 0) and (.issue.fields | $cond)" "$WORK/decoded.json" >/dev/null ||
		fail "$what: inspect --json issue: $(jq -c .issue "$WORK/decoded.json")"
	"$LIVEDUMP" script --json "$(dirname "$dump")" >"$WORK/decoded.jsonl" 2>"$WORK/decoded.err" ||
		fail "$what: script --json failed: $(cat "$WORK/decoded.err")"
	jq -e -s --arg b "$base" --arg d "$det" "[.[] | select(.dump == \$b)] | length == 1 and
		.[0].issue == \$d and (.[0].summary | length > 0) and (.[0].fields | $cond)" \
		"$WORK/decoded.jsonl" >/dev/null ||
		fail "$what: script --json event: $(grep -F "\"$base\"" "$WORK/decoded.jsonl")"
	ok "$what: decoded by inspect and script"
}
