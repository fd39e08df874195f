#!/usr/bin/env bash
# Every check `make test` runs after `make lint`, in order: Rasa data validation, test stories,
# then pytest: unit tests, the doctests of the packages, end-to-end, browser and PostgreSQL tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
# The tests run as a local demo (development tokens); bot/endpoints.yml reads the secret.
export TTHC_ENV="${TTHC_ENV:-local}" TTHC_ACTIONS_TOKEN="${TTHC_ACTIONS_TOKEN:-dev-actions-token}"
RASA_ARGS=(--config bot/config.yml --domain bot/domain)

echo "== Rasa data validation"
# `rasa data validate`, with the responses that actions and forms send counted as used (bot/validate.py)
.venv/bin/python -m bot.validate "${RASA_ARGS[@]}" --data data/nlu data/stories data/rules --fail-on-warnings

echo "== Test stories"
.venv/bin/rasa test core --model models/tthc.tar.gz --stories tests/bot/stories \
  --endpoints bot/endpoints.yml --fail-on-prediction-errors --out var/test-results/core

echo "== PostgreSQL"
TTHC_TEST_POSTGRES_URL=$(scripts/postgres.sh start)
export TTHC_TEST_POSTGRES_URL
trap 'scripts/postgres.sh stop' EXIT

echo "== schemathesis (live API, every route, with and without tokens)"
scripts/schemathesis.sh

echo "== pytest (unit, doctests, end-to-end, browser, PostgreSQL)"
.venv/bin/python -m pytest --doctest-modules tests knowledge actions bot --ignore=knowledge/migrations "$@"
