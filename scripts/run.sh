#!/usr/bin/env bash
# Start Rasa, the action server and the API together (honcho), after printing their URLs.
set -euo pipefail
cd "$(dirname "$0")/.."
set -a; [ -f .env ] && . ./.env; set +a
export TTHC_RASA_TOKEN="${TTHC_RASA_TOKEN:-dev-rasa-token}"
cat <<URLS
  Chat (web page):      http://localhost:8000/
  API + OpenAPI docs:   http://localhost:8000/docs
  Rasa REST channel:    http://localhost:5005/webhooks/rest/webhook
  Rasa HTTP API:        http://localhost:5005/ (token: TTHC_RASA_TOKEN)
  Action server:        http://localhost:5055/health
URLS
exec .venv/bin/honcho start -f Procfile
