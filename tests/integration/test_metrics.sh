#!/bin/bash
# record --metrics: a real Prometheus (Debian's) scrapes the collector's
# endpoint while real issues happen (app triggers: dumped, then declined by
# the rule's limit); promtool validates the exposition; PromQL through
# Prometheus's HTTP API sees the exact counts.  A bad address is refused.
. "$(dirname "$0")/../lib.sh"
require_root
# Nothing here depends on the kernel: the endpoint and the counting are
# the same on every one, and Prometheus under TCG is slow.
skip_in_vm "the metrics endpoint is kernel-independent (Prometheus under TCG is slow)"
command -v prometheus >/dev/null && command -v promtool >/dev/null ||
	fail "prometheus/promtool missing (scripts/deps.sh installs them)"
command -v curl >/dev/null || fail "curl missing"

# A free port on loopback: the kernel picks it, we release it at once.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# 1. Bad addresses: refused before anything loads, with the reason.
for bad in localhost:9464 127.0.0.1 127.0.0.1:70000 '[::1' 10.0.0.300:1; do
	"$LIVEDUMP" record --metrics "$bad" -x /bin/true >"$WORK/bad.log" 2>&1; rc=$?
	assert_eq 2 "$rc" "record --metrics $bad exit code"
	assert_grep "^livedump: --metrics " "$WORK/bad.log" "message for --metrics $bad"
done
# An address we cannot bind (not ours): bind's own reason.
"$LIVEDUMP" record --metrics 192.0.2.1:9464 -x /bin/true >"$WORK/bad.log" 2>&1; rc=$?
assert_eq 1 "$rc" "record --metrics on a foreign address"
assert_grep "cannot listen there: Cannot assign requested address" "$WORK/bad.log" "foreign address message"
ok "bad --metrics addresses refused, with the reason"

# 2. The collector with its endpoint; two dumps, then declines from the limit.
MPORT=$(free_port)
start_bg "$WORK/rec.log" "$LIVEDUMP" record -o "$WORK/dumps" --metrics "127.0.0.1:$MPORT" \
	-x "$PROGS/trigger_regions" -e 'alpha on app code=0x1001 limit 2'
REC_PID=$BG_PID
wait_for grep -q '^recording into' "$WORK/rec.log" || fail "record did not start: $(cat "$WORK/rec.log")"
assert_grep "^metrics: http://127.0.0.1:$MPORT/metrics$" "$WORK/rec.log" "metrics address said"

# Prometheus, its storage and config under the test directory.
PPORT=$(free_port)
mkdir -p "$WORK/prom"
cat >"$WORK/prom/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: livedump
    scrape_interval: 500ms
    scrape_timeout: 400ms
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
EOF
promtool check config "$WORK/prom/prometheus.yml" >"$WORK/prom/check.log" 2>&1 ||
	fail "promtool check config: $(cat "$WORK/prom/check.log")"
start_bg "$WORK/prom/prometheus.log" prometheus --config.file="$WORK/prom/prometheus.yml" \
	--storage.tsdb.path="$WORK/prom/data" --web.listen-address="127.0.0.1:$PPORT" \
	--web.console.templates="$WORK/prom" --web.console.libraries="$WORK/prom"
PROM_PID=$BG_PID
# Prometheus goes before $WORK is removed (lib.sh's cleanup kills what start_bg tracked).
query() {	# PROMQL: the value of the first result, "" when none
	curl -sf --get "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1" |
		jq -r '.data.result[0].value[1] // ""'
}
query_is() { [ "$(query "$1")" = "$2" ]; }	# PROMQL VALUE, for wait_for
wait_for curl -sf "http://127.0.0.1:$PPORT/-/ready" -o /dev/null ||
	fail "prometheus did not become ready: $(tail -5 "$WORK/prom/prometheus.log")"

# 4 triggers: 2 dumped, 2 declined in the kernel (limit 2).
for i in 1 2 3 4; do
	"$PROGS/trigger_regions" --code 0x1001 >>"$WORK/trig.log" 2>&1 || fail "trigger_regions failed"
done
dumps_said() { [ "$(grep -c '^dump: ' "$WORK/rec.log")" = "$1" ]; }
wait_for dumps_said 2 || fail "2 dumps not written: $(cat "$WORK/rec.log")"
wait_for grep -q '^declined: ' "$WORK/rec.log" || fail "no decline said: $(cat "$WORK/rec.log")"
BYTES=$(find "$WORK/dumps" -name '*.core' -printf '%s\n' | awk '{ s += $1 } END { print s }')

# 3. The exposition as served: valid for promtool, with the counts.
# The loop handles the ring's records, then reads the kernel's counts (each tick).
settled() {
	curl -sf "http://127.0.0.1:$MPORT/metrics" >"$WORK/m" &&
		grep -q '^livedump_kernel_declined_total{rule="alpha",reason="total"} 2$' "$WORK/m" &&
		grep -q '^livedump_issues_total{rule="alpha",detector="app",verdict="declined"} 2$' "$WORK/m"
}
wait_for settled || { cat "$WORK/m" >&2; fail "the 2 declines never reached the metrics"; }
curl -sfi "http://127.0.0.1:$MPORT/metrics" >"$WORK/metrics.http" || fail "GET /metrics failed"
assert_grep '^Content-Type: text/plain; version=0.0.4' "$WORK/metrics.http" "content type"
curl -sf "http://127.0.0.1:$MPORT/metrics" >"$WORK/metrics.txt"
promtool check metrics <"$WORK/metrics.txt" >"$WORK/promtool.log" 2>&1 ||
	{ cat "$WORK/metrics.txt" >&2; fail "promtool check metrics: $(cat "$WORK/promtool.log")"; }
assert_grep '^livedump_dumps_written_total 2$' "$WORK/metrics.txt" "dumps written"
assert_grep "^livedump_dump_bytes_total $BYTES$" "$WORK/metrics.txt" "dump bytes ($BYTES)"
assert_grep '^livedump_issues_total\{rule="alpha",detector="app",verdict="dumped"\} 2$' "$WORK/metrics.txt" \
	"issues dumped"
assert_grep '^livedump_kernel_declined_total\{rule="alpha",reason="total"\} 2$' "$WORK/metrics.txt" \
	"declined by the total limit"
# Under the kernel's send budget every declined event comes up as a record.
assert_grep '^livedump_issues_total\{rule="alpha",detector="app",verdict="declined"\} 2$' "$WORK/metrics.txt" \
	"issues declined"
assert_grep '^livedump_events_total 4$' "$WORK/metrics.txt" "records sent up"
assert_grep '^livedump_capture_pause_seconds_count 2$' "$WORK/metrics.txt" "pause histogram count"
assert_grep '^livedump_capture_pause_seconds_bucket\{le="\+Inf"\} 2$' "$WORK/metrics.txt" "+Inf bucket"
assert_grep '^livedump_uploads_failed_total 0$' "$WORK/metrics.txt" "uploads failed (none yet)"
assert_grep '^livedump_upload_queue_dumps 0$' "$WORK/metrics.txt" "upload queue"
curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/other" >"$WORK/code"
assert_eq 404 "$(cat "$WORK/code")" "GET /other"
curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$MPORT/metrics" >"$WORK/code"
assert_eq 405 "$(cat "$WORK/code")" "POST /metrics"
ok "exposition valid (promtool), with the counts; 404 and 405 elsewhere"

# 4. Prometheus scraped it: PromQL sees the same counts.
wait_for query_is 'livedump_dumps_written_total' 2 ||
	fail "PromQL livedump_dumps_written_total: '$(query livedump_dumps_written_total)'; targets: $(curl -s "http://127.0.0.1:$PPORT/api/v1/targets")"
assert_eq 1 "$(query 'livedump_dumps_written_total == bool 2')" "PromQL dumps_written == bool 2"
wait_for query_is 'sum(livedump_kernel_declined_total{rule="alpha"})' 2 ||
	fail "PromQL declined: '$(query 'sum(livedump_kernel_declined_total{rule="alpha"})')'"
assert_eq 2 "$(query 'livedump_issues_total{verdict="dumped",rule="alpha"}')" "PromQL issues dumped"
assert_eq 2 "$(query 'livedump_capture_pause_seconds_count')" "PromQL pause count"
assert_eq "$BYTES" "$(query 'livedump_dump_bytes_total')" "PromQL dump bytes"
assert_eq 1 "$(query 'up{job="livedump"}')" "PromQL up"
ok "Prometheus scraped the endpoint: PromQL sees 2 dumps, 2 declines, $BYTES bytes"

kill "$PROM_PID"
kill -INT "$REC_PID"
wait "$REC_PID" 2>/dev/null
assert_grep '^summary: ' "$WORK/rec.log" "record summary"
