#!/usr/bin/env bash
# Every check `make test` runs after `make lint`, in order: Rasa data validation, test stories,
# then pytest: unit tests, the doctests of the packages, end-to-end, browser and PostgreSQL tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
RASA_ARGS=(--config bot/config.yml --domain bot/domain)

echo "== Rasa data validation"
.venv/bin/rasa data validate "${RASA_ARGS[@]}" --data data/nlu data/stories data/rules --fail-on-warnings

echo "== Test stories"
.venv/bin/rasa test core --model models/tthc.tar.gz --stories tests/bot/stories \
  --endpoints bot/endpoints.yml --fail-on-prediction-errors --out var/test-results/core

echo "== PostgreSQL"
TTHC_TEST_POSTGRES_URL=$(scripts/postgres.sh start)
export TTHC_TEST_POSTGRES_URL
trap 'scripts/postgres.sh stop' EXIT

echo "== pytest (unit, doctests, end-to-end, browser, PostgreSQL)"
.venv/bin/python -m pytest --doctest-modules tests knowledge actions bot --ignore=knowledge/migrations "$@"
