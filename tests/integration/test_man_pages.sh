#!/bin/bash
# The man pages (generated from docs/ by `make dist-files`, scripts/man.lua)
# and `livedump COMMAND --help` agree on the options: every long option the
# help names is in the page, and every one the page's OPTIONS section names
# is in the help.  Also: each page has NAME with the command table's summary
# and SYNOPSIS.  (groff's warnings about wide tables are lintian's to show.)
. "$(dirname "$0")/../lib.sh"
"$TOP/scripts/deps.sh" man >/dev/null || skip "pandoc cannot be installed (scripts/deps.sh man)"
command -v man >/dev/null || skip "no man (man-db)"
make -C "$TOP" --no-print-directory O="$O" dist-files >"$WORK/make.log" 2>&1 ||
	fail "make dist-files: $(cat "$WORK/make.log")"

longopts() { grep -oE -- '--[a-z][a-z-]*[a-z]' | sort -u; }
render() { MANWIDTH=1000 man -l "$1" 2>/dev/null | col -bx; }

n=0
for md in "$TOP"/docs/commands/*.md; do
	c=$(basename "$md" .md)
	page=$O/man/livedump-$c.1
	[ -f "$page" ] || fail "no man page $page for $md"
	render "$page" >"$WORK/$c.txt"
	summary=$("$LIVEDUMP" --help | awk -v c="$c" '$1 == c { $1 = ""; sub(/^ +/, ""); print }')
	[ -n "$summary" ] || fail "livedump --help has no line for $c"
	grep -qF -- "livedump-$c - $summary" "$WORK/$c.txt" || fail "livedump-$c(1): NAME is not '$summary'"
	grep -q '^SYNOPSIS' "$WORK/$c.txt" || fail "livedump-$c(1) has no SYNOPSIS"

	# --[no-]X in a usage line is --X and --no-X.
	"$LIVEDUMP" "$c" --help 2>&1 | sed 's/--\[no-\]\([a-z-]*\)/--\1 --no-\1/g' | longopts >"$WORK/$c.help"
	[ -s "$WORK/$c.help" ] || fail "livedump $c --help names no option"
	longopts <"$WORK/$c.txt" >"$WORK/$c.all"
	sed -n '/^OPTIONS/,/^[A-Z]/p' "$WORK/$c.txt" | longopts >"$WORK/$c.opts"
	missing=$(comm -23 "$WORK/$c.help" "$WORK/$c.all" | tr '\n' ' ')
	[ -z "$missing" ] || fail "livedump $c --help has options its man page (docs/commands/$c.md) does not: $missing"
	extra=$(comm -13 "$WORK/$c.help" "$WORK/$c.opts" | tr '\n' ' ')
	[ -z "$extra" ] || fail "livedump-$c(1)'s OPTIONS has options livedump $c --help does not: $extra"
	n=$((n + 1))
done
render "$O/man/livedump.1" >"$WORK/livedump.txt"
for md in "$TOP"/docs/commands/*.md; do
	grep -q "livedump-$(basename "$md" .md)(1)" "$WORK/livedump.txt" ||
		fail "livedump(1) does not name livedump-$(basename "$md" .md)(1)"
done
ok "$n command man pages agree with --help; livedump(1) names them all"
