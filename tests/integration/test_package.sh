#!/bin/bash
# The Debian packages (debian/, make deb): built once into $O/deb (make
# skips it while the sources are unchanged), installed into this machine
# with dpkg, then: the man pages, pkg-config, a program built against the
# installed header and libraries (shared and static), bash completion,
# `systemd-analyze verify` of the installed unit, the unit's ExecStart line
# run with the shipped rules and only the unit's capabilities (it dumps the
# program's trigger), a bad rule file refused with FILE:LINE:COLUMN and exit
# status 2, and a purge that leaves none of the packages' files.  Packages
# of livedump already installed here are purged first: the machine is a
# test machine.
. "$(dirname "$0")/../lib.sh"
require_root
skip_in_vm "the packages are tested on the host"
command -v dpkg >/dev/null || skip "not a Debian system (no dpkg)"

# One package test at a time on this machine (dpkg has one database).
exec 9>/run/lock/livedump-test-package.lock
flock -w 600 9 || fail "another package test holds /run/lock/livedump-test-package.lock"

"$TOP/scripts/deps.sh" deb || skip "the packaging tools cannot be installed (scripts/deps.sh deb)"
make -C "$TOP" --no-print-directory O="$O" deb || fail "make deb"
arch=$(dpkg --print-architecture)
ver=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)
mkver=$(sed -n 's/^VERSION *:= *//p' "$TOP/Makefile")
assert_eq "$mkver" "$ver" "debian/changelog's version is the Makefile's"
pkgs="livedump liblivedump1 liblivedump-dev"
debs=""
for p in $pkgs; do
	f=$O/deb/${p}_${ver}_$arch.deb
	[ -f "$f" ] || fail "make deb built no $f"
	debs="$debs $f"
done
grep -q '^E:' "$O/deb/lintian.log" && fail "lintian errors: $(grep '^E:' "$O/deb/lintian.log")"
ok "make deb: $(ls "$O"/deb/*.deb | wc -l) packages, lintian without errors"

purge() { dpkg --purge $pkgs >"$WORK/purge.log" 2>&1; }
trap 'purge; cleanup' EXIT
purge || fail "purging an earlier install: $(cat "$WORK/purge.log")"
dpkg -i $debs >"$WORK/install.log" 2>&1 || fail "dpkg -i: $(cat "$WORK/install.log")"
for p in $pkgs; do dpkg -L "$p"; done | sort -u >"$WORK/files"
ok "installed with dpkg ($(wc -l <"$WORK/files") paths)"

# The shared library's soname is the package's name.
so=$(grep '/liblivedump\.so\.1$' "$WORK/files") || fail "liblivedump1 ships no liblivedump.so.1"
dpkg -S "$so" | grep -q '^liblivedump1:' || fail "$so is not liblivedump1's"
objdump -p "$so" | grep -q 'SONAME *liblivedump\.so\.1$' || fail "$so: soname is not liblivedump.so.1"

# Man pages: one for the tool and one per command.
man -w livedump >/dev/null || fail "man -w livedump"
for md in "$TOP"/docs/commands/*.md; do
	c=$(basename "$md" .md)
	man -w "livedump-$c" >/dev/null || fail "no man page livedump-$c"
done
MANWIDTH=80 man livedump-record 2>/dev/null | col -bx >"$WORK/man-record"
assert_grep '^NAME' "$WORK/man-record" "man livedump-record"
assert_grep 'livedump-record +- watch processes' "$WORK/man-record" "man livedump-record's NAME"
assert_grep '^ +--max-use SIZE' "$WORK/man-record" "man livedump-record's options"
ok "man pages"

# pkg-config, and a program built against the installed header and library.
flags=$(pkg-config --cflags --libs livedump) || fail "pkg-config --cflags --libs livedump"
[[ $flags == *-llivedump* ]] || fail "pkg-config --libs: '$flags'"
libdir=$(pkg-config --variable=libdir livedump)
[ "$libdir/liblivedump.so.1" = "$so" ] || fail "pkg-config's libdir $libdir does not hold $so"
cat >"$WORK/prog.c" <<'PROG'
#include <livedump.h>
#include <livedump/abi.h>
#include <stdio.h>
#include <unistd.h>

static char state[256] = "package test state";

int main(void)
{
	if (livedump_region_add(state, sizeof(state), "state"))
		return 2;
	printf("pid %d regions %d\n", getpid(), livedump_region_count());
	fflush(stdout);
	int r = livedump_trigger(0x42, 7, NULL, 0);
	printf("trigger ret=%d\n", r);
	return r < 0;
}
PROG
# RUNPATH: the installed library even if /usr/local/lib has another (make install).
gcc -Wall -Werror "$WORK/prog.c" $flags -Wl,-rpath,"$libdir" -o "$WORK/prog" 2>"$WORK/cc.log" ||
	fail "building against the installed header and library: $(cat "$WORK/cc.log")"
gcc -Wall -Werror -static "$WORK/prog.c" $(pkg-config --cflags --static --libs livedump) \
	-o "$WORK/prog_static" 2>"$WORK/cc.log" ||
	fail "linking the installed static library: $(cat "$WORK/cc.log")"
ldd "$WORK/prog" | grep -q "=> $so" || fail "prog does not load $so: $(ldd "$WORK/prog")"
for p in prog prog_static; do
	"$WORK/$p" >"$WORK/$p.out" 2>&1 || fail "$p: $(cat "$WORK/$p.out")"
	assert_grep '^trigger ret=0' "$WORK/$p.out" "$p without a collector"
done
ok "pkg-config '$flags': a program links (shared and static) and runs"

# bash completion: commands, a command's options, rule words, the issue names.
comp() {	# WORDS... : what completing the last word offers
	bash -c '. /usr/share/bash-completion/bash_completion
		 . /usr/share/bash-completion/completions/livedump
		 COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		 _livedump; printf "%s\n" "${COMPREPLY[@]}"' comp "$@"
}
assert_eq "record" "$(comp livedump rec)" "completing 'livedump rec'"
comp livedump record --max- | grep -qx -- --max-use || fail "completing 'livedump record --max-': $(comp livedump record --max-)"
comp livedump record -e s | grep -qx signal || fail "completing a rule word: $(comp livedump record -e s)"
want=$(sed -n '/^#define LD_DETECTORS(X)/,/^$/s/^[[:space:]]*X([A-Z_]*, *\([a-z_]*\)).*/\1/p' \
	"$TOP/src/kabi/records.h" | grep -vx manual | sort | tr '\n' ' ')
have=$(comp livedump record -e '' | sort -u | grep -xF -f <(echo "$want" | tr ' ' '\n') | tr '\n' ' ')
assert_eq "$want" "$have" "the issues bash completion offers (src/kabi/records.h)"
touch "$WORK/20261203T000000.000-app-x-1.core" "$WORK/2-not-a-dump.txt"
assert_eq "$WORK/20261203T000000.000-app-x-1.core" "$(comp livedump inspect "$WORK/2")" "completing a dump file"
ok "bash completion"

# The unit.
unit=$(grep '/livedump\.service$' "$WORK/files") || fail "no livedump.service in the package"
systemd-analyze verify "$unit" >"$WORK/verify.log" 2>&1 || fail "systemd-analyze verify: $(cat "$WORK/verify.log")"
grep "livedump" "$WORK/verify.log" && fail "systemd-analyze verify complains: $(cat "$WORK/verify.log")"
ok "systemd-analyze verify $unit"

# Its ExecStart line, as systemd would run it: with the shipped rules
# (/etc/livedump/rules.d), ${STATE_DIRECTORY} a fresh 0700 directory, and
# only the unit's CapabilityBoundingSet and NoNewPrivileges.
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
[ -n "$exec_start" ] && [ -n "$caps" ] || fail "the unit has no ExecStart or CapabilityBoundingSet"
state=$WORK/state
mkdir -m 0700 "$state"
# shellcheck disable=SC2086 # ExecStart is split into words as systemd does (no quotes in ours)
start_bg "$WORK/service.log" setpriv --bounding-set "-all,$caps" --inh-caps -all --no-new-privs -- \
	${exec_start//\$\{STATE_DIRECTORY\}/$state}
svc=$BG_PID
wait_for grep -q '^recording into' "$WORK/service.log" || fail "ExecStart did not start: $(cat "$WORK/service.log")"
assert_grep "rules from /etc/livedump/rules.d: 1" "$WORK/service.log" "the shipped rules"
"$WORK/prog" >"$WORK/prog.out" 2>&1 || fail "prog under the service: $(cat "$WORK/prog.out")"
assert_grep '^trigger ret=1' "$WORK/prog.out" "prog's trigger under the service's collector"
dump=$(only_dump "$state")
"$LIVEDUMP" inspect --json "$dump" | jq -e '.header.pid > 0' >/dev/null || fail "inspect $dump"
ok "ExecStart with the unit's capabilities: the shipped rule dumped the program ($(basename "$dump"))"

# ExecReload, as systemd would run it ($MAINPID the collector): a rule
# added to rules.d is taken, a bad file is refused and the rules stay.
exec_reload=$(sed -n 's/^ExecReload=//p' "$unit")
[ -n "$exec_reload" ] || fail "the unit has no ExecReload"
reloads_done() { [ "$(grep -c '^reload: \(done\|refused\)' "$WORK/service.log")" -ge "$1" ]; }
printf '# added while running\nextra on app code=0x7777 capture context\n' \
	>/etc/livedump/rules.d/zz-test-reload.rules
${exec_reload//\$MAINPID/$svc} || fail "ExecReload failed"
wait_for reloads_done 1 || fail "no reload: $(tail -5 "$WORK/service.log")"
assert_grep '^reload: done, 2 rules in force \(1 before\)$' "$WORK/service.log" "the reload with a rule added"
assert_grep '^rule: extra on app code=0x7777 ' "$WORK/service.log" "the added rule"
printf 'extra on app code=0x7777 capture tiny\n' >/etc/livedump/rules.d/zz-test-reload.rules
${exec_reload//\$MAINPID/$svc} || fail "ExecReload failed"
wait_for reloads_done 2 || fail "no second reload: $(tail -5 "$WORK/service.log")"
rm -f /etc/livedump/rules.d/zz-test-reload.rules
assert_grep '^reload: refused, the rules in force stay: /etc/livedump/rules.d/zz-test-reload.rules:1:[0-9]+: ' \
	"$WORK/service.log" "the refused reload's FILE:LINE:COLUMN"
"$WORK/prog" >"$WORK/prog.out" 2>&1 || fail "prog after the reloads: $(cat "$WORK/prog.out")"
assert_grep '^trigger ret=1' "$WORK/prog.out" "prog's trigger after the reloads"
ok "ExecReload: a rule added is taken, a bad file refused with FILE:LINE:COLUMN"
kill -INT "$svc"
wait "$svc"; rc=$?
assert_eq 0 "$rc" "the collector's exit status after SIGINT ($(tail -3 "$WORK/service.log"))"

# A bad rule file in rules.d: refused with FILE:LINE:COLUMN and exit status
# 2, which the unit does not restart on (RestartPreventExitStatus=2).
grep -qx 'RestartPreventExitStatus=2' "$unit" || fail "the unit restarts on bad rules"
printf '# a typo\nbad on app capture tiny\n' >/etc/livedump/rules.d/zz-test-bad.rules
${exec_start//\$\{STATE_DIRECTORY\}/$state} >"$WORK/bad.log" 2>&1
rc=$?
rm -f /etc/livedump/rules.d/zz-test-bad.rules
assert_eq 2 "$rc" "ExecStart's exit status with a bad rule file ($(cat "$WORK/bad.log"))"
assert_grep '/etc/livedump/rules.d/zz-test-bad.rules:2:[0-9]+: ' "$WORK/bad.log" "the bad rule's FILE:LINE:COLUMN"
ok "a bad rule file: $(grep -m1 zz-test-bad "$WORK/bad.log")"

# Purge: none of the packages' files is left, nor the unit's symlinks.
purge || fail "dpkg --purge: $(cat "$WORK/purge.log")"
left=""
while read -r f; do
	[ -d "$f" ] && continue		# shared directories (/usr, /etc ...): below
	[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done <"$WORK/files"
for d in /etc/livedump /usr/include/livedump /usr/share/doc/livedump /usr/share/doc/liblivedump1; do
	[ -e "$d" ] && left="$left $d"
done
find /etc/systemd -name 'livedump*' | grep -q . && left="$left $(find /etc/systemd -name 'livedump*')"
[ -z "$left" ] || fail "left after dpkg --purge:$left"
dpkg -l livedump 2>/dev/null | grep -q '^.[^n]' && fail "dpkg still knows livedump: $(dpkg -l livedump | tail -1)"
trap cleanup EXIT
ok "dpkg --purge left nothing"
