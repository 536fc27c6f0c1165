#!/bin/bash
# report symbolizes through debuginfod: a program built with debug info is
# stripped, its debug file is only in a directory a real debuginfod
# (Debian's) serves; report on its dump names the functions, with file and
# line, only when DEBUGINFOD_URLS points at that server, and says which
# frames were symbolized through it.
. "$(dirname "$0")/../lib.sh"
require_root
skip_in_vm "symbolization through debuginfod is kernel-independent (and debuginfod under TCG is slow)"
command -v debuginfod >/dev/null || fail "debuginfod missing (scripts/deps.sh installs it)"
for t in curl jq unshare nsenter ip objcopy strip; do
	command -v $t >/dev/null || fail "$t missing"
done

# 1. The program: a chain of static functions (no dynamic symbols: only
#    the debug file names them), stripped; its debug file elsewhere.
mkdir -p "$WORK/src" "$WORK/served"
cat >"$WORK/src/dbgprog.c" <<'EOF'
#include <livedump.h>

__attribute__((noinline)) static int dbgd_leaf(int x)
{
	int r = livedump_trigger(0x4d01, x, 0, 0);	/* dbgprog.c:5 */
	__asm__ volatile("" ::: "memory");
	return r;
}

__attribute__((noinline)) static int dbgd_middle(int x)
{
	int r = dbgd_leaf(x + 1);
	__asm__ volatile("" ::: "memory");
	return r + 1;
}

int main(void)
{
	return dbgd_middle(1) == 2 ? 0 : 1;
}
EOF
gcc -O1 -g -fno-omit-frame-pointer -I"$TOP/include" "$WORK/src/dbgprog.c" -L"$O/lib" -llivedump \
	-Wl,-rpath,"$O/lib" -Wl,--build-id -o "$WORK/dbgprog" || fail "cannot build the program"
objcopy --only-keep-debug "$WORK/dbgprog" "$WORK/served/dbgprog.debug"
strip --strip-all "$WORK/dbgprog"
BUILD_ID=$(readelf -n "$WORK/dbgprog" | awk '/Build ID/ { print $3 }')
[ -n "$BUILD_ID" ] || fail "the program has no build-id"
nm "$WORK/dbgprog" 2>&1 | grep -q dbgd_ && fail "strip left the symbols"
rm -rf "$WORK/src"	# no source next to it either: file:line comes from DWARF only

# 2. Its dump.
"$LIVEDUMP" record -o "$WORK/dumps" -e 'dbgd on app code=0x4d01' -- "$WORK/dbgprog" \
	>"$WORK/rec.log" 2>&1 || fail "record failed: $(tail -5 "$WORK/rec.log")"
only_dump "$WORK/dumps" >/dev/null

# The server has the stripped executable too, for step 7.
cp "$WORK/dbgprog" "$WORK/served/dbgprog"

# 3. debuginfod (0.188 listens on every address and has no option to pick
#    one): in a network namespace of its own, where only loopback exists;
#    the reports run in it too.  Its database and the client's cache are
#    the test's.
PORT=8002
start_bg "$WORK/debuginfod.log" unshare --net sh -c \
	"ip link set lo up && exec debuginfod -F -p $PORT -d '$WORK/debuginfod.sqlite' -t 0 -g 0 '$WORK/served'"
DPID=$BG_PID
netns() { nsenter --target "$(pgrep -P "$DPID" -x debuginfod || echo "$DPID")" --net "$@"; }
indexed() {
	netns curl -sf -o /dev/null "http://127.0.0.1:$PORT/buildid/$BUILD_ID/debuginfo"
}
wait_for indexed || fail "debuginfod does not serve build-id $BUILD_ID: $(tail -5 "$WORK/debuginfod.log")"
# It is only there: not on this host's loopback.
curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/buildid/$BUILD_ID/debuginfo" &&
	fail "a debuginfod on the host's own 127.0.0.1:$PORT would make this test meaningless"

report() {	# OUT URLS [ARGS...]: report in debuginfod's network namespace ("" URLS: unset)
	local out=$1 urls=$2
	shift 2
	if [ -n "$urls" ]; then
		set -- env DEBUGINFOD_URLS="$urls" "$LIVEDUMP" report "$@" "$WORK/dumps"
	else
		set -- env -u DEBUGINFOD_URLS "$LIVEDUMP" report "$@" "$WORK/dumps"
	fi
	netns env DEBUGINFOD_CACHE_PATH="${CACHE:-$WORK/cache}" "$@" >"$out" 2>"$out.err" ||
		fail "report failed: $(cat "$out.err")"
}

# 4. Without DEBUGINFOD_URLS: no names for the program's frames.
report "$WORK/plain.txt" ""
grep -q 'dbgd_' "$WORK/plain.txt" && { cat "$WORK/plain.txt"; fail "names without debuginfod"; }
assert_grep 'dbgprog\+0x' "$WORK/plain.txt" "frames as object+offset without debug info"
grep -q 'debuginfod' "$WORK/plain.txt" && fail "debuginfod said without DEBUGINFOD_URLS"
ok "without debuginfod: the stripped program's frames are object+offset"

# 5. With it: the names, file:line, the frames marked, the file named.
report "$WORK/dbgd.txt" "http://127.0.0.1:$PORT"
cat "$WORK/dbgd.txt"
assert_grep '^ +dbgd_leaf\+0x[0-9a-f]+ +dbgprog \[debuginfod\] +dbgprog\.c:5$' "$WORK/dbgd.txt" "leaf frame"
assert_grep '^ +dbgd_middle\+0x[0-9a-f]+ +dbgprog \[debuginfod\] +dbgprog\.c:12$' "$WORK/dbgd.txt" "middle frame"
assert_grep '^ +main\+0x[0-9a-f]+ +dbgprog \[debuginfod\] +dbgprog\.c:19$' "$WORK/dbgd.txt" "main frame"
grep -E 'liblivedump.*\[debuginfod\]' "$WORK/dbgd.txt" && fail "a frame with local debug info marked [debuginfod]"
assert_grep '^From debuginfod$' "$WORK/dbgd.txt" "debuginfod section"
assert_grep "^  debug info of build-id $BUILD_ID: $WORK/cache/$BUILD_ID/debuginfo$" "$WORK/dbgd.txt" \
	"the file debuginfod gave"
[ -s "$WORK/cache/$BUILD_ID/debuginfo" ] || fail "nothing in the private cache"
report "$WORK/dbgd.json" "http://127.0.0.1:$PORT" --json
assert_eq '["dbgd_leaf",true]' "$(jq -c '[.stacks[0].frames[] | select(.function == "dbgd_leaf") |
	.function, .debuginfod]' "$WORK/dbgd.json")" "JSON frame marked"
assert_eq 1 "$(jq '.debuginfod | length' "$WORK/dbgd.json")" "JSON debuginfod list"
assert_eq 0 "$(jq '[.stacks[0].frames[] | select((.module // "") | test("liblivedump")) |
	select(.debuginfod)] | length' "$WORK/dbgd.json")" "JSON: local objects not marked"
ok "with DEBUGINFOD_URLS: names and file:line from the server, those frames marked [debuginfod]"

# 6. A server that is down: report still works, frames as before.
CACHE=$WORK/cache2 report "$WORK/down.txt" "http://127.0.0.1:1"
grep -q 'dbgd_' "$WORK/down.txt" && fail "names from a server that is down"
ok "a server that is down: report goes on without it"

# 7. The executable gone from the host: both it (for its CFI and symbols)
#    and its debug info come from the server.
mv "$WORK/dbgprog" "$WORK/dbgprog.away"
CACHE=$WORK/cache3 report "$WORK/gone.txt" "http://127.0.0.1:$PORT"
assert_grep '^ +dbgd_middle\+0x[0-9a-f]+ +dbgprog \[debuginfod\] +dbgprog\.c:12$' "$WORK/gone.txt" \
	"middle frame, the executable from debuginfod"
assert_grep "^  executable of build-id $BUILD_ID: $WORK/cache3/$BUILD_ID/executable$" "$WORK/gone.txt" \
	"the executable debuginfod gave"
assert_grep "^  debug info of build-id $BUILD_ID: " "$WORK/gone.txt" "its debug info too"
grep -q 'no file for' "$WORK/gone.txt.err" && fail "report says the executable is missing: $(cat "$WORK/gone.txt.err")"
ok "executable missing locally: fetched from debuginfod with its debug info"

# 8. The dump in a fleet store (file://, docs/fleet.md): its sidecar, made
#    where the debug info was not, has frames without names, so report
#    symbolizes the dump itself here, through debuginfod.
D=$(only_dump "$WORK/dumps")
DAY=$(date -u +%F)
mkdir -p "$WORK/store/h1/$DAY"
cp "$D" "$WORK/store/h1/$DAY/"
env -u DEBUGINFOD_URLS "$LIVEDUMP" inspect --sidecar --host h1 "$D" >"$WORK/store/h1/$DAY/$(basename "$D").meta.json" ||
	fail "inspect --sidecar failed"
jq -e '[.signature.frames[] | select(.function == null)] | length > 0' \
	"$WORK/store/h1/$DAY/$(basename "$D").meta.json" >/dev/null ||
	fail "the sidecar names every frame: nothing left for debuginfod"
netns env DEBUGINFOD_CACHE_PATH="$WORK/cache4" DEBUGINFOD_URLS="http://127.0.0.1:$PORT" \
	"$LIVEDUMP" report "file://$WORK/store" >"$WORK/store.txt" 2>"$WORK/store.err" ||
	fail "report of the store failed: $(cat "$WORK/store.err")"
assert_grep '^ +dbgd_middle\+0x[0-9a-f]+ +dbgprog \[debuginfod\] +dbgprog\.c:12$' "$WORK/store.txt" \
	"middle frame of the store's dump, through debuginfod"
ok "a dump of a fleet store whose sidecar lacks names: symbolized here through debuginfod"
