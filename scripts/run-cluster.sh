#!/usr/bin/env bash
# The production topology on this machine (make run-cluster): PostgreSQL and Redis from Debian's
# packages on loopback, nginx as the single entry point, 2 Rasa servers, 2 action servers and
# 2 API workers (honcho). Rasa's trackers live in PostgreSQL and its locks in Redis, so any
# Rasa process continues any conversation; the catalog, dossiers and chats are in PostgreSQL
# too (loaded here, as make catalog / demo-data / demo-decision do for make run). Configuration is generated into var/cluster/ by
# bench/cluster.py; the data of PostgreSQL stays there between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
set -a; [ -f .env ] && . ./.env; set +a
export TTHC_ENV="${TTHC_ENV:-local}"
DIR="$PWD/var/cluster"
ENTRY_PORT="${TTHC_CLUSTER_PORT:-8080}"
.venv/bin/python -m bench.cluster "$DIR" --entry-port "$ENTRY_PORT"
set -a; . "$DIR/cluster.env"; set +a
PG_PORT=$(sed -n 's|.*127.0.0.1:\([0-9]*\)/.*|\1|p' <<< "$TTHC_TRACKER_DB_URL")
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGDATA="$DIR/pg"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ ! -f "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA"; [ "$(id -u)" -eq 0 ] && chown postgres "$PGDATA"
  as_pg "$PGBIN/initdb" -D "$PGDATA" -U tthc --auth=trust -E UTF8 >/dev/null
fi
if ! as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -o "-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1" \
    -l "$PGDATA/server.log" -w start >/dev/null
fi
trap 'as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true' EXIT
for db in tthc_tracker tthc; do  # Rasa's trackers; the catalog, dossiers and chats
  as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U tthc -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
    || as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U tthc "$db"
done
# make catalog, demo-data and demo-decision, into PostgreSQL (TTHC_DATABASE_URL of cluster.env).
.venv/bin/tthc catalog load-default
.venv/bin/tthc dossier demo --count 300 --seed 7 --if-empty
.venv/bin/tthc decision apply data/decisions/quyet-dinh-mau.csv --again --as "make run-cluster"
settings=$(.venv/bin/python -c '
from knowledge.config import get_settings
s = get_settings()
print(s.env); print(s.rasa_token); print(s.actions_token)
') || { echo "Invalid settings (see above): fix .env or the TTHC_* variables." >&2; exit 1; }
{ read -r env; read -r TTHC_RASA_TOKEN; read -r TTHC_ACTIONS_TOKEN; } <<< "$settings"
export TTHC_RASA_TOKEN TTHC_ACTIONS_TOKEN
[ "$env" = local ] && echo "  LOCAL DEMO (TTHC_ENV=local): development tokens are accepted."
cat <<URLS
  Entry point (nginx):  http://localhost:$ENTRY_PORT/  (chat page, /api/chat, /docs)
  Rasa (2, hashed by conversation): http://127.0.0.1:${TTHC_RASA_URL##*:}/ (127.0.0.1 only)
  Trackers:             $TTHC_TRACKER_DB_URL
  Catalog, chats:       $TTHC_DATABASE_URL
  Locks, rate limits:   $TTHC_REDIS_URL
  Configuration:        $DIR/{nginx.conf,endpoints.yml,Procfile}
URLS
.venv/bin/honcho start -f "$DIR/Procfile" -d "$PWD"
