#!/usr/bin/env bash
# Every benchmark `make bench` runs, in order; each prints its figures and writes
# bench/results/<name>-<date>.json. The catalog is imported once into a temporary database
# that the benchmarks share (the national export when ../shared has it, else the sample).
set -euo pipefail
cd "$(dirname "$0")/.."
export TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
PY=.venv/bin/python

scratch=$(mktemp -d /tmp/tthc-bench.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
DB="sqlite:///$scratch/catalog.db"

echo "== Loading the default catalog into $DB"
TTHC_DATABASE_URL="$DB" .venv/bin/tthc catalog load-default --no-with-lists

if [ -d ../shared/datasets/dvc-national-catalog/raw ]; then
  echo "== Catalog import time and coverage (national export, 3 fresh databases)"
  $PY -m bench.catalog_import
fi
echo "== Search quality (FAQ questions)"
$PY -m bench.search_eval --database-url "$DB"
echo "== Search latency"
$PY -m bench.search_latency --database-url "$DB"
echo "== NLU cross-validation (5 folds, as written and without diacritics)"
$PY -m bench.bot_nlu_cv --folds 5
echo "== Bot answer accuracy end to end (FAQ questions through the REST channel)"
$PY -m bench.bot_answers --database-url "$DB"
echo "== Bot latency and memory, side by side with a plain \`rasa init\` bot"
$PY -m bench.bot_latency --database-url "$DB"
if [ -f bench/dossier_latency.py ]; then
  echo "== Dossier lookup latency"
  $PY -m bench.dossier_latency
fi
