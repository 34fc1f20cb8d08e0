# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make demo   - chat with the bot in the terminal on the demo data (SQLite, no Telegram)
#   make test   - run the whole test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo serve test lint catalogs extract-messages clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

catalogs: $(STAMP)
	$(BIN)/pybabel compile --statistics -d locales -D messages

demo: $(STAMP) catalogs
	$(BIN)/ramtid demo

serve: $(STAMP) catalogs
	$(BIN)/ramtid serve --demo

test: $(STAMP) catalogs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -q

# After changing user-facing strings: refresh the template and every catalog.
extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k __ -k _ -k ngettext:1,2 -k lazy_ngettext:1,2 \
		--no-location --sort-output --project=ramtid -o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching

clean:
	rm -rf $(VENV) ramtid.db ramtid.db-wal ramtid.db-shm
