#!/bin/bash
# The files livedump writes (docs/safety.md): a link planted at the
# journal's name is not followed (the file it points at stays as it was,
# and record says why); an output directory that is a symlink, owned by
# another user, writable by everyone (0777, 1777) or by another group is
# refused with its path, owner and mode, and nothing is written there;
# one made unsafe while record runs gets no more dumps. A compressed dump
# whose second block header is damaged gets a clear error from inspect and
# list, naming the file and the block, and no crash.
. "$(dirname "$0")/../lib.sh"
require_root

# 1. A symlink at the journal's name. The name is journal-TIME-PID.jsonl:
#    bash plants links for the next seconds under its own pid, then execs
#    record, which keeps the pid.
out=$WORK/journal-out
mkdir -m 0700 "$out"
victim=$WORK/victim
echo "nothing to see here" >"$victim"
cp "$victim" "$WORK/victim.orig"
bash -c 'out=$1 victim=$2; shift 2
	now=$(date +%s)
	for i in 0 1 2 3 4 5; do
		ln -s "$victim" "$out/journal-$(date -d @$((now + i)) +%Y%m%dT%H%M%S)-$$.jsonl"
	done
	exec "$@"' planter "$out" "$victim" \
	"$LIVEDUMP" record -o "$out" -e 'j on app' -- "$PROGS/trigger_regions" --count 2 \
	>"$WORK/journal.log" 2>&1 && rc=0 || rc=$?
cat "$WORK/journal.log"
cmp -s "$victim" "$WORK/victim.orig" || fail "the file behind the planted link changed: $(cat "$victim")"
[ "$rc" != 0 ] || fail "record ran with a symlink at its journal's name"
assert_grep "livedump: cannot open journal $out/journal-[0-9T]+-[0-9]+\.jsonl: it is a symlink \(to $victim\): not followed" \
	"$WORK/journal.log" "record's message"
[ -z "$(find "$out" -name '*.core')" ] || fail "record dumped without a journal"
ok "a symlink at the journal's name: not followed, record says why"

# A file (not a link) already there is not appended to either.
out=$WORK/journal-file
mkdir -m 0700 "$out"
bash -c 'out=$1; shift
	now=$(date +%s)
	for i in 0 1 2 3 4 5; do
		echo old >"$out/journal-$(date -d @$((now + i)) +%Y%m%dT%H%M%S)-$$.jsonl"
	done
	exec "$@"' planter "$out" \
	"$LIVEDUMP" record -o "$out" -e 'j on app' -- "$PROGS/trigger_regions" --count 1 \
	>"$WORK/jfile.log" 2>&1 && fail "record appended to an existing journal file"
assert_grep "cannot open journal .*: a file of that name exists \(owner uid 0, mode 0644\)" \
	"$WORK/jfile.log" "record's message"
[ "$(cat "$out"/journal-*.jsonl | sort -u)" = old ] || fail "an existing journal file was appended to"
ok "an existing file at the journal's name: not appended to"

# 2. Output directories: refused, with a message naming path, owner, mode.
start_bg "$WORK/prog.out" "$PROGS/threads_busy"
pid=$BG_PID
wait_for grep -q '^ready' "$WORK/prog.out" || fail "threads_busy did not start"

# refuse DIR PATTERN WHAT: capture and record both refuse DIR and leave it empty.
refuse() {
	local dir=$1 pattern=$2 what=$3
	"$LIVEDUMP" capture -p "$pid" -o "$dir" >"$WORK/cap.log" 2>&1 &&
		fail "$what: capture wrote into it: $(cat "$WORK/cap.log")"
	assert_grep "$pattern" "$WORK/cap.log" "$what: capture's message"
	"$LIVEDUMP" record -o "$dir" -e 'r on app' -- "$PROGS/trigger_regions" --count 1 \
		>"$WORK/rec.log" 2>&1 && fail "$what: record ran: $(tail -3 "$WORK/rec.log")"
	assert_grep "$pattern" "$WORK/rec.log" "$what: record's message"
	[ -z "$(ls -A "$dir/")" ] || { ls -la "$dir/" >&2; fail "$what: files were written"; }
	ok "$what: refused ($(head -1 "$WORK/cap.log"))"
}

mkdir "$WORK/d0777" && chmod 0777 "$WORK/d0777"
refuse "$WORK/d0777" "refusing output directory $WORK/d0777: writable by everyone \(mode 0777, owner 0\)" "a 0777 directory"
mkdir "$WORK/d1777" && chmod 1777 "$WORK/d1777"
refuse "$WORK/d1777" "refusing output directory $WORK/d1777: writable by everyone \(mode 1777, sticky, owner 0\)" "a 1777 directory"
mkdir -m 0700 "$WORK/dnobody" && chown 65534 "$WORK/dnobody"
refuse "$WORK/dnobody" "refusing output directory $WORK/dnobody: owned by uid 65534( \([a-z]+\))?, not by uid 0( \(root\))? who writes the dumps \(mode 0700\)" \
	"a directory owned by another user"
mkdir "$WORK/dgroup" && chgrp 65534 "$WORK/dgroup" && chmod 0770 "$WORK/dgroup"
refuse "$WORK/dgroup" "refusing output directory $WORK/dgroup: writable by group gid 65534( \([a-z]+\))? \(mode 0770\)" \
	"a directory writable by another group"
mkdir -m 0700 "$WORK/real"
ln -s "$WORK/real" "$WORK/dlink"
refuse "$WORK/dlink" "refusing output directory $WORK/dlink: it is a symlink \(to $WORK/real\)" "a symlinked directory"
[ -z "$(ls -A "$WORK/real")" ] || fail "something was written through the symlink"

# Accepted: a missing directory (created 0700), a 0750 one (with a warning).
"$LIVEDUMP" capture -p "$pid" -o "$WORK/new/sub" >"$WORK/cap.log" 2>&1 ||
	fail "capture into a new directory: $(cat "$WORK/cap.log")"
assert_eq 700 "$(stat -c %a "$WORK/new/sub")" "mode of a directory capture created"
only_dump "$WORK/new/sub" >/dev/null
[ -z "$(find "$WORK/new/sub" -name '.*')" ] || fail "a temporary file was left"
# The fallback for filesystems without O_TMPFILE: a hidden .NAME.PID.tmp, gone
# once the dump has its name; a compressed full dump also spools.
LIVEDUMP_TEST_NO_TMPFILE=1 "$LIVEDUMP" capture -p "$pid" --full --compress -o "$WORK/notmp" \
	>"$WORK/cap.log" 2>&1 || fail "capture without O_TMPFILE: $(cat "$WORK/cap.log")"
"$LIVEDUMP" inspect "$(only_dump "$WORK/notmp")" >/dev/null || fail "the dump written without O_TMPFILE"
[ -z "$(find "$WORK/notmp" -name '.*')" ] || fail "a temporary file was left (no O_TMPFILE)"
mkdir -m 0750 "$WORK/d0750"
"$LIVEDUMP" capture -p "$pid" -o "$WORK/d0750" >"$WORK/cap.log" 2>&1 ||
	fail "capture into a 0750 directory: $(cat "$WORK/cap.log")"
assert_grep "warning: $WORK/d0750 is accessible by others \(mode 0750\)" "$WORK/cap.log" "the warning"
only_dump "$WORK/d0750" >/dev/null
ok "a new directory is made 0700; a 0750 one is used with a warning"

# 3. Made unsafe while record runs: the dump is refused and journaled.
out=$WORK/later
mkdir -m 0700 "$out"
start_bg "$WORK/later.log" "$LIVEDUMP" record -o "$out" -e 'later on app' \
	-- "$PROGS/trigger_regions" --count 1 --go "$WORK/go"
rec=$BG_PID
wait_for grep -q '^pid ' "$WORK/later.log" || fail "record did not start: $(cat "$WORK/later.log")"
chmod 0777 "$out"
touch "$WORK/go"
wait "$rec" || true
cat "$WORK/later.log"
[ -z "$(find "$out" -name '*.core')" ] || fail "a dump was written into a directory made 0777"
assert_grep "refusing output directory $out: writable by everyone" "$WORK/later.log" "record's message"
jq -e -s 'map(select(.verdict == "failed")) | length == 1' "$out"/journal-*.jsonl >/dev/null ||
	fail "the refused dump is not journaled as failed: $(cat "$out"/journal-*.jsonl)"
ok "a directory made unsafe during record: no dump, journaled as failed"

# 4. A compressed dump with a damaged second block header: inspect and list
#    say which file and block, and neither crashes (ASan: make SAN=1).
"$LIVEDUMP" capture -p "$pid" --full --compress -o "$WORK/gz" >"$WORK/cap.log" 2>&1 ||
	fail "compressed capture: $(cat "$WORK/cap.log")"
dump=$(only_dump "$WORK/gz")
first=$(od -An -tu4 -j28 -N4 "$dump" | tr -d ' ')
[ "$first" -gt 32 ] && [ "$first" -lt "$(stat -c %s "$dump")" ] || fail "no second block in $dump"
printf '\x00' | dd of="$dump" bs=1 seek="$first" conv=notrunc status=none
msg="$dump: compressed block 1 at offset $first: not a livedump block"
"$LIVEDUMP" inspect "$dump" >"$WORK/inspect.out" 2>&1 && rc=0 || rc=$?
cat "$WORK/inspect.out"
[ "$rc" = 1 ] || fail "inspect of the damaged dump exited $rc (want 1)"
assert_grep "^livedump: $msg" "$WORK/inspect.out" "inspect's error"
"$LIVEDUMP" inspect --json "$dump" >"$WORK/inspect.out" 2>&1 && rc=0 || rc=$?
[ "$rc" = 1 ] || fail "inspect --json of the damaged dump exited $rc (want 1)"
assert_grep "$msg" "$WORK/inspect.out" "inspect --json's error"
# list shows a damaged dump as such and exits 0 (docs/commands/list.md).
for arg in "$dump" "$WORK/gz"; do
	"$LIVEDUMP" list "$arg" >"$WORK/list.out" 2>&1 && rc=0 || rc=$?
	cat "$WORK/list.out"
	[ "$rc" = 0 ] || fail "list $arg exited $rc"
	assert_grep "^livedump: warning: $msg" "$WORK/list.out" "list's warning"
	assert_grep " damaged +- +$(basename "$dump")\$" "$WORK/list.out" "list's row"
done
ok "a damaged second block header: inspect and list name the file and the block"
