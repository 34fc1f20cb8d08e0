# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make demo   - chat with the bot in the terminal on the demo data (SQLite, no Telegram)
#   make test   - run the whole test suite
# Everything is installed from the committed lock file (uv.lock); see README "Dependencies".
PYTHON ?= python3.11
UV_VERSION := 0.13.9
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools
UV := $(TOOLS)/bin/uv
STAMP := $(VENV)/.installed
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: demo serve test browser-test vendor lint typecheck catalogs extract-messages lock upgrade reset-demo clean

$(UV):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --extra test --python $(PYTHON) --quiet --compile-bytecode
	touch $(STAMP)

catalogs: $(STAMP)
	$(BIN)/pybabel compile --statistics -d locales -D messages

demo: $(STAMP) catalogs
	$(BIN)/ramtid demo

serve: $(STAMP) catalogs
	$(BIN)/ramtid serve --demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# On every core (pytest-xdist); PYTEST_WORKERS=0 runs them in this one process.
PYTEST_WORKERS ?= auto
test: lint typecheck catalogs
	$(BIN)/pytest -q -m "not browser" -n $(PYTEST_WORKERS)

# The web pages in a real browser: Debian's chromium, axe-core from npm (package-lock.json).
browser-test: $(STAMP) catalogs node_modules/.package-lock.json
	$(BIN)/pytest -q -m browser tests/browser

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

# htmx is served from backend/web/static: after changing its version in package.json.
vendor: node_modules/.package-lock.json
	cp node_modules/htmx.org/dist/htmx.min.js backend/web/static/htmx.min.js

# A fresh demo unit (today's visits, this month's history) without touching the venv.
reset-demo: $(STAMP)
	rm -f ramtid.db ramtid.db-wal ramtid.db-shm
	$(BIN)/ramtid seed

# After changing dependencies in pyproject.toml: re-resolve within the stated bounds.
lock: | $(UV)
	$(UV) lock --python $(PYTHON)

# Move every dependency to its newest release allowed by pyproject.toml, then run the tests.
upgrade: | $(UV)
	$(UV) lock --upgrade --python $(PYTHON)
	$(MAKE) test

# After changing user-facing strings: refresh the template and every catalog.
extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k __ -k _ -k N_ -k ngettext:1,2 -k lazy_ngettext:1,2 \
		--no-location --sort-output --width 99 --project=ramtid -o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete \
		--width 99

clean:
	rm -rf $(VENV) $(TOOLS) ramtid.db ramtid.db-wal ramtid.db-shm ramtid-demo.log
