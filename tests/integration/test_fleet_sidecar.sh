#!/bin/bash
# The fleet sidecar (docs/fleet.md "The sidecar") of real dumps, checked
# with jq: the keys of list --json with the same values, the host given,
# the format, compression, command line, build-ids (as eu-readelf reads
# them from the binary), field kinds, and the signature report --by stack
# groups by; a cut dump's sidecar says it is cut; a missing dump has none.
. "$(dirname "$0")/../lib.sh"
require_root
skip_in_vm "nothing kernel-specific: the sidecar is built from dump files"
command -v jq >/dev/null || fail "jq is missing (make deps installs it)"
command -v eu-readelf >/dev/null || fail "eu-readelf is missing (elfutils)"

D=$WORK/dumps
mkdir -p "$D"
start_bg "$WORK/busy.out" "$PROGS/threads_busy"
wait_for grep -q '^ready' "$WORK/busy.out" || fail "threads_busy did not start"
sleep 0.2
"$LIVEDUMP" capture -p "$BG_PID" -o "$D" >"$WORK/cap.log" 2>&1 || fail "capture failed: $(cat "$WORK/cap.log")"
"$LIVEDUMP" capture -p "$BG_PID" -o "$D" --compress --name zipped >"$WORK/cap2.log" 2>&1 ||
	fail "capture --compress failed: $(cat "$WORK/cap2.log")"
kill "$BG_PID"
PLAIN=$(ls "$D"/*-manual-*.core)
ZIPPED=$(ls "$D"/*-zipped-*.core)

# 1. One line of JSON; every key of list --json, with the same values.
"$LIVEDUMP" inspect "$PLAIN" --sidecar --host web1 >"$WORK/sc.json" 2>"$WORK/sc.err" ||
	fail "inspect --sidecar failed: $(cat "$WORK/sc.err")"
assert_eq 1 "$(wc -l <"$WORK/sc.json")" "sidecar lines"
jq -e . "$WORK/sc.json" >/dev/null || fail "the sidecar is not JSON: $(head -c 300 "$WORK/sc.json")"
"$LIVEDUMP" list --json "$PLAIN" >"$WORK/list.json" || fail "list --json failed"
jq -c '.dumps[0] | del(.host)' "$WORK/list.json" >"$WORK/entry.json"
jq -e --slurpfile e "$WORK/entry.json" '. as $s | $e[0] | to_entries | all(.value == $s[.key])' \
	"$WORK/sc.json" >/dev/null ||
	fail "the sidecar differs from list --json: $(jq -c --slurpfile e "$WORK/entry.json" \
		'. as $s | $e[0] | to_entries | map(select(.value != $s[.key]))' "$WORK/sc.json")"
q() { jq -r "$1" "$WORK/sc.json"; }
assert_eq 1 "$(q .version)" "sidecar version"
assert_eq web1 "$(q .host)" "host given with --host"
assert_eq manual "$(q .issue)" "issue"
assert_eq mini "$(q .capture_type)" "capture type"
assert_eq "$(basename "$PLAIN")" "$(q .name)" "dump name"
assert_eq "$(stat -c %s "$PLAIN")" "$(q .size)" "size"
assert_eq "$(stat -c %s "$PLAIN")" "$(q .disk_size)" "disk size of a plain dump"
assert_eq null "$(q .compression)" "compression of a plain dump"
assert_eq "$("$LIVEDUMP" inspect --json "$PLAIN" | jq -r '"\(.format.major).\(.format.minor)"')" \
	"$(q .format)" "format version"
assert_eq str "$(q .field_kinds.requested_by)" "field kind"
assert_eq "$PROGS/threads_busy" "$(q '.cmdline[0]')" "command line"
ok "sidecar: one line, list --json's keys and values, host, format, kinds, cmdline"

# 2. Build-ids: the executable's, as eu-readelf reads it from the file.
want=$(eu-readelf -n "$PROGS/threads_busy" | awk '/Build ID:/ { print $NF; exit }')
[ -n "$want" ] || fail "no build-id in $PROGS/threads_busy"
assert_eq "$want" "$(jq -r --arg p "$PROGS/threads_busy" '.build_ids[] | select(.path == $p) | .build_id' \
	"$WORK/sc.json")" "build-id of the executable"
libc=$(jq -r '.build_ids[] | select(.path | test("/libc\\.so")) | .build_id' "$WORK/sc.json")
[ -n "$libc" ] || fail "no libc among the build-ids: $(q -c .build_ids)"
ok "sidecar: build-ids of the mapped objects"

# 3. The signature is the stack report groups by, with its frames.
"$LIVEDUMP" report --json "$PLAIN" >"$WORK/report.json" 2>/dev/null || fail "report --json failed"
assert_eq "$(jq -r '.stacks[0].folded' "$WORK/report.json")" "$(q .signature.folded)" "signature = report's stack"
case "$(q .signature.folded)" in *";main;"*) ;; *) fail "signature without main: $(q .signature.folded)";; esac
assert_eq "$(jq -c '.stacks[0].frames' "$WORK/report.json")" "$(jq -c .signature.frames "$WORK/sc.json")" \
	"signature frames = report's"
ok "sidecar: the signature is report's stack"

# 4. A compressed dump: compression and disk size; the header's host by default.
"$LIVEDUMP" inspect --sidecar "$ZIPPED" >"$WORK/zsc.json" || fail "inspect --sidecar of a compressed dump failed"
assert_eq "zstd blocks" "$(jq -r .compression "$WORK/zsc.json")" "compression"
assert_eq "$(stat -c %s "$ZIPPED")" "$(jq -r .disk_size "$WORK/zsc.json")" "disk size of a compressed dump"
[ "$(jq -r .size "$WORK/zsc.json")" -gt "$(jq -r .disk_size "$WORK/zsc.json")" ] ||
	fail "the plain size of a compressed dump is not larger than the file"
assert_eq "$("$LIVEDUMP" inspect --json "$ZIPPED" | jq -r .header.hostname)" "$(jq -r .host "$WORK/zsc.json")" \
	"host from the header"
ok "sidecar: compressed dump, host from the header"

# 5. A cut dump's sidecar says so; a missing dump has none.
head -c 20000 "$PLAIN" >"$D/cut.core"
"$LIVEDUMP" inspect --sidecar "$D/cut.core" >"$WORK/cut.json" 2>"$WORK/cut.err" ||
	fail "inspect --sidecar of a cut dump failed: $(cat "$WORK/cut.err")"
assert_eq cut "$(jq -r .state "$WORK/cut.json")" "state of a cut dump"
jq -e '.why | test("cut")' "$WORK/cut.json" >/dev/null || fail "no why: $(jq -c .why "$WORK/cut.json")"
"$LIVEDUMP" inspect --sidecar "$D/none.core" >/dev/null 2>"$WORK/none.err"; rc=$?
assert_eq 1 "$rc" "exit status for a missing dump"
assert_grep "none.core: No such file" "$WORK/none.err" "message for a missing dump"
ok "sidecar: cut dump, missing dump"
