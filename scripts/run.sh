#!/usr/bin/env bash
# Start Rasa, the action server and the API together (honcho), after printing their URLs.
# This is the local demo: TTHC_ENV=local (development tokens accepted) unless set otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
set -a; [ -f .env ] && . ./.env; set +a
export TTHC_ENV="${TTHC_ENV:-local}"
# The tokens and origins come from the settings, which refuse development tokens outside
# TTHC_ENV=local: a misconfigured production start stops here with the reason.
settings=$(.venv/bin/python -c '
from knowledge.config import get_settings
s = get_settings()
print(s.env); print(s.rasa_token); print(s.actions_token); print(s.cors_origins)
') || { echo "Invalid settings (see above): fix .env or the TTHC_* variables." >&2; exit 1; }
{ read -r env; read -r TTHC_RASA_TOKEN; read -r TTHC_ACTIONS_TOKEN; read -r TTHC_CORS_ORIGINS; } <<< "$settings"
export TTHC_RASA_TOKEN TTHC_ACTIONS_TOKEN TTHC_CORS_ORIGINS
if [ "$env" = local ]; then
  echo "  LOCAL DEMO (TTHC_ENV=local): development tokens are accepted. Not for production."
fi
cat <<URLS
  Portal + chat widget: http://localhost:8000/
  Agent console:        http://localhost:8000/tra-cuu   (tthc user create NAME --role agent)
  Admin pages:          http://localhost:8000/quan-tri  (tthc user create NAME --role admin)
  API + OpenAPI docs:   http://localhost:8000/docs
  Rasa REST channel:    http://localhost:5005/webhooks/rest/webhook
  Rasa HTTP API:        http://localhost:5005/ (token: TTHC_RASA_TOKEN; 127.0.0.1 only)
  Action server:        http://localhost:5055/health (127.0.0.1 only, token TTHC_ACTIONS_TOKEN)
URLS
exec .venv/bin/honcho start -f Procfile
