#!/usr/bin/env bash
# A throw-away S3-compatible store for the tests: Ceph radosgw (Debian) on one node, one
# monitor and one memstore OSD (RAM only), cephx off, everything bound to 127.0.0.1.
# Idempotent: when something already answers on the port it only prints the env again.
# Prints the `export` lines to eval on stdout; progress goes to stderr.
#   eval "$(.ci/start-radosgw.sh)"
# Stop it with: kill $(cat "${SNAPSHOTPLOT_RADOSGW_DIR:-/tmp/snapshotplot-radosgw}"/*.pid)
set -euo pipefail
trap 'echo "start-radosgw.sh: line $LINENO failed (exit $?): $BASH_COMMAND" >&2' ERR

PORT=${SNAPSHOTPLOT_RADOSGW_PORT:-57480}
MON_PORT=${SNAPSHOTPLOT_RADOSGW_MON_PORT:-57489}
DIR=${SNAPSHOTPLOT_RADOSGW_DIR:-/tmp/snapshotplot-radosgw}
BUCKET=snapshotplot-test
# Test-only credentials of a store that lives in RAM on loopback.
ACCESS_KEY=snapshotplotci
SECRET_KEY=snapshotplotci-secret-key-0123456789
ENDPOINT="http://127.0.0.1:${PORT}"

print_env() {
  cat <<EOF
export SNAPSHOTPLOT_TEST_S3_URL=s3://${BUCKET}/ci
export AWS_ENDPOINT_URL=${ENDPOINT}
export AWS_ACCESS_KEY_ID=${ACCESS_KEY}
export AWS_SECRET_ACCESS_KEY=${SECRET_KEY}
export AWS_REGION=us-east-1
EOF
}

answers() { curl -s -o /dev/null --max-time 2 "${ENDPOINT}/"; }

if answers; then
  echo "radosgw already answers on ${ENDPOINT}" >&2
  print_env
  exit 0
fi

if ! command -v radosgw >/dev/null || ! command -v ceph-osd >/dev/null; then
  echo "installing radosgw, ceph-mon, ceph-osd (Debian packages)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -o DPkg::Lock::Timeout=300 -y -qq --no-install-recommends \
    radosgw ceph-mon ceph-osd >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -o DPkg::Lock::Timeout=300 -y -qq \
      --no-install-recommends radosgw ceph-mon ceph-osd >/dev/null; }
fi

# Leftovers of an earlier run that no longer answers.
# Wait until they are gone: a daemon still shutting down holds the ports the new ones need.
for pid in "$DIR"/*.pid; do
  [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true
done
pkill -f "$DIR/ceph.conf" 2>/dev/null || true
for _ in $(seq 1 50); do
  pgrep -f "$DIR/ceph.conf" >/dev/null || break
  sleep 0.2
done
pkill -9 -f "$DIR/ceph.conf" 2>/dev/null || true
rm -rf "$DIR"
mkdir -p "$DIR"/{mon/a,osd/0,run,log}
CONF="$DIR/ceph.conf"
FSID=$(uuidgen)
cat >"$CONF" <<EOF
[global]
fsid = ${FSID}
mon host = v1:127.0.0.1:${MON_PORT}
mon initial members = a
public addr = 127.0.0.1
ms bind msgr2 = false
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
osd objectstore = memstore
memstore device bytes = 6442450944
run dir = ${DIR}/run
admin socket = ${DIR}/run/\$name.asok
log file = ${DIR}/log/\$name.log
pid file = ${DIR}/\$name.pid
keyring = ${DIR}/keyring
[mon.a]
mon data = ${DIR}/mon/a
[osd.0]
osd data = ${DIR}/osd/0
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:${PORT}
rgw dns name = 127.0.0.1
rgw enable usage log = false
EOF

ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --add a "v1:127.0.0.1:${MON_PORT}" --fsid "$FSID" "$DIR/monmap" >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring"
ceph-mon -c "$CONF" -i a 2>>"$DIR/log/daemons.err"

# The monitor forks and answers a little later: until it has formed its quorum a client gets
# "EPERM: problem getting command descriptions from mon", and an OSD mkfs fails with 250.
# Retry each step that talks to it, and show the daemons' errors if one never succeeds.
retry() {
  local what=$1
  shift
  for _ in $(seq 1 60); do
    "$@" 2>>"$DIR/log/steps.err" && return 0
    sleep 0.5
  done
  echo "radosgw setup: ${what} kept failing; last errors:" >&2
  tail -n 20 "$DIR/log/steps.err" "$DIR/log/daemons.err" >&2 || true
  exit 1
}
retry "the monitor answering" ceph -c "$CONF" --connect-timeout 5 mon stat >/dev/null
OSD_ID=$(retry "ceph osd create" ceph -c "$CONF" --connect-timeout 5 osd create)
retry "ceph-osd --mkfs" ceph-osd -c "$CONF" -i "$OSD_ID" --mkfs >/dev/null
ceph-osd -c "$CONF" -i "$OSD_ID" 2>>"$DIR/log/daemons.err"
radosgw -c "$CONF" -n client.rgw.a 2>>"$DIR/log/daemons.err"

for _ in $(seq 1 120); do
  answers && break
  sleep 0.5
done
answers || { echo "radosgw did not answer on ${ENDPOINT}: see ${DIR}/log" >&2; exit 1; }

retry "radosgw-admin user create" radosgw-admin -c "$CONF" user create --uid snapshotplot-ci \
  --display-name "snapshotplot CI" --access-key "$ACCESS_KEY" --secret "$SECRET_KEY" >/dev/null
# Create the bucket with a SigV4-signed PUT (curl speaks SigV4 itself; radosgw wants the
# payload-hash header, which this curl does not add on its own).
for _ in $(seq 1 20); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --aws-sigv4 "aws:amz:us-east-1:s3" \
    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' --user "${ACCESS_KEY}:${SECRET_KEY}" "${ENDPOINT}/${BUCKET}" || true)
  [ "$code" = 200 ] || [ "$code" = 409 ] && break
  sleep 0.5
done
[ "$code" = 200 ] || [ "$code" = 409 ] || { echo "creating bucket ${BUCKET} failed (HTTP $code)" >&2; exit 1; }
echo "radosgw ready on ${ENDPOINT} (state in ${DIR})" >&2
print_env
