#!/usr/bin/env bash
# Adapted from the shared peer recipe ../shared/peers/pds/ (setup.sh/start.sh/stop.sh/launch.mjs)
# written for this project's crisis-launcher work; copied here so the project never depends on it.
# start.sh — start a local PLC directory + PDS, both on 127.0.0.1 only.
#
# Prints (and writes to $PDS_STATE_DIR/pds.env, sourceable) PDS_URL, PDS_HOST_URL,
# PLC_URL, PDS_ADMIN_PASSWORD, PDS_PID, ...; the PID also goes to $PDS_STATE_DIR/pds.pid.
#
# Env: PEERS_DIR (install prefix used by setup.sh, default /tmp/launcher-peers)
#      PDS_STATE_DIR (default $PEERS_DIR/run; use one per concurrent instance)
#      PDS_PORT, PLC_PORT (default: free ports picked at start)
#      PDS_DATA_DIRECTORY (default: fresh mktemp -d dir, removed by stop.sh)
#      PDS_ADMIN_PASSWORD (default: random), PDS_INVITE_REQUIRED (default false),
#      PDS_SERVICE_HANDLE_DOMAINS (default .test), LOG_LEVEL (default info),
#      PDS_START_TIMEOUT (seconds, default 60); any other PDS_* var is passed through.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PEERS_DIR="${PEERS_DIR:-/tmp/launcher-peers}"
STATE_DIR="${PDS_STATE_DIR:-$PEERS_DIR/run}"
PID_FILE="$STATE_DIR/pds.pid"
STATE_FILE="$STATE_DIR/pds.env"
TIMEOUT="${PDS_START_TIMEOUT:-60}"

case "$(uname -m)" in x86_64|amd64) NODE_ARCH=x64 ;; *) NODE_ARCH=arm64 ;; esac
NODE_HOME="$PEERS_DIR/node22/node_modules/node-linux-$NODE_ARCH"
NODE22="$NODE_HOME/bin/node"
[ -x "$NODE22" ] && [ -d "$PEERS_DIR/pds/node_modules/@atproto/pds" ] \
  || { echo "start: not installed under $PEERS_DIR — run: $HERE/setup.sh $PEERS_DIR" >&2; exit 1; }

is_ours() { # pid -> true if it is a live launch.mjs process
  [ -n "${1:-}" ] && [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' < "/proc/$1/cmdline" | grep -q 'launch\.mjs'
}

mkdir -p "$STATE_DIR"
if [ -f "$PID_FILE" ] && is_ours "$(cat "$PID_FILE")"; then
  echo "start: already running (pid $(cat "$PID_FILE")); state:"
  cat "$STATE_FILE"
  exit 0
fi
rm -f "$PID_FILE" "$STATE_FILE"

T0=$(date +%s.%N)
DATA_AUTO=0
if [ -z "${PDS_DATA_DIRECTORY:-}" ]; then
  PDS_DATA_DIRECTORY="$(mktemp -d "${TMPDIR:-/tmp}/pds-data.XXXXXX")"; DATA_AUTO=1
fi
export PDS_DATA_DIRECTORY
mkdir -p "$PDS_DATA_DIRECTORY"
LOG="$PDS_DATA_DIRECTORY/pds.log"
export PEERS_PDS_DIR="$PEERS_DIR/pds" PDS_STATE_FILE="$STATE_FILE"
export LOG_ENABLED="${LOG_ENABLED:-true}" LOG_LEVEL="${LOG_LEVEL:-info}" LOG_DESTINATION="${LOG_DESTINATION:-$LOG}"

# Detach: own session, output to the log, no stdin.
cd "$PEERS_DIR/pds"
setsid "$NODE22" "$HERE/launch.mjs" >> "$LOG.stdout" 2>&1 < /dev/null &
PID=$!
echo "$PID" > "$PID_FILE"

fail() { # message; stop the launcher if alive, drop an auto-created data dir, exit 1
  echo "start: $1" >&2
  kill -0 "$PID" 2>/dev/null && kill -TERM "$PID" 2>/dev/null
  tail -40 "$LOG.stdout" >&2
  rm -f "$PID_FILE" "$STATE_FILE"
  if [ "$DATA_AUTO" = 1 ]; then sleep 0.5; rm -rf "$PDS_DATA_DIRECTORY"; fi
  exit 1
}
while [ ! -s "$STATE_FILE" ]; do
  kill -0 "$PID" 2>/dev/null || fail "launcher (pid $PID) exited before becoming ready; last output:"
  (( $(date +%s) - ${T0%.*} > TIMEOUT )) && fail "not ready after ${TIMEOUT}s; stopping pid $PID; last output:"
  sleep 0.2
done
# shellcheck disable=SC1090
. "$STATE_FILE"
# The launcher reports its own PID; that is the one stop.sh must signal.
if [ "$PDS_PID" != "$PID" ]; then PID="$PDS_PID"; echo "$PID" > "$PID_FILE"; fi
# Health check with node 22's own fetch (no curl needed).
"$NODE22" -e 'fetch(process.argv[1], {signal: AbortSignal.timeout(5000)})
  .then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$PDS_HOST_URL/xrpc/_health" \
  || fail "PDS health check failed at $PDS_HOST_URL"
echo "PDS_DATA_AUTO=$DATA_AUTO" >> "$STATE_FILE"   # stop.sh removes the data dir only if 1
T1=$(date +%s.%N)

echo "PDS ready in $(awk -v a="$T0" -v b="$T1" 'BEGIN{printf "%.1f", b-a}')s (pid $PID, state file $STATE_FILE)"
cat "$STATE_FILE"
