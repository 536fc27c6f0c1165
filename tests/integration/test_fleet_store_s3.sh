#!/bin/bash
# list, report and script of a fleet store in a real Ceph RADOS Gateway
# (tests/lib/ceph.sh): real dumps of two hosts and their sidecars PUT
# with curl --aws-sigv4 under PREFIX/HOST/YYYY-MM-DD/ (docs/fleet.md).
# list and report of s3://BUCKET/PREFIX say what they say of the same
# store in a directory, and fetch no dump; a dump is fetched into the
# cache only when its sidecar's frames lack names, byte-identical;
# credentials from the environment or a 0600 file; a wrong key or
# bucket is an error that names it.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib/ceph.sh"
. "$(dirname "$0")/../lib/fleet_store.sh"
require_root
skip_in_vm "nothing kernel-specific: the store is Ceph on loopback"
command -v jq >/dev/null || fail "jq is missing (make deps installs it)"

S=$WORK/store
store_fill "$S"
ceph_start
ceph_bucket fleet
P=site-a/prod
put() {	# FILE KEY
	local code
	code=$(s3_curl -o "$WORK/put.out" -w '%{http_code}' -T "$1" "$CEPH_S3/fleet/$2")
	[ "$code" = 200 ] || fail "PUT $2: HTTP $code $(cat "$WORK/put.out")"
}
for k in "${STORE_DUMPS[@]}"; do
	put "$S/$k" "$P/$k"
	put "$S/$k.meta.json" "$P/$k.meta.json"
done
# Not in the layout: ignored.
put "$S/${STORE_DUMPS[0]}.meta.json" "$P/stray.meta.json"

export AWS_ACCESS_KEY_ID=$CEPH_AK AWS_SECRET_ACCESS_KEY=$CEPH_SK XDG_CACHE_HOME=$WORK/cache
URL=s3://fleet/$P
ld() { "$LIVEDUMP" "$1" --s3-endpoint "$CEPH_S3" "${@:2}"; }

# 1. list and report: what the directory store says, from the sidecars alone.
ld list --json "$URL" >"$WORK/list.json" 2>"$WORK/list.err" || fail "list s3:// failed: $(cat "$WORK/list.err")"
[ -s "$WORK/list.err" ] && fail "list s3:// warned: $(cat "$WORK/list.err")"
"$LIVEDUMP" list --json "file://$S" >"$WORK/dir.json" || fail "list file:// failed"
assert_eq "$(jq -c "[.dumps[] | .file |= sub(\"^file://$S\"; \"$URL\")]" "$WORK/dir.json")" \
	"$(jq -c '.dumps' "$WORK/list.json")" "list of the bucket = list of the directory"
ld report --json "$URL" >"$WORK/report.json" 2>"$WORK/report.err" || fail "report s3:// failed: $(cat "$WORK/report.err")"
assert_eq '[["web1",2],["web2",2]]' "$(jq -c '[.by_host[] | [.host, .count]]' "$WORK/report.json")" "by host"
assert_eq '[[3,2],[1,1]]' "$(jq -c '[.stacks[] | [.count, .hosts]]' "$WORK/report.json")" "signatures: count, hosts"
"$LIVEDUMP" report --json "file://$S" >"$WORK/dirreport.json" || fail "report file:// failed"
noex='[.by_host, .by_issue, .by_rule, .stacks] | walk(if type == "object" then del(.example) else . end)'
assert_eq "$(jq -c "$noex" "$WORK/dirreport.json")" "$(jq -c "$noex" "$WORK/report.json")" \
	"report of the bucket = report of the directory"
[ -z "$(find "$WORK/cache" -name '*.core' 2>/dev/null)" ] ||
	fail "list and report fetched dumps: $(find "$WORK/cache" -name '*.core')"
ok "list and report of s3://: from the sidecars, the same as of the directory, no dump fetched"

# 1b. The sidecars are cached: the next list GETs none, unless the object
#     changed (a sidecar PUT again with the same size: its ETag, an MD5, differs).
assert_eq 4 "$(find "$WORK/cache" -name '*.meta.json' | wc -l)" "sidecars in the cache"
"$LIVEDUMP" -v list --s3-endpoint "$CEPH_S3" --json "$URL" >"$WORK/list2.json" 2>"$WORK/list2.err" || fail "list again failed: $(cat "$WORK/list2.err")"
assert_eq 4 "$(grep -c 'meta.json: the cached copy$' "$WORK/list2.err")" "sidecars read from the cache"
cmp -s "$WORK/list.json" "$WORK/list2.json" || fail "list from the cache differs"
k=${STORE_DUMPS[1]}
comm=$(jq -r '.process.comm // .comm' "$S/$k.meta.json")
[ -n "$comm" ] && [ "$comm" != null ] || fail "no comm in the sidecar $k: $(head -c 300 "$S/$k.meta.json")"
new=$(tr 'a-z' 'A-Z' <<<"$comm")
[ "$new" != "$comm" ] || new=$(rev <<<"$comm")X
new=${new:0:${#comm}}
sed "s/\"$comm\"/\"$new\"/" "$S/$k.meta.json" >"$WORK/same-size.json"
assert_eq "$(stat -c %s "$S/$k.meta.json")" "$(stat -c %s "$WORK/same-size.json")" "the changed sidecar's size"
put "$WORK/same-size.json" "$P/$k.meta.json"
"$LIVEDUMP" -v list --s3-endpoint "$CEPH_S3" --json "$URL" >"$WORK/list3.json" 2>"$WORK/list3.err" || fail "list failed: $(cat "$WORK/list3.err")"
assert_eq 3 "$(grep -c 'meta.json: the cached copy$' "$WORK/list3.err")" "sidecars read from the cache after one changed"
grep -q "\"$new\"" "$WORK/list3.json" || fail "list shows the old sidecar of $k: $(jq -c . "$WORK/list3.json" | head -c 600)"
put "$S/$k.meta.json" "$P/$k.meta.json"
ok "sidecars cached, and fetched again when the object changed"

# 2. A sidecar without names: that dump is fetched into the cache, byte-identical, and symbolized.
k=${STORE_DUMPS[2]}
jq -c '.signature.frames |= map(.function = null) | .signature.folded = "x"' "$S/$k.meta.json" >"$WORK/noname.json"
put "$WORK/noname.json" "$P/$k.meta.json"
ld report --json "$URL" >"$WORK/report2.json" 2>"$WORK/report2.err" || fail "report failed: $(cat "$WORK/report2.err")"
assert_eq '[[3,2],[1,1]]' "$(jq -c '[.stacks[] | [.count, .hosts]]' "$WORK/report2.json")" \
	"signatures with the dump symbolized here"
assert_eq "$WORK/cache/livedump/s3/fleet/$P/$k" "$(find "$WORK/cache" -name '*.core')" "the one dump in the cache"
cmp "$S/$k" "$WORK/cache/livedump/s3/fleet/$P/$k" || fail "the fetched dump differs from the one PUT"
ld report --json "$URL" >/dev/null 2>&1 || fail "report again failed"
ok "report of s3://: a dump fetched only when its sidecar lacks names, byte-identical"

# 3. script: the dumps no journal mentions are fetched (script reads their headers).
ld script --json "$URL" --cache "$WORK/cache2" >"$WORK/script.jsonl" 2>"$WORK/script.err" ||
	fail "script s3:// failed: $(cat "$WORK/script.err")"
assert_eq '["web1","web1","web2","web2"]' "$(jq -s -c 'map(.host)' "$WORK/script.jsonl")" "script hosts"
assert_eq 4 "$(find "$WORK/cache2" -name '*.core' | wc -l)" "dumps fetched by script into --cache"
ok "script of s3://: events with hosts, dumps fetched into --cache"

# 4. Credentials from a 0600 file; wrong ones and a missing bucket are errors that say so.
printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$CEPH_AK" "$CEPH_SK" >"$WORK/creds"
chmod 600 "$WORK/creds"
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$LIVEDUMP" list --json --s3-endpoint "$CEPH_S3" \
	--s3-credentials "$WORK/creds" "$URL" >"$WORK/creds.json" 2>"$WORK/creds.err" ||
	fail "list with --s3-credentials failed: $(cat "$WORK/creds.err")"
assert_eq 4 "$(jq '.dumps | length' "$WORK/creds.json")" "dumps listed with a credentials file"
AWS_SECRET_ACCESS_KEY=wrong ld list "$URL" >/dev/null 2>"$WORK/wrong.err"; rc=$?
assert_eq 1 "$rc" "exit status with a wrong secret"
assert_grep 'SignatureDoesNotMatch|AccessDenied|403' "$WORK/wrong.err" "message for a wrong secret"
ld list s3://nosuchbucket >/dev/null 2>"$WORK/nob.err"; rc=$?
assert_eq 1 "$rc" "exit status for a missing bucket"
assert_grep 'NoSuchBucket|404' "$WORK/nob.err" "message for a missing bucket"
ld list "$URL" --s3-endpoint http://127.0.0.1:1 >/dev/null 2>"$WORK/down.err"; rc=$?
assert_eq 1 "$rc" "exit status with a server that is down"
assert_grep 'cannot list s3://fleet/site-a/prod: .*127\.0\.0\.1:1' "$WORK/down.err" "message for a server that is down"
ok "s3://: credentials file, wrong secret, missing bucket, server down"

# 5. What record --upload (the uploader, src/fleet/upload.c) puts in the bucket reads back.
"$LIVEDUMP" record -o "$WORK/rec" --upload s3://fleet/up --s3-endpoint "$CEPH_S3" \
	-e 'alpha on app code=0x1001' -- "$PROGS/trigger_regions" --code 0x1001 --code 0x1001 \
	>"$WORK/rec.log" 2>&1 || fail "record --upload failed: $(tail -5 "$WORK/rec.log")"
assert_eq 2 "$(grep -c '^uploaded: .*\.core ' "$WORK/rec.log")" "dumps uploaded: $(grep upload "$WORK/rec.log")"
ld list --json s3://fleet/up >"$WORK/up.json" 2>"$WORK/up.err" || fail "list of the upload failed: $(cat "$WORK/up.err")"
assert_eq 2 "$(jq '[.dumps[] | select(.rule == "alpha" and .state == "complete")] | length' "$WORK/up.json")" \
	"uploaded dumps listed from their sidecars"
assert_eq "$(ls "$WORK"/rec/*.core | xargs -n1 basename | jq -R . | jq -s -c .)" \
	"$(jq -c '[.dumps[].name]' "$WORK/up.json")" "the dumps recorded, by name"
ld script --json s3://fleet/up >"$WORK/up.jsonl" 2>"$WORK/up.err" || fail "script of the upload failed: $(cat "$WORK/up.err")"
"$LIVEDUMP" script --json "$WORK/rec" >"$WORK/rec.jsonl"
# From the uploaded journal, or from the dumps' headers before it is there.
ev='map({rule, issue, pid, code, verdict, dump, summary})'
assert_eq "$(jq -s -c "$ev" "$WORK/rec.jsonl")" "$(jq -s -c "$ev" "$WORK/up.jsonl")" \
	"script of the bucket: the session's events"
ok "record --upload: list and script of the bucket read back what was recorded"
