#!/usr/bin/env bash
# start.sh — start a throwaway PostgreSQL cluster for the tests, on 127.0.0.1 only.
#
# Uses Debian's server binaries (/usr/lib/postgresql/<version>/bin: initdb, pg_ctl; installed
# by .ci/postgres-setup). initdb refuses to run as root, so as root the cluster runs as the
# `postgres` system user (PG_RUN_AS to choose another); as any other user, as that user.
# The data directory is a fresh mktemp -d (removed by stop.sh); authentication is `trust`,
# for loopback and the cluster's own socket only; fsync is off (throwaway data).
#
# Prints (and writes to $PG_STATE_DIR/postgres.env, sourceable):
#   LAUNCHER_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:PORT/postgres
#   PGHOST, PGPORT, PGUSER, PG_DATA_DIR, PG_BINDIR, PG_RUN_AS, PG_PID
# Running it again while the cluster is up prints the same state and exits 0.
#
# Env: PG_STATE_DIR (default ${TMPDIR:-/tmp}/launcher-postgres; one per concurrent cluster)
#      PG_BINDIR (default: the newest /usr/lib/postgresql/*/bin), PG_RUN_AS, PG_PORT
#      (default: a free port), PG_START_TIMEOUT (seconds, default 60)
set -euo pipefail

STATE_DIR="${PG_STATE_DIR:-${TMPDIR:-/tmp}/launcher-postgres}"
STATE_FILE="$STATE_DIR/postgres.env"
TIMEOUT="${PG_START_TIMEOUT:-60}"

if [ -z "${PG_BINDIR:-}" ]; then
  PG_BINDIR="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
fi
if [ -z "$PG_BINDIR" ] || [ ! -x "$PG_BINDIR/initdb" ] || [ ! -x "$PG_BINDIR/pg_ctl" ]; then
  echo "start: PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin): run .ci/postgres-setup" >&2
  exit 1
fi

if [ "$(id -u)" = 0 ]; then
  RUN_AS="${PG_RUN_AS:-postgres}"
  id "$RUN_AS" >/dev/null 2>&1 || { echo "start: user $RUN_AS does not exist (set PG_RUN_AS)" >&2; exit 1; }
else
  RUN_AS="$(id -un)"
fi
as_user() { # command...: run it as $RUN_AS
  if [ "$(id -u)" != 0 ]; then "$@"
  elif command -v runuser >/dev/null 2>&1; then runuser -u "$RUN_AS" -- "$@"
  else su -s /bin/sh "$RUN_AS" -c "$(printf '%q ' "$@")"
  fi
}

mkdir -p "$STATE_DIR"
if [ -f "$STATE_FILE" ]; then
  DATA="$(. "$STATE_FILE"; echo "${PG_DATA_DIR:-}")"
  if [ -n "$DATA" ] && [ -d "$DATA" ] && as_user "$PG_BINDIR/pg_ctl" -D "$DATA/cluster" status >/dev/null 2>&1; then
    echo "start: already running; state:"
    cat "$STATE_FILE"
    exit 0
  fi
  rm -f "$STATE_FILE"
fi

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

T0=$(date +%s.%N)
DATA="$(mktemp -d "${TMPDIR:-/tmp}/launcher-pg.XXXXXX")"
chmod 700 "$DATA"
[ "$(id -u)" = 0 ] && chown "$RUN_AS" "$DATA"
fail() {
  echo "start: $1" >&2
  [ -f "$DATA/postgres.log" ] && tail -30 "$DATA/postgres.log" >&2
  as_user "$PG_BINDIR/pg_ctl" -D "$DATA/cluster" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DATA"
  exit 1
}

as_user "$PG_BINDIR/initdb" -D "$DATA/cluster" -U postgres -E UTF8 --locale=C.UTF-8 \
  --auth=trust --no-sync >"$DATA/initdb.log" 2>&1 \
  || { cat "$DATA/initdb.log" >&2; fail "initdb failed"; }

# one line: pg_ctl hands -o to a shell command line
OPTS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
# A port picked free may be taken before the server binds it: try a few.
started=0
for _ in 1 2 3 4 5; do
  PORT="${PG_PORT:-$(free_port)}"
  if as_user "$PG_BINDIR/pg_ctl" -D "$DATA/cluster" -l "$DATA/postgres.log" -w -t "$TIMEOUT" \
      -o "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$DATA $OPTS" \
      start >/dev/null; then
    started=1; break
  fi
  [ -n "${PG_PORT:-}" ] && break
done
[ "$started" = 1 ] || fail "the server did not start"

PID="$(head -1 "$DATA/cluster/postmaster.pid")"
URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
cat >"$STATE_FILE" <<ENV
LAUNCHER_TEST_DATABASE_URL=$URL
PGHOST=127.0.0.1
PGPORT=$PORT
PGUSER=postgres
PG_DATA_DIR=$DATA
PG_BINDIR=$PG_BINDIR
PG_RUN_AS=$RUN_AS
PG_PID=$PID
export LAUNCHER_TEST_DATABASE_URL
ENV
T1=$(date +%s.%N)
echo "PostgreSQL $("$PG_BINDIR/postgres" --version | sed 's/^[^0-9]*\([0-9.]*\).*/\1/') ready in $(awk -v a="$T0" -v b="$T1" 'BEGIN{printf "%.1f", b-a}')s (pid $PID, port $PORT, state file $STATE_FILE)"
cat "$STATE_FILE"
