# Xunhuan: `make run` serves the demo marketplace, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
export XUNHUAN_DATA_DIR ?= $(CURDIR)/instance

PO := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: run test test-fast install install-dev system-deps translations lock upgrade lint clean

run: $(BIN)/.installed $(MO)
	$(BIN)/xunhuan init-db
	$(BIN)/xunhuan seed-demo --if-empty
	@echo "Xunhuan is serving on http://127.0.0.1:$(PORT)"
	$(BIN)/gunicorn --workers 2 --bind 127.0.0.1:$(PORT) --access-logfile - 'market:create_app()'

# One pytest worker per core (pytest-xdist): each has its own databases, PostgreSQL cluster,
# loop devices and browser, so the suite's wall time shrinks with the machine's cores.
test: $(BIN)/.installed-dev $(MO) system-deps
	$(BIN)/pytest -n auto

# The edit loop: SQLite only, no browser (CI runs everything through `make test`).
test-fast: $(BIN)/.installed-dev $(MO)
	$(BIN)/pytest -n auto -m "not browser and not postgres" -q

install: $(BIN)/.installed
install-dev: $(BIN)/.installed-dev

$(BIN)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(BIN)/.installed-dev: requirements-dev.lock $(BIN)/.installed
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

# Debian's Chromium (Playwright drives it; it cannot download its own browser here),
# CJK fonts for screenshots and PDFs, and the PostgreSQL server for the throwaway test cluster.
system-deps:
	@bash scripts/system-deps.sh

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(BIN)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d translations -l $* --statistics

# Re-extract user-facing strings and merge them into the catalogues; then translate the new ones.
translations: $(BIN)/.installed-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --no-location --sort-output \
		--project xunhuan -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --width 100

# Re-resolve the locks from pyproject.toml. `make upgrade` moves every pin to its newest release.
lock: $(BIN)/.installed-dev
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 --quiet -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev -c requirements.lock --generate-hashes \
		--python-version 3.11 --quiet -o requirements-dev.lock

upgrade: $(BIN)/.installed-dev
	$(BIN)/uv pip compile pyproject.toml --upgrade --generate-hashes --python-version 3.11 --quiet -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev -c requirements.lock --upgrade --generate-hashes \
		--python-version 3.11 --quiet -o requirements-dev.lock

# What CI checks before the tests (.ci/run): lint, format, types (no unused ignore), import rules.
lint: $(BIN)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(MO)
