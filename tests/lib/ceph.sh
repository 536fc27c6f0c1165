# Sourced by integration tests after tests/lib.sh: a one-node Ceph cluster
# with a RADOS Gateway on loopback, everything under $WORK/ceph (config,
# mon and OSD data, run dir, sockets, pid files, logs), every daemon
# started with start_bg so that lib.sh's exit trap kills it.
#
#   ceph_start            one monitor, one bluestore OSD on a sparse file,
#                         radosgw; sets CEPH_S3 (http://127.0.0.1:PORT),
#                         CEPH_AK/CEPH_SK (a user's keys), RGW_PID
#   ceph_bucket NAME      creates a bucket
#   rgw_stop / rgw_start  kills (SIGKILL) / starts the gateway again
#   s3_curl ARGS...       curl signed as the user (SigV4), for checks that
#                         do not go through livedump
#
# No cephx (auth none), no ceph-mgr: nothing here needs them.  The monitor's
# paxos timings are lowered: each pool radosgw creates waits on a proposal
# (cold start ~6 s instead of ~22 s).  Needs ceph-mon, ceph-osd, radosgw
# (scripts/deps.sh).

ceph_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

CEPH_DIR=$WORK/ceph

ceph_cmd() { ceph -c "$CEPH_DIR/ceph.conf" --connect-timeout 10 "$@"; }

ceph_start() {
	local fsid osd_uuid mon_port i
	for c in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph-authtool ceph; do
		command -v "$c" >/dev/null || fail "$c missing (scripts/deps.sh installs ceph-mon, ceph-osd, radosgw)"
	done
	mkdir -p "$CEPH_DIR"/{run,log,mon,osd/ceph-0,rgw}
	fsid=$(uuidgen)
	osd_uuid=$(uuidgen)
	mon_port=$(ceph_free_port)
	RGW_PORT=$(ceph_free_port)
	cat >"$CEPH_DIR/ceph.conf" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon max pg per osd = 1000
osd crush chooseleaf type = 0
mon data avail warn = 1
mon data avail crit = 0
paxos propose interval = 0.05
paxos min wait = 0.01
run dir = $CEPH_DIR/run
admin socket = $CEPH_DIR/run/\$name.asok
pid file = $CEPH_DIR/run/\$name.pid
log file = $CEPH_DIR/log/\$name.log
keyring = $CEPH_DIR/keyring
mon data = $CEPH_DIR/mon/\$cluster-\$id
osd data = $CEPH_DIR/osd/\$cluster-\$id
osd objectstore = bluestore
bluestore block create = true
bluestore block size = 4294967296
bluestore fsck on mount = false
bluestore cache size = 67108864
osd memory target = 536870912
osd op num shards = 1
osd op num threads per shard = 2
mgr initial modules =
[client.rgw.test]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $CEPH_DIR/rgw
rgw thread pool size = 32
rgw enable usage log = false
EOF
	ceph-authtool --create-keyring "$CEPH_DIR/keyring" --gen-key -n mon. --cap mon 'allow *' \
		>"$CEPH_DIR/log/setup.log" 2>&1 || fail "ceph-authtool: $(cat "$CEPH_DIR/log/setup.log")"
	monmaptool --create --addv a "[v2:127.0.0.1:$mon_port]" --fsid "$fsid" "$CEPH_DIR/monmap" \
		>>"$CEPH_DIR/log/setup.log" 2>&1 || fail "monmaptool: $(cat "$CEPH_DIR/log/setup.log")"
	ceph-mon -c "$CEPH_DIR/ceph.conf" --mkfs -i a --monmap "$CEPH_DIR/monmap" \
		--keyring "$CEPH_DIR/keyring" >>"$CEPH_DIR/log/setup.log" 2>&1 ||
		fail "ceph-mon --mkfs: $(cat "$CEPH_DIR/log/setup.log")"
	start_bg "$CEPH_DIR/log/mon.out" ceph-mon -f -c "$CEPH_DIR/ceph.conf" -i a
	ceph_cmd osd new "$osd_uuid" 0 >>"$CEPH_DIR/log/setup.log" 2>&1 ||
		fail "ceph osd new (the monitor did not answer?): $(tail -5 "$CEPH_DIR/log/setup.log"; tail -5 "$CEPH_DIR/log/mon.a.log" 2>/dev/null)"
	ceph-osd -c "$CEPH_DIR/ceph.conf" -i 0 --mkfs --osd-uuid "$osd_uuid" \
		>>"$CEPH_DIR/log/setup.log" 2>&1 || fail "ceph-osd --mkfs: $(tail -5 "$CEPH_DIR/log/setup.log")"
	start_bg "$CEPH_DIR/log/osd.out" ceph-osd -f -c "$CEPH_DIR/ceph.conf" -i 0
	rgw_start
	CEPH_AK=LDTESTACCESSKEY0001
	CEPH_SK=ldtestsecretkey0000000000000000000000001
	radosgw-admin -c "$CEPH_DIR/ceph.conf" -n client.rgw.test user create --uid=livedump \
		--display-name=livedump --access-key "$CEPH_AK" --secret-key "$CEPH_SK" \
		>>"$CEPH_DIR/log/setup.log" 2>&1 || fail "radosgw-admin user create: $(tail -5 "$CEPH_DIR/log/setup.log")"
	CEPH_S3=http://127.0.0.1:$RGW_PORT
}

rgw_up() { curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/"; }

# The gateway creates its pools at its first start: up to 30 s on a slow host.
rgw_start() {
	local i
	start_bg "$CEPH_DIR/log/rgw.out" radosgw -f -c "$CEPH_DIR/ceph.conf" -n client.rgw.test
	RGW_PID=$BG_PID
	for i in $(seq 300); do
		rgw_up && return 0
		kill -0 "$RGW_PID" 2>/dev/null || fail "radosgw exited: $(tail -5 "$CEPH_DIR/log/rgw.out"; tail -5 "$CEPH_DIR/log/client.rgw.test.log" 2>/dev/null)"
		sleep 0.1
	done
	fail "radosgw did not answer on 127.0.0.1:$RGW_PORT in 30 s: $(tail -5 "$CEPH_DIR/log/client.rgw.test.log" 2>/dev/null)"
}

rgw_stop() {
	kill -KILL "$RGW_PID" 2>/dev/null
	wait "$RGW_PID" 2>/dev/null
	return 0
}

# curl with the user's SigV4 signature; RGW needs the payload-hash header
# that curl 7.88 signs but does not send.
s3_curl() {
	curl -s --aws-sigv4 "aws:amz:us-east-1:s3" --user "$CEPH_AK:$CEPH_SK" \
		-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"
}

ceph_bucket() {
	local code
	code=$(s3_curl -o "$WORK/bucket.out" -w '%{http_code}' -X PUT "$CEPH_S3/$1")
	[ "$code" = 200 ] || fail "cannot create bucket $1: HTTP $code $(cat "$WORK/bucket.out")"
}
