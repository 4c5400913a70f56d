# Eigen Dossier: `make run` serves the app, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
CATALOGS := $(patsubst %.po,%.mo,$(wildcard dossier/translations/*/LC_MESSAGES/messages.po))
export DOSSIER_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export DOSSIER_TEST_REDIS_URL ?= redis://127.0.0.1:6379/7

# pip without its root-user and version notices; what running needs is installed showing errors
# only, so a first `make run` prints what matters to a newcomer (the tools' install says more).
PIP := PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 $(BIN)/pip --quiet
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev

.PHONY: run demo reset install install-runtime keys migrate translations messages lint test \
	prod-smoke bench chromium pango design-system clean

run: install-runtime keys migrate ## serve on http://127.0.0.1:$(PORT); keep it running
	@PORT=$(PORT) $(BIN)/dossier run --port $(PORT)

demo: install-runtime keys migrate ## fill an empty database with demo accounts (beside `make run`)
	@PORT=$(PORT) $(BIN)/dossier demo

reset: install-runtime ## start over: remove the SQLite database and dossier secrets, migrate
	@$(BIN)/dossier reset

install: pango $(DEV) translations ## everything: what running needs, and the tools for tests and lint

install-runtime: pango $(RUNTIME) translations ## only what running the app needs

$(VENV)/bin/python:
	@echo "Installing what Eigen Dossier needs to run in $(VENV)/ (about a minute, once)"
	@$(PYTHON) -m venv $(VENV)
	@$(PIP) --quiet install --upgrade pip

$(RUNTIME): pyproject.toml | $(VENV)/bin/python
	@$(PIP) --quiet install -e .
	@touch $@

$(DEV): pyproject.toml $(RUNTIME)
	$(PIP) install -e ".[dev]"
	@touch $@

keys: $(RUNTIME)
	@$(BIN)/dossier keys init

migrate: $(RUNTIME)
	@$(BIN)/dossier db upgrade

translations: $(CATALOGS)

%.mo: %.po $(RUNTIME)
	@$(BIN)/pybabel --quiet compile -i $< -o $@

messages: $(DEV) ## re-extract message ids after changing texts
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _l -k lazy_gettext --no-location \
		--sort-output --omit-header -o dossier/translations/messages.pot .
	$(BIN)/pybabel update -i dossier/translations/messages.pot -d dossier/translations \
		--omit-header --ignore-obsolete --no-fuzzy-matching

# WeasyPrint, which prints the family's plan as a PDF, needs Debian's Pango and a font.
PANGO := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core

pango: ## the libraries that print a PDF
	@if ! dpkg -s $(PANGO) >/dev/null 2>&1; then \
		echo "installing Debian's Pango for printing PDFs"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PANGO); \
	fi

chromium: ## the real browser the end-to-end tests drive
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

lint: install
	$(BIN)/ruff check dossier tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: install chromium lint ## every test, on SQLite and PostgreSQL, plus lint and layer contracts
	$(BIN)/pytest

prod-smoke: install ## `dossier serve` in production mode on local PostgreSQL and Redis, over HTTP; then two replicas
	$(BIN)/pytest -q tests/e2e/test_production.py tests/e2e/test_replicas.py \
		tests/integration/test_backup_restore.py

bench: install ## benchmarks, each printed as a ratio against a baseline run beside it
	$(BIN)/python -m bench

UTRECHT_CSS_VERSION := 9.0.4
NLDS_THEME_VERSION := 7.4.1
VENDOR := dossier/static/vendor

design-system: ## refresh the NL Design System CSS from npm at the pinned versions
	@tmp=$$(mktemp -d) && cd $$tmp && \
	npm pack --silent @utrecht/component-library-css@$(UTRECHT_CSS_VERSION) \
		@nl-design-system-unstable/voorbeeld-design-tokens@$(NLDS_THEME_VERSION) >/dev/null && \
	mkdir components theme && \
	tar xzf utrecht-component-library-css-$(UTRECHT_CSS_VERSION).tgz -C components && \
	tar xzf nl-design-system-unstable-voorbeeld-design-tokens-$(NLDS_THEME_VERSION).tgz -C theme && \
	cp components/package/dist/index.css $(CURDIR)/$(VENDOR)/utrecht-component-library.css && \
	cp theme/package/dist/theme.css $(CURDIR)/$(VENDOR)/nlds-voorbeeld-theme.css && \
	rm -rf $$tmp && echo "NL Design System CSS refreshed in $(VENDOR)"

clean:
	rm -rf $(VENV) var build dist *.egg-info tests/e2e/screenshots $(CATALOGS)
