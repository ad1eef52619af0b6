#!/usr/bin/env bash
# Entrypoint for devup's locally built Postgres 15 image; follows the official postgres image's
# environment contract (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, PGDATA).
set -euo pipefail

bin=/usr/lib/postgresql/15/bin
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
export PGDATA

say() { echo "==> $*" >&2; }

# Like the official image: `docker run IMAGE -c x=y` passes flags to postgres; another command runs as is.
if [ "${1:-}" = postgres ]; then shift; fi
if [ $# -gt 0 ] && [ "${1:0:1}" != - ]; then exec "$@"; fi

# Postgres refuses to run as root; setpriv (util-linux, in minbase) drops privileges without gosu.
as_postgres=()
if [ "$(id -u)" = 0 ]; then
  as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups)
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres /var/run/postgresql
  # Only chown a fresh directory: a big existing cluster would make every start slow.
  [ -s "$PGDATA/PG_VERSION" ] || chown -R postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
    echo "error: POSTGRES_PASSWORD is not set (set it, or POSTGRES_HOST_AUTH_METHOD=trust)" >&2
    exit 1
  fi

  say "initdb in $PGDATA (superuser $POSTGRES_USER)"
  pwfile=$(mktemp)
  printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
  [ ${#as_postgres[@]} -eq 0 ] || chown postgres "$pwfile"
  pwflag=()
  [ -z "${POSTGRES_PASSWORD:-}" ] || pwflag=(--pwfile="$pwfile")
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a word list, as in the official image
  "${as_postgres[@]}" "$bin/initdb" --username="$POSTGRES_USER" "${pwflag[@]}" \
    --auth-local=trust --auth-host="$POSTGRES_HOST_AUTH_METHOD" \
    --encoding=UTF8 --locale=C.UTF-8 ${POSTGRES_INITDB_ARGS:-} >&2
  rm -f "$pwfile"
  # initdb only lets in 127.0.0.1 and ::1; clients come through Docker's port mapping.
  echo "host all all all $POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"

  if [ "$POSTGRES_DB" != postgres ]; then
    say "creating database $POSTGRES_DB"
    # No TCP listener: nobody can connect before the database exists.
    "${as_postgres[@]}" "$bin/pg_ctl" -D "$PGDATA" -w -o "-c listen_addresses=''" start >&2
    "${as_postgres[@]}" "$bin/psql" -X -q -v ON_ERROR_STOP=1 -v db="$POSTGRES_DB" \
      --username="$POSTGRES_USER" --dbname=postgres <<<'CREATE DATABASE :"db";'
    "${as_postgres[@]}" "$bin/pg_ctl" -D "$PGDATA" -w -m fast stop >&2
  fi
  say "init done; starting postgres"
fi

exec "${as_postgres[@]}" "$bin/postgres" -c listen_addresses='*' "$@"
