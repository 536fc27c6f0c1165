#!/bin/bash
# record --upload against a real Ceph RADOS Gateway (tests/lib/ceph.sh): dumps
# provoked for real end in the bucket byte-identical (fetched with curl's own
# SigV4, not livedump), at PREFIX/HOST/YYYY-MM-DD/NAME, the journal beside
# them; a big dump goes multipart (5 MiB parts) and survives the gateway
# killed mid-upload; a collector killed (SIGKILL) mid-upload and started
# again on the same directory leaves every dump in the bucket exactly once;
# --upload-delete removes local copies only once the bucket holds them;
# wrong credentials, a missing bucket and a readable credentials file are
# refused naming the endpoint and the server's error code.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib/ceph.sh"
require_root
# Nothing kernel-specific, and the VM has no Ceph (nor the memory for it).
skip_in_vm "the uploader is kernel-independent, and Ceph under TCG is slow"
command -v curl >/dev/null || fail "curl missing"

ceph_start
ceph_bucket dumps
ok "Ceph up: mon, bluestore OSD, radosgw at $CEPH_S3"
export AWS_ACCESS_KEY_ID=$CEPH_AK AWS_SECRET_ACCESS_KEY=$CEPH_SK
unset AWS_SESSION_TOKEN AWS_REGION
HOST=$(hostname)
RULE_MINI='alpha on app code=0x1001'
RULE_FULL='big on app code=0x1002 capture full'

# wait_long SECONDS CMD...: retry CMD every 0.2 s for up to SECONDS
wait_long() {
	local i n=$(($1 * 5))
	shift
	for i in $(seq "$n"); do "$@" && return 0; sleep 0.2; done
	return 1
}
count_in() { grep -c -- "$1" "$2"; }
has_n() { [ "$(count_in "$1" "$2")" -ge "$3" ]; }	# PATTERN FILE N: at least N lines
# The keys under PREFIX, one a line (ListObjectsV2, as curl gets it).
bucket_keys() {
	# '/' encoded: curl 7.88 signs the query as written, RGW its canonical form.
	s3_curl "$CEPH_S3/dumps?list-type=2&prefix=${1//\//%2F}" >"$WORK/list.xml" ||
		fail "listing $1 failed"
	grep -q '<ListBucketResult' "$WORK/list.xml" || fail "listing $1: $(cat "$WORK/list.xml")"
	grep -o '<Key>[^<]*</Key>' "$WORK/list.xml" | sed 's/<Key>//; s/<\/Key>//'
}
# FILE KEY WHAT: the object at KEY is FILE, byte for byte
same_object() {
	local code
	code=$(s3_curl -o "$WORK/got" -w '%{http_code}' "$CEPH_S3/dumps/$2")
	assert_eq 200 "$code" "$3: GET $2"
	cmp -s "$1" "$WORK/got" || fail "$3: s3://dumps/$2 differs from $1 ($(stat -c %s "$WORK/got") vs $(stat -c %s "$1") bytes)"
}
etag_of() {	# KEY: the ETag HEAD gives, unquoted
	s3_curl -I "$CEPH_S3/dumps/$1" | tr -d '\r' | awk -F'"' 'tolower($0) ~ /^etag:/ { print $2 }'
}
dump_key() {	# PREFIX DUMP: its key
	echo "$1/$HOST/$(date -u -d @"$(stat -c %Y "$2")" +%F)/$(basename "$2")"
}
# DIR PREFIX WHAT: every dump of DIR is in the bucket once, byte-identical, at its key
all_uploaded() {
	local dir=$1 prefix=$2 what=$3 d name n keys
	keys=$(bucket_keys "$prefix/")
	n=0
	for d in "$dir"/*.core; do
		name=$(basename "$d")
		[ "$(grep -c "/$name\$" <<<"$keys")" = 1 ] ||
			fail "$what: $name is in the bucket $(grep -c "/$name\$" <<<"$keys") times: $keys"
		grep -qx "$(dump_key "$prefix" "$d")" <<<"$keys" ||
			fail "$what: $name not at $(dump_key "$prefix" "$d"): $keys"
		same_object "$d" "$(dump_key "$prefix" "$d")" "$what"
		n=$((n + 1))
	done
	assert_eq "$n" "$(grep -c '\.core$' <<<"$keys")" "$what: dumps in the bucket"
	echo "$n"
}
start_record() {	# LOG DIR PREFIX ARGS...: record, watching trigger_regions
	local log=$1 dir=$2 prefix=$3
	shift 3
	# shellcheck disable=SC2086 # REC_ENV: options of env(1)
	start_bg "$log" env ${REC_ENV:-} "$LIVEDUMP" record -o "$dir" --upload "s3://dumps/$prefix" \
		--s3-endpoint "$CEPH_S3" -x "$PROGS/trigger_regions" "$@"
	REC_PID=$BG_PID
	wait_for grep -q '^recording into' "$log" || fail "record did not start: $(cat "$log")"
}
stop_record() {
	local rc
	kill -INT "$REC_PID"
	wait "$REC_PID" 2>/dev/null
	rc=$?
	assert_grep '^summary: ' "$1" "record summary"
	# (under SAN=1 a sanitizer's report ends the run with another status)
	[ "$rc" = 0 ] || { cat "$1" >&2; fail "record exited with status $rc"; }
}

# 1. Refused at start, before anything is attached, with the reason.
"$LIVEDUMP" record --s3-endpoint "$CEPH_S3" -x /bin/true >"$WORK/bad.log" 2>&1; rc=$?
assert_eq 2 "$rc" "--s3-endpoint without --upload"
assert_grep 'go with --upload' "$WORK/bad.log" "--s3-endpoint without --upload"
"$LIVEDUMP" record --upload s3://Bad_Bucket/x -x /bin/true >"$WORK/bad.log" 2>&1; rc=$?
assert_eq 2 "$rc" "--upload with a bad bucket name"
assert_grep "^livedump: --upload s3://Bad_Bucket/x: bad bucket name" "$WORK/bad.log" "bad bucket name"
refused() {	# CODE WHAT URL [VAR=VALUE...]: record exits 1 naming the endpoint and CODE
	local code=$1 what=$2 url=$3
	shift 3
	env "$@" "$LIVEDUMP" record -o "$WORK/refused" -e "$RULE_MINI" -x "$PROGS/trigger_regions" \
		--upload "$url" --s3-endpoint "$CEPH_S3" >"$WORK/bad.log" 2>&1; rc=$?
	assert_eq 1 "$rc" "$what: exit code"
	assert_grep "the server at $CEPH_S3 refuses us: .*HTTP 403 $code|the server at $CEPH_S3 refuses us: .*HTTP 404 $code" \
		"$WORK/bad.log" "$what: message"
	grep -q '^recording into' "$WORK/bad.log" && fail "$what: record went on"
	return 0
}
refused SignatureDoesNotMatch "a wrong secret key" s3://dumps/x AWS_SECRET_ACCESS_KEY=wrong-secret
refused InvalidAccessKeyId "an unknown access key" s3://dumps/x AWS_ACCESS_KEY_ID=NOSUCHKEY0000000
refused NoSuchBucket "a missing bucket" s3://no-such-bucket/x
cat "$WORK/bad.log"
printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$CEPH_AK" "$CEPH_SK" \
	>"$WORK/creds"
chmod 0644 "$WORK/creds"
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$LIVEDUMP" record -o "$WORK/refused" \
	--upload s3://dumps/x --s3-endpoint "$CEPH_S3" --s3-credentials "$WORK/creds" \
	-e "$RULE_MINI" -x "$PROGS/trigger_regions" >"$WORK/bad.log" 2>&1; rc=$?
assert_eq 1 "$rc" "a credentials file others can read"
assert_grep "refusing credentials file $WORK/creds: mode 0644.*0600" "$WORK/bad.log" "credentials mode"
ok "refused: wrong secret, unknown key, missing bucket (server's code and endpoint named), 0644 credentials"

# 2. Dumps of real triggers, credentials from a 0600 file, metrics counting.
chmod 0600 "$WORK/creds"
MPORT=$(ceph_free_port)
REC_ENV="-u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY" start_record "$WORK/b.log" "$WORK/b" \
	fleet-b -e "$RULE_MINI" --s3-credentials "$WORK/creds" --metrics "127.0.0.1:$MPORT"
for i in 1 2 3; do
	"$PROGS/trigger_regions" --code 0x1001 >>"$WORK/trig.log" 2>&1 || fail "trigger_regions failed"
done
wait_long 20 has_n '^uploaded: ' "$WORK/b.log" 3 || fail "3 dumps not uploaded: $(cat "$WORK/b.log")"
curl -sf "http://127.0.0.1:$MPORT/metrics" >"$WORK/metrics.txt" || fail "GET /metrics"
stop_record "$WORK/b.log"
assert_eq 3 "$(ls "$WORK"/b/*.core | wc -l)" "dumps written"
assert_grep '^livedump_uploads_done_total 3$' "$WORK/metrics.txt" "metric uploads done"
assert_grep '^livedump_upload_queue_dumps 0$' "$WORK/metrics.txt" "metric upload queue"
assert_grep '^livedump_uploads_failed_total 0$' "$WORK/metrics.txt" "metric uploads failed"
bytes=$(stat -c %s "$WORK"/b/*.core | awk '{ s += $1 } END { print s }')
assert_grep "^livedump_upload_bytes_total $bytes$" "$WORK/metrics.txt" "metric bytes uploaded"
assert_eq 3 "$(all_uploaded "$WORK/b" fleet-b "plain uploads")" "dumps in the bucket"
journal=$(ls "$WORK"/b/journal-*.jsonl)
same_object "$journal" "fleet-b/$HOST/journal/$(basename "$journal")" "the journal"
assert_eq 3 "$(grep -c '"verdict":"dumped"' "$WORK/got")" "dumps in the uploaded journal"
[ -z "$(ls "$WORK/b/.spool" | grep -v '^done$')" ] || fail "spool entries left: $(ls -a "$WORK/b/.spool")"
ok "3 dumps and the journal in the bucket, byte-identical, at fleet-b/$HOST/DATE/NAME; metrics count them"
# Beside each dump its sidecar: what inspect --sidecar says of it here.
for d in "$WORK"/b/*.core; do
	"$LIVEDUMP" inspect "$d" --sidecar --host "$HOST" >"$WORK/sidecar.json" ||
		fail "inspect --sidecar $d"
	same_object "$WORK/sidecar.json" "$(dump_key fleet-b "$d").meta.json" "sidecar of $d"
done
ok "each dump's sidecar beside it, as inspect --sidecar makes it"

# 3. A full dump (~16 MiB) in 5 MiB parts, slowed to 4 MB/s; the gateway is
#    killed in the middle and started again: the next attempt completes it.
LIVEDUMP_TEST_UPLOAD_BPS=4000000 start_record "$WORK/c.log" "$WORK/c" fleet-c -e "$RULE_FULL" \
	--s3-part-size 5M
"$PROGS/trigger_regions" --code 0x1002 >>"$WORK/trig.log" 2>&1 || fail "trigger_regions failed"
wait_for grep -q '^dump: ' "$WORK/c.log" || fail "no full dump: $(cat "$WORK/c.log")"
big=$(ls "$WORK"/c/*.core)
[ "$(stat -c %s "$big")" -gt $((10 << 20)) ] || fail "the full dump is only $(stat -c %s "$big") bytes"
sleep 1.5
rgw_stop
grep -q '^uploaded: ' "$WORK/c.log" && fail "uploaded before the gateway was killed: raise the slowdown"
wait_long 30 grep -q 'attempt 1 failed' "$WORK/c.log" || fail "no failed attempt: $(cat "$WORK/c.log")"
rgw_start
wait_long 60 grep -q '^uploaded: ' "$WORK/c.log" || fail "not uploaded after the restart: $(cat "$WORK/c.log")"
stop_record "$WORK/c.log"
cat "$WORK/c.log" | grep -E '^uploaded|upload:'
assert_eq 1 "$(all_uploaded "$WORK/c" fleet-c "multipart across a gateway restart")" "big dumps in the bucket"
key=$(bucket_keys fleet-c/ | grep '\.core$')
parts=$(( ($(stat -c %s "$big") + (5 << 20) - 1) / (5 << 20) ))
[[ "$(etag_of "$key")" == *-$parts ]] || fail "not a $parts-part upload: ETag $(etag_of "$key")"
ok "a $(($(stat -c %s "$big") >> 20)) MiB dump in $parts parts, through a gateway killed mid-upload"

# 3b. Parts of 1 MiB, which this gateway (S3's 5 MiB minimum, Ceph's default)
#     refuses (EntityTooSmall): said once, and sent again at once in 5 MiB
#     parts, not retried forever; the next dump goes in 5 MiB parts at once.
start_record "$WORK/p.log" "$WORK/p" fleet-p -e "$RULE_FULL" --s3-part-size 1M
for i in 1 2; do
	"$PROGS/trigger_regions" --code 0x1002 >>"$WORK/trig.log" 2>&1 || fail "trigger_regions failed"
	wait_long 60 has_n '^uploaded: ' "$WORK/p.log" "$i" || fail "dump $i not uploaded: $(cat "$WORK/p.log")"
done
stop_record "$WORK/p.log"
grep -E '^uploaded|upload:' "$WORK/p.log"
assert_eq 1 "$(grep -c 'refuses parts of 1024 KiB (EntityTooSmall): 5 MiB parts from now on' "$WORK/p.log")" \
	"the refusal said once"
grep -q 'attempt [0-9]* failed' "$WORK/p.log" && fail "a failed attempt: $(grep 'attempt' "$WORK/p.log")"
assert_eq 2 "$(all_uploaded "$WORK/p" fleet-p "parts of 1 MiB refused")" "dumps in the bucket"
for d in "$WORK"/p/*.core; do
	parts=$(( ($(stat -c %s "$d") + (5 << 20) - 1) / (5 << 20) ))
	[[ "$(etag_of "$(dump_key fleet-p "$d")")" == *-$parts ]] ||
		fail "$d: not a $parts-part upload: ETag $(etag_of "$(dump_key fleet-p "$d")")"
done
ok "parts below the server's minimum: said once, sent in 5 MiB parts"

# 4. The collector killed (SIGKILL) mid-upload, then started again on the
#    same directory: each dump in the bucket once, byte-identical.
LIVEDUMP_TEST_UPLOAD_BPS=4000000 start_record "$WORK/d1.log" "$WORK/d" fleet-d -e "$RULE_FULL" \
	-e "$RULE_MINI" --s3-part-size 5M
"$PROGS/trigger_regions" --code 0x1001 >>"$WORK/trig.log" 2>&1 || fail "trigger_regions failed"
"$PROGS/trigger_regions" --code 0x1002 >>"$WORK/trig.log" 2>&1 || fail "trigger_regions failed"
wait_for has_n '^dump: ' "$WORK/d1.log" 2 || fail "2 dumps not written: $(cat "$WORK/d1.log")"
wait_long 20 grep -q '^uploaded: .*alpha' "$WORK/d1.log" || fail "the small dump not uploaded: $(cat "$WORK/d1.log")"
sleep 1.5	# into the big one
kill -KILL "$REC_PID"
wait "$REC_PID" 2>/dev/null
grep -q '^uploaded: .*big' "$WORK/d1.log" && fail "the big dump was done before the kill: raise the slowdown"
ls "$WORK/d/.spool" | grep -q 'big' || fail "the big dump's spool entry is gone: $(ls -a "$WORK/d/.spool")"
# Two more killed uploaders' leftovers of that key, and pages of one upload:
# the restart walks every page and aborts all three.
bigkey=$(dump_key fleet-d "$(ls "$WORK"/d/*big*.core)")
for i in 1 2; do
	s3_curl -X POST "$CEPH_S3/dumps/$bigkey?uploads=" | grep -q '<UploadId>' ||
		fail "cannot start a multipart upload of $bigkey"
done
REC_ENV=LIVEDUMP_TEST_S3_MAX_UPLOADS=1 \
start_record "$WORK/d2.log" "$WORK/d" fleet-d -e "$RULE_FULL" -e "$RULE_MINI" --s3-part-size 5M
wait_long 30 grep -q '^uploaded: .*big' "$WORK/d2.log" || fail "not uploaded after the restart: $(cat "$WORK/d2.log")"
# A third dump after the restart, too.
"$PROGS/trigger_regions" --code 0x1001 >>"$WORK/trig.log" 2>&1 || fail "trigger_regions failed"
wait_long 20 has_n '^uploaded: .*alpha' "$WORK/d2.log" 1 || fail "the third dump not uploaded: $(cat "$WORK/d2.log")"
stop_record "$WORK/d2.log"
grep -q '^uploaded: .*alpha.*already there' "$WORK/d2.log" && fail "the small dump was sent again"
# The multipart upload the kill cut was aborted: no parts left on the server.
assert_grep '^upload: aborted 3 unfinished multipart uploads of fleet-d/' "$WORK/d2.log" "stale uploads aborted, over 3 pages"
s3_curl "$CEPH_S3/dumps?prefix=fleet-d%2F&uploads=" >"$WORK/uploads.xml"
assert_grep '<ListMultipartUploadsResult' "$WORK/uploads.xml" "listing multipart uploads"
grep -q '<Upload>' "$WORK/uploads.xml" && fail "multipart uploads left: $(cat "$WORK/uploads.xml")"
assert_eq 3 "$(all_uploaded "$WORK/d" fleet-d "a collector killed mid-upload")" "dumps in the bucket"
# Both sessions' journals, each once.
assert_eq 2 "$(bucket_keys "fleet-d/$HOST/journal/" | grep -c 'jsonl$')" "journals in the bucket"
for j in "$WORK"/d/journal-*.jsonl; do
	same_object "$j" "fleet-d/$HOST/journal/$(basename "$j")" "journal $(basename "$j")"
done
ok "collector killed mid-upload and restarted: 3 dumps in the bucket once each, byte-identical; 2 journals; the cut multipart uploads aborted, every page"

# 4b. The state a kill between the PUT and the done record leaves: the object
#     in the bucket, its entry still queued.  The next start finds it there
#     (HEAD: size and ETag) and sends nothing.
small=$(ls "$WORK"/d/*alpha*.core | head -1)
mv "$WORK/d/.spool/done/$(basename "$small")" "$WORK/d/.spool/$(basename "$small")"
MPORT=$(ceph_free_port)
start_record "$WORK/d3.log" "$WORK/d" fleet-d -e "$RULE_MINI" --metrics "127.0.0.1:$MPORT"
wait_long 20 grep -q "^uploaded: $(basename "$small") .*already there" "$WORK/d3.log" ||
	fail "not found already uploaded: $(cat "$WORK/d3.log")"
curl -sf "http://127.0.0.1:$MPORT/metrics" >"$WORK/metrics.txt" || fail "GET /metrics"
stop_record "$WORK/d3.log"
assert_grep '^livedump_upload_bytes_total 0$' "$WORK/metrics.txt" "bytes sent for what was there"
assert_eq 3 "$(all_uploaded "$WORK/d" fleet-d "after the restart")" "dumps in the bucket"
ok "a restart after the PUT, before the done record: found in the bucket by HEAD, nothing sent again"

# 5. --upload-delete: nothing removed while the gateway is down; once up,
#    each dump goes after the bucket holds it (the line order says so).
rgw_stop
start_record "$WORK/e.log" "$WORK/e" fleet-e -e "$RULE_MINI" --upload-delete
"$PROGS/trigger_regions" --code 0x1001 --count 2 >>"$WORK/trig.log" 2>&1 || fail "trigger_regions failed"
wait_for has_n '^dump: ' "$WORK/e.log" 2 || fail "2 dumps not written: $(cat "$WORK/e.log")"
wait_long 10 grep -q 'attempt 1 failed' "$WORK/e.log" || fail "no failed attempt: $(cat "$WORK/e.log")"
assert_eq 2 "$(ls "$WORK"/e/*.core | wc -l)" "local dumps while the gateway is down"
mkdir -p "$WORK/e-copy" && cp "$WORK"/e/*.core "$WORK/e-copy/"
rgw_start
wait_long 40 has_n '^removed: ' "$WORK/e.log" 2 || fail "not removed after the upload: $(cat "$WORK/e.log")"
stop_record "$WORK/e.log"
for d in "$WORK"/e-copy/*.core; do
	name=$(basename "$d")
	up=$(grep -n "^uploaded: $name " "$WORK/e.log" | cut -d: -f1)
	rm=$(grep -n "^removed: .*/$name " "$WORK/e.log" | cut -d: -f1)
	[ -n "$up" ] && [ -n "$rm" ] && [ "$up" -lt "$rm" ] || fail "$name: removed before its upload was verified"
done
[ -z "$(ls "$WORK"/e/*.core 2>/dev/null)" ] || fail "local copies left: $(ls "$WORK/e")"
assert_eq 2 "$(all_uploaded "$WORK/e-copy" fleet-e "--upload-delete")" "dumps in the bucket"
ok "--upload-delete: kept while the gateway was down, removed only after the verified upload"

# 6. A session that ends with its program: the journal's last lines, written
#    as record stops, reach the bucket too (they once did not: the round under
#    way when the stop came counted as the drain's).
mkdir -m 0700 "$WORK/f"
"$LIVEDUMP" record -o "$WORK/f" --upload s3://dumps/fleet-f --s3-endpoint "$CEPH_S3" \
	-e "$RULE_MINI" -- "$PROGS/trigger_regions" --code 0x1001 --count 1 >"$WORK/f.log" 2>&1 ||
	fail "record failed: $(cat "$WORK/f.log")"
assert_eq 1 "$(all_uploaded "$WORK/f" fleet-f "a short session")" "dumps in the bucket"
journal=$(ls "$WORK"/f/journal-*.jsonl)
same_object "$journal" "fleet-f/$HOST/journal/$(basename "$journal")" "the short session's journal"
ok "a session that ends with its program: its dump and its whole journal in the bucket"
