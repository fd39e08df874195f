#!/usr/bin/env bash
# Every benchmark `make bench` runs, in order; each prints its figures and writes
# bench/results/<name>-<date>.json. The catalog is imported once into a temporary database
# that the benchmarks share (the national export when ../shared has it, else the sample).
#
#   scripts/bench.sh                          every benchmark
#   scripts/bench.sh bot_answers bot_latency  only these (names of the bench/ modules)
#
# The bot benchmarks serve models/tthc.tar.gz (what `make train` builds), or TTHC_BENCH_MODEL.
# Latency figures depend on the machine and its load: bot_latency records both.
set -euo pipefail
cd "$(dirname "$0")/.."
export TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
PY=.venv/bin/python
MODEL=${TTHC_BENCH_MODEL:-models/tthc.tar.gz}
SELECTED=("$@")

# Whether the benchmark named $1 runs: all when none were named on the command line.
wanted() {
  [ ${#SELECTED[@]} -eq 0 ] && return 0
  local name
  for name in "${SELECTED[@]}"; do [ "$name" = "$1" ] && return 0; done
  return 1
}

scratch=$(mktemp -d /tmp/tthc-bench.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
DB="sqlite:///$scratch/catalog.db"

echo "== Loading the default catalog into $DB"
TTHC_DATABASE_URL="$DB" .venv/bin/tthc catalog load-default --no-with-lists

if wanted catalog_import && [ -d ../shared/datasets/dvc-national-catalog/raw ]; then
  echo "== Catalog import time and coverage (national export, 3 fresh databases)"
  $PY -m bench.catalog_import
fi
if wanted answer_audit && [ -d ../shared/datasets/dvc-national-catalog/raw ]; then
  echo "== Answer audit sample (60 procedures judged against the national record)"
  $PY -m bench.answer_audit
fi
if wanted search_eval; then
  echo "== Search quality (FAQ questions)"
  $PY -m bench.search_eval --database-url "$DB"
fi
if wanted search_latency; then
  echo "== Search latency"
  $PY -m bench.search_latency --database-url "$DB"
fi
if wanted bot_nlu_cv; then
  echo "== NLU cross-validation (5 folds, as written and without diacritics)"
  $PY -m bench.bot_nlu_cv --folds 5
fi
if wanted bot_answers; then
  echo "== Bot answer accuracy end to end (FAQ questions through the REST channel)"
  $PY -m bench.bot_answers --database-url "$DB" --model "$MODEL"
fi
if wanted bot_dialogue; then
  echo "== First replies to the held-out citizen questions (report half, REST channel)"
  $PY -m bench.bot_dialogue --database-url "$DB" --model "$MODEL"
fi
if wanted bot_latency; then
  echo "== Bot latency and memory, side by side with a plain \`rasa init\` bot"
  $PY -m bench.bot_latency --database-url "$DB" --model "$MODEL"
fi
if wanted gateway_latency; then
  echo "== Chat gateway: overhead per turn against Rasa's REST channel, agent → citizen delivery"
  $PY -m bench.gateway_latency --database-url "$DB" --model "$MODEL"
fi
if wanted dossier_latency && [ -f bench/dossier_latency.py ]; then
  echo "== Dossier lookup latency"
  $PY -m bench.dossier_latency
fi
if wanted cluster_load || wanted long_conversation; then
  if command -v redis-server >/dev/null && [ -x /usr/sbin/nginx ] && ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    if wanted cluster_load; then
      echo "== Load test of the production topology (1 and 2 Rasa, 50 conversations x 6 turns)"
      $PY -m bench.cluster_load --model "$MODEL"
    fi
    if wanted long_conversation; then
      echo "== A 300-turn conversation, with and without the tracker window"
      $PY -m bench.long_conversation --model "$MODEL"
    fi
  else
    echo "== Skipping cluster_load and long_conversation: run \`make system-deps\` (nginx, redis, PostgreSQL)"
  fi
fi
