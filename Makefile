# Two commands matter: `make run` (everything up) and `make test` (everything checked).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
TTHC := $(VENV)/bin/tthc
RASA_ARGS := --config bot/config.yml --domain bot/domain
RASA_DATA := data/nlu data/stories data/rules
LINTED := knowledge actions bot tests bench
# Examples in docstrings are tests too (alembic's env.py runs only under alembic).
DOCTESTS := --doctest-modules knowledge actions bot --ignore=knowledge/migrations
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: help run run-cluster test unit bench setup system-deps catalog demo-data demo-decision train validate lint shell clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# `make run` and `make run-cluster` are local demos: their steps (catalog, demo data) accept the
# development tokens too, unless TTHC_ENV is set otherwise (scripts/run.sh says so at start).
run run-cluster: export TTHC_ENV ?= local
run: setup catalog demo-data demo-decision train  ## Set up, load the catalog, train if needed, start Rasa + actions + API
	@scripts/run.sh

run-cluster: setup system-deps train  ## The production topology here: PostgreSQL (catalog too), Redis, nginx, 2 Rasa, 2 actions, 2 API
	@scripts/run-cluster.sh

test: lint system-deps train  ## Lint, then run every test (unit, doctests, stories, end-to-end, browser, PostgreSQL)
	@scripts/test.sh

# On every core (pytest-xdist), a test file per worker at a time: module fixtures are built once.
# tests/e2e and tests/browser hold only e2e and browser tests: not even imported here.
unit: setup  ## The fast tests: no end-to-end, browser, PostgreSQL or whole-catalog runs; doctests
	@$(PY) -m pytest -q -n auto --dist loadfile -m "not e2e and not browser and not postgres and not slow" \
	  $(DOCTESTS) tests --ignore=tests/e2e --ignore=tests/browser

bench: setup train  ## Benchmarks: retrieval quality, search latency, NLU cross-validation, bot latency
	@scripts/bench.sh

setup:  ## Create .venv with the pinned dependencies (no-op when unchanged)
	@scripts/bootstrap.sh

system-deps:  ## Install Chromium and PostgreSQL from Debian's packages when missing
	@scripts/system-deps.sh

catalog: setup  ## Load the default catalog (../shared national export, else the sample)
	@$(TTHC) catalog load-default

demo-data: setup  ## Generate demo dossiers (fake applicants) when the store is empty
	@$(TTHC) dossier demo --count 300 --seed 7 --if-empty

demo-decision: setup  ## Apply the demo publishing decision (new, amended, abolished procedures)
	@$(TTHC) decision apply data/decisions/quyet-dinh-mau.csv --again --as "make run"

train: setup  ## Train the Rasa model only when its inputs changed (data, domain, config, tokenizer code)
	@scripts/train.sh

validate: setup  ## Check the Rasa training data and domain (rasa data validate, knowing the actions' responses)
	@$(PY) -m bot.validate $(RASA_ARGS) --data $(RASA_DATA) --fail-on-warnings

lint: setup  ## ruff check, ruff format --check, mypy (strict on knowledge/)
	@$(VENV)/bin/ruff check $(LINTED)
	@$(VENV)/bin/ruff format --check $(LINTED)
	@$(VENV)/bin/mypy

shell: setup  ## A Python shell with the project importable
	@$(PY)

clean:  ## Remove build outputs (models, local database, benchmark results)
	rm -rf models var bench/results/*.json
