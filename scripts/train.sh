#!/usr/bin/env bash
# Train models/tthc.tar.gz only when its inputs changed: Rasa config, domain, training data,
# the word list and lexicon the tokenizer reads, and the code of the NLU components.
# (Rasa 3.6 restores featurizers and policies from its cache but always retrains DIET, about
# a minute on two cores, so `rasa train` alone is not a no-op.) Usage: scripts/train.sh
set -euo pipefail
cd "$(dirname "$0")/.."
model=models/tthc.tar.gz
stamp=models/tthc.inputs.sha256
inputs=$( { find bot/config.yml bot/domain data/nlu data/stories data/rules data/vi_words.txt \
              data/lexicon.yml bot/components knowledge/text -type f \( -name '*.yml' -o -name '*.txt' -o -name '*.py' \) \
              | LC_ALL=C sort | xargs sha256sum; .venv/bin/python -c 'import importlib.metadata as m; print(m.version("rasa"))'; } \
          | sha256sum | cut -d' ' -f1)
if [ -f "$model" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$inputs" ]; then
  echo "models/tthc.tar.gz is up to date (inputs unchanged): not training"
  exit 0
fi
started=$(date +%s)
.venv/bin/rasa train --config bot/config.yml --domain bot/domain \
  --data data/nlu data/stories data/rules --out models --fixed-model-name tthc --quiet
echo "$inputs" > "$stamp"
echo "trained models/tthc.tar.gz in $(( $(date +%s) - started )) s"
