# Two commands for a fresh clone:  make run  (demo server)  ·  make test  (the whole suite)
VENV    ?= .venv
PYTHON  ?= python3
BIN      = $(VENV)/bin
TIMEBANK = $(BIN)/timebank
# Installed from the lock (uv.lock, exported for pip as requirements*.txt; `make lock`):
# RUNTIME is what a server needs, STAMP adds the test, lint and browser tools.
RUNTIME  = $(VENV)/.installed-runtime
STAMP    = $(VENV)/.installed
HOST    ?= 127.0.0.1
PORT    ?= 5000
# The one origin links name and the host the demo answers to (TIMEBANK_PUBLIC_URL);
# reaching it from another machine: make run HOST=0.0.0.0 PUBLIC_URL=http://<this machine>:5000
PUBLIC_URL ?= http://$(HOST):$(PORT)
# Two workers: the suite is several hundred tests; pass PYTEST_ARGS= to run in one process.
PYTEST_ARGS ?= -n 2 --dist worksteal

.PHONY: run test install translations chromium redis lint serve extract-messages bench bench-tools clean \
	lock dist check-wheel

# The exact versions in the requirements files (with their hashes), then the project itself
# (editable: its build hook compiles the catalogues in place).
$(RUNTIME): pyproject.toml setup.py requirements.txt
	@echo "==> [1/4] Creating the virtualenv in $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@echo "==> [2/4] Installing the locked packages (requirements.txt; a minute or two the first time)"
	$(BIN)/pip install --progress-bar on --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(STAMP): $(RUNTIME) requirements-dev.txt
	@echo "==> [3/4] Installing the test, lint and browser tools (requirements-dev.txt)"
	$(BIN)/pip install --progress-bar on --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(STAMP) translations

# Compiled catalogues are build output, not committed: recompiled after editing a .po file.
translations: $(RUNTIME)
	$(BIN)/pybabel -q compile -d timebank/translations

# Refresh the lock to the newest releases pyproject.toml allows and export it for pip.
# `make lock LOCK_ARGS=` only adds what pyproject.toml gained, moving nothing else.
LOCK_ARGS ?= --upgrade
lock: $(STAMP)
	$(BIN)/uv lock $(LOCK_ARGS)
	$(BIN)/uv export --frozen --quiet --no-emit-project --extra postgres --extra redis \
	  --extra server -o requirements.txt
	$(BIN)/uv export --frozen --quiet --no-emit-project --all-extras -o requirements-dev.txt

# The release artefacts (sdist and wheel, the catalogues compiled by setup.py) in dist/.
dist: $(STAMP)
	$(BIN)/uv build --out-dir dist

# The release artefact: build the wheel, install it in a new virtualenv outside this tree,
# migrate, load the demo, verify the ledger and serve an Arabic page through it.
check-wheel: $(STAMP)
	UV=$(BIN)/uv PYTHON=$(PYTHON) bash .ci/check-wheel

run: export TIMEBANK_PUBLIC_URL = $(PUBLIC_URL)
run: install
	@echo "==> [4/4] Migrating the database and loading the demo community"
	$(TIMEBANK) db upgrade
	$(TIMEBANK) demo
	@echo ""
	@echo "Timebank is starting at $(PUBLIC_URL)/  (stop it with Ctrl+C)"
	@echo "  Demo logins, password demo-password-2026:"
	@echo "    admin@example.org        administrator"
	@echo "    coordinator@example.org  coordinator (console: $(PUBLIC_URL)/c/old-town/coordinator/)"
	@echo "    salma@example.org        member (also omar@, grace@, yusuf@, layla@)"
	@echo "  Another port or host: make run PORT=8080 HOST=0.0.0.0 PUBLIC_URL=http://<this machine>:8080"
	@echo ""
	$(TIMEBANK) run --host $(HOST) --port $(PORT)

# Browser tests drive Debian's chromium, and the report tests look at PDF pages through
# poppler's pdftoppm; install them when missing (root only, as in CI).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install chromium"; exit 1; fi; }
	@command -v pdftoppm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils; \
	  else echo "The PDF contrast test needs poppler: sudo apt-get install poppler-utils"; exit 1; fi; }

# The Redis rate-limit test needs a Redis server on 127.0.0.1:6379; start the local one if idle.
redis:
	@$(BIN)/python -c "import redis,sys; redis.Redis(socket_connect_timeout=0.5).ping()" 2>/dev/null || { \
	  command -v redis-server >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; }; \
	  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no; sleep 1; }

# Bytecode is written even where the environment says not to (PYTHONDONTWRITEBYTECODE):
# each pytest worker and subprocess would otherwise compile every module from source.
test: install chromium redis
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/uv lock --check --quiet

# Production-style server: several gunicorn workers (see deploy/gunicorn.conf.py). Installs
# the runtime dependencies only: no test, lint or browser tools.
serve: $(RUNTIME) translations
	$(TIMEBANK) db upgrade
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py wsgi:app

extract-messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o timebank/translations/messages.pot .
	$(BIN)/pybabel -q update -i timebank/translations/messages.pot -d timebank/translations --no-fuzzy-matching

# The mixed-traffic benchmark (python -m benchmarks load) drives gunicorn with Debian's wrk;
# install it when missing (root only, as in CI).
bench-tools:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
	  else echo "The load benchmark needs Debian's wrk: sudo apt-get install wrk"; exit 1; fi; }

bench: install bench-tools
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build dist
