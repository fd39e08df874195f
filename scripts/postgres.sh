#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster for the tests and print its URL: scripts/postgres.sh start|stop
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
DIR=${TTHC_PG_DIR:-/tmp/tthc-pg}
PORT=${TTHC_PG_PORT:-55432}
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "${1:-start}" in
  start)
    if ! as_pg "$PGBIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
      rm -rf "$DIR"; mkdir -p "$DIR"
      [ "$(id -u)" -eq 0 ] && chown postgres "$DIR"
      as_pg "$PGBIN/initdb" -D "$DIR" -U tthc --auth=trust -E UTF8 >/dev/null
      as_pg "$PGBIN/pg_ctl" -D "$DIR" -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1" -l "$DIR/server.log" -w start >/dev/null
      as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U tthc tthc_test
    fi
    echo "postgresql+psycopg2://tthc@127.0.0.1:$PORT/tthc_test"
    ;;
  stop)
    as_pg "$PGBIN/pg_ctl" -D "$DIR" -m fast stop >/dev/null 2>&1 || true
    ;;
esac
