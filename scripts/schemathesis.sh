#!/usr/bin/env bash
# Property-based API checks (schemathesis) against a live API process, bounded: every route,
# without a token, signed in as an agent, signed in as an admin, and with the ingest token. Fails on any 5xx or any
# answer that contradicts the OpenAPI document. schemathesis' pins clash with Rasa's, so it
# lives in its own .venv-tools (created here on first use). Usage: scripts/schemathesis.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES=${1:-${TTHC_SCHEMATHESIS_EXAMPLES:-25}}
VERSION=4.30.1
if [ "$(.venv-tools/bin/python -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null)" != "$VERSION" ]; then
  # From .venv's Python 3.10 (scripts/bootstrap.sh found it); the new venv shares no packages.
  .venv/bin/python -m venv .venv-tools
  .venv-tools/bin/python -m pip install --quiet "schemathesis==$VERSION"
fi
work=$(mktemp -d)
port=$(.venv/bin/python -c 'from bench.bot_servers import free_port; print(free_port())')
export TTHC_ENV=local TTHC_DATABASE_URL="sqlite:///$work/api.db" SQLALCHEMY_SILENCE_UBER_WARNING=1
# Limits out of the way: the checks send hundreds of requests from one address.
export TTHC_API_RATE_LIMIT=100000/minute TTHC_SEARCH_RATE_LIMIT=100000/minute \
  TTHC_DOSSIER_READ_RATE_LIMIT=100000/hour TTHC_PAGES_RATE_LIMIT=100000/minute
.venv/bin/python -c '
from knowledge.catalog.importer import import_json_catalog
from knowledge.config import SAMPLE_CATALOG_DIR
from knowledge.db import get_engine, migrate, session_scope
from knowledge.accounts import create_user
migrate()
with session_scope(get_engine()) as session:
    import_json_catalog(session, SAMPLE_CATALOG_DIR, source="sample")
    create_user(session, "schemathesis-agent", "agent-password-1234", "agent")
    create_user(session, "schemathesis-admin", "admin-password-1234", "admin")
'
.venv/bin/uvicorn knowledge.api.app:create_app --factory --ws none --no-proxy-headers \
  --host 127.0.0.1 --port "$port" --log-level warning > "$work/api.log" 2>&1 &
api=$!
trap 'kill $api 2>/dev/null || true; wait $api 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
status=0
token_of() {  # sign in through the OAuth2 password flow, print the bearer token
  curl -sf -X POST "http://127.0.0.1:$port/api/auth/token" -d "username=$1" -d "password=$2" \
    | .venv/bin/python -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}
agent=$(token_of schemathesis-agent agent-password-1234)
admin=$(token_of schemathesis-admin admin-password-1234)
for who in anonymous agent admin ingest; do
  case $who in
    anonymous) auth="" ;; agent) auth="Bearer $agent" ;; admin) auth="Bearer $admin" ;;
    ingest) auth="Bearer dev-ingest-token" ;;
  esac
  echo "== schemathesis ($who), $EXAMPLES examples per operation"
  args=(run "http://127.0.0.1:$port/openapi.json" --checks "$checks" --max-examples "$EXAMPLES"
        --seed 7 --workers 1 --request-timeout 30 --suppress-health-check all)
  [ -n "$auth" ] && args+=(--header "Authorization: $auth")
  .venv-tools/bin/schemathesis "${args[@]}" || status=1
done
if grep -q "Traceback" "$work/api.log"; then echo "the API logged a traceback:"; cat "$work/api.log"; status=1; fi
exit $status
