#!/usr/bin/env bash
# stop.sh — stop the cluster start.sh started (by its recorded data directory) and remove its
# data unless KEEP_DATA=1. Env: PG_STATE_DIR (default ${TMPDIR:-/tmp}/launcher-postgres).
set -euo pipefail
STATE_DIR="${PG_STATE_DIR:-${TMPDIR:-/tmp}/launcher-postgres}"
STATE_FILE="$STATE_DIR/postgres.env"

if [ ! -f "$STATE_FILE" ]; then echo "stop: no state file at $STATE_FILE (not running?)"; exit 0; fi
# shellcheck disable=SC1090
eval "$(. "$STATE_FILE"; printf 'DATA=%q BINDIR=%q RUN_AS=%q PID=%q' "$PG_DATA_DIR" "$PG_BINDIR" "$PG_RUN_AS" "$PG_PID")"
as_user() {
  if [ "$(id -u)" != 0 ]; then "$@"
  elif command -v runuser >/dev/null 2>&1; then runuser -u "$RUN_AS" -- "$@"
  else su -s /bin/sh "$RUN_AS" -c "$(printf '%q ' "$@")"
  fi
}

if [ -d "$DATA/cluster" ] && as_user "$BINDIR/pg_ctl" -D "$DATA/cluster" status >/dev/null 2>&1; then
  as_user "$BINDIR/pg_ctl" -D "$DATA/cluster" -m fast -w -t 30 stop >/dev/null \
    || as_user "$BINDIR/pg_ctl" -D "$DATA/cluster" -m immediate stop >/dev/null
  echo "stop: stopped PostgreSQL (pid $PID)"
else
  echo "stop: PostgreSQL in $DATA is not running (already stopped)"
fi
rm -f "$STATE_FILE"
case "$DATA" in
  */launcher-pg.*)
    if [ "${KEEP_DATA:-0}" != 1 ] && [ -d "$DATA" ]; then rm -rf "$DATA"; echo "stop: removed $DATA"; fi ;;
esac
