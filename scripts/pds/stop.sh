#!/usr/bin/env bash
# Adapted from the shared peer recipe ../shared/peers/pds/ (setup.sh/start.sh/stop.sh/launch.mjs)
# written for this project's crisis-launcher work; copied here so the project never depends on it.
# stop.sh — stop the PLC+PDS started by start.sh, by the PID it recorded.
# Sends SIGTERM (graceful), waits up to PDS_STOP_TIMEOUT s (default 15), then SIGKILL.
# Removes the data dir unless KEEP_DATA=1 (or it was given via PDS_DATA_DIRECTORY at start).
# Env: PEERS_DIR (default /tmp/launcher-peers), PDS_STATE_DIR (default $PEERS_DIR/run).
set -euo pipefail
PEERS_DIR="${PEERS_DIR:-/tmp/launcher-peers}"
STATE_DIR="${PDS_STATE_DIR:-$PEERS_DIR/run}"
PID_FILE="$STATE_DIR/pds.pid"
STATE_FILE="$STATE_DIR/pds.env"
TIMEOUT="${PDS_STOP_TIMEOUT:-15}"

is_ours() { [ -n "${1:-}" ] && [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' < "/proc/$1/cmdline" | grep -q 'launch\.mjs'; }

if [ ! -f "$PID_FILE" ]; then echo "stop: no pid file at $PID_FILE (not running?)"; exit 0; fi
PID="$(cat "$PID_FILE")"
DATA_DIR=""; AUTO_DATA=0
if [ -f "$STATE_FILE" ]; then
  DATA_DIR="$(. "$STATE_FILE"; echo "${PDS_DATA_DIRECTORY:-}")"
  AUTO_DATA="$(. "$STATE_FILE"; echo "${PDS_DATA_AUTO:-0}")"
fi

if is_ours "$PID"; then
  kill -TERM "$PID"
  for _ in $(seq $(( TIMEOUT * 5 ))); do is_ours "$PID" || break; sleep 0.2; done
  if is_ours "$PID"; then echo "stop: pid $PID still alive after ${TIMEOUT}s, sending SIGKILL"; kill -KILL "$PID"; fi
  echo "stop: stopped pid $PID"
else
  echo "stop: pid $PID is not a running launch.mjs process (already stopped)"
fi
rm -f "$PID_FILE" "$STATE_FILE"
if [ "$AUTO_DATA" = 1 ] && [ "${KEEP_DATA:-0}" != 1 ] && [ -d "$DATA_DIR" ]; then
  rm -rf "$DATA_DIR"; echo "stop: removed data dir $DATA_DIR"
elif [ -n "$DATA_DIR" ]; then
  echo "stop: kept data dir $DATA_DIR"
fi
