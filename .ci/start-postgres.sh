#!/bin/sh
# Starts a throw-away PostgreSQL 15 on 127.0.0.1:55432 for the server's PostgreSQL tests and
# prints its URL. Idempotent: installs the package if missing, reuses a running cluster.
#   export SNAPSHOTPLOT_TEST_DATABASE_URL=$(.ci/start-postgres.sh | tail -n 1)
set -eu
PORT="${PGPORT_TEST:-55432}"
BIN=/usr/lib/postgresql/15/bin
DIR="${SNAPSHOTPLOT_PG_DIR:-/tmp/snapshotplot-pg}"
DB=snapshotplot_test
URL="postgres://postgres@127.0.0.1:${PORT}/${DB}"

if [ ! -x "$BIN/pg_ctl" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y postgresql >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y postgresql >/dev/null; }
fi

as_postgres() {
  if [ "$(id -un)" = postgres ]; then sh -c "$1"; else su postgres -s /bin/sh -c "$1"; fi
}

if ! as_postgres "$BIN/pg_isready -q -h 127.0.0.1 -p $PORT"; then
  mkdir -p "$DIR"
  chown postgres "$DIR" 2>/dev/null || true
  if [ ! -f "$DIR/data/PG_VERSION" ]; then
    as_postgres "$BIN/initdb -D '$DIR/data' -U postgres --auth=trust >/dev/null"
  fi
  # Tests open many short-lived databases; fsync off is fine for a throw-away cluster.
  as_postgres "$BIN/pg_ctl -D '$DIR/data' -l '$DIR/log' -w -o \"-c listen_addresses=127.0.0.1 -p $PORT -k '$DIR' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300\" start >/dev/null"
fi

if [ "$(as_postgres "psql -h 127.0.0.1 -p $PORT -U postgres -Atc \"select 1 from pg_database where datname = '$DB'\"" 2>/dev/null || true)" != 1 ]; then
  as_postgres "psql -h 127.0.0.1 -p $PORT -U postgres -qc 'create database $DB'"
fi
# Test databases left by an interrupted earlier run (each test server makes its own).
for db in $(as_postgres "psql -h 127.0.0.1 -p $PORT -U postgres -Atc \"select datname from pg_database where datname like 'sp_test_%'\""); do
  as_postgres "psql -h 127.0.0.1 -p $PORT -U postgres -qc 'drop database if exists $db'" >/dev/null 2>&1 || true
done
echo "$URL"
