# CivicGrid — the commands a newcomer needs. `make run` and `make test` are the two that matter.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=

.PHONY: install run demo test test-postgres bench lint format messages browser constraints clean

install: $(STAMP) node_modules/.package-lock.json

# constraints.txt pins every package to the version CI tested, so a fresh install matches it.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# After changing dependencies in pyproject.toml: install what is new, then pin what is installed.
constraints:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	{ echo "# Exact versions CI tests with; regenerate with make constraints (pip freeze)."; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^#'; } > constraints.txt

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# Debian's Chromium for the browser tests (never a downloaded browser build);
# `make test` installs it when missing (root on Debian, as on CI).
browser:
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=zh | grep -q . ; } || { \
	  command -v apt-get >/dev/null 2>&1 || { echo "install Debian's chromium package"; exit 1; }; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }

# A loopback-only trial: plain HTTP and the generated secret key are allowed
# explicitly (production settings refuse both otherwise; see docs/security.md).
run: install
	$(BIN)/civicgrid demo
	CIVICGRID_ALLOW_INSECURE_LOOPBACK=1 $(BIN)/civicgrid serve --host $(HOST) --port $(PORT)

demo: install
	$(BIN)/civicgrid demo

test: install browser
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-postgres: install browser
	CIVICGRID_DATABASE_URL=$${CIVICGRID_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/civicgrid_test} \
	  $(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/locate.py --api
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/screen.py

lint: install
	$(BIN)/ruff check src bench
	$(BIN)/ruff format --check src bench

format: install
	$(BIN)/ruff format src bench
	$(BIN)/ruff check --fix src bench

messages: install
	cd src/civicgrid && ../../$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete \
	  --ignore 'core/*' --ignore 'settings/*' && ../../$(BIN)/django-admin compilemessages

clean:
	rm -rf $(VENV) node_modules var .pytest_cache
