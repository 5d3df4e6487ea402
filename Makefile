# Two commands for a fresh clone:  make run  (demo server)  ·  make test  (the whole suite)
VENV    ?= .venv
PYTHON  ?= python3
BIN      = $(VENV)/bin
FLASK    = $(BIN)/flask --app timebank
STAMP    = $(VENV)/.installed
HOST    ?= 127.0.0.1
PORT    ?= 5000
# The one origin links name and the host the demo answers to (TIMEBANK_PUBLIC_URL);
# reaching it from another machine: make run HOST=0.0.0.0 PUBLIC_URL=http://<this machine>:5000
PUBLIC_URL ?= http://$(HOST):$(PORT)
# Two workers: the suite is several hundred tests; pass PYTEST_ARGS= to run in one process.
PYTEST_ARGS ?= -n 2

.PHONY: run test install translations chromium redis lint serve extract-messages bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,postgres,redis,server,e2e]'
	touch $(STAMP)

install: $(STAMP) translations

# Compiled catalogues are build output, not committed.
translations: $(STAMP)
	$(BIN)/pybabel -q compile -d timebank/translations

run: export TIMEBANK_PUBLIC_URL = $(PUBLIC_URL)
run: install
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) run --host $(HOST) --port $(PORT)

# Browser tests drive Debian's chromium; install it when missing (root only, as in CI).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install chromium"; exit 1; fi; }

# The Redis rate-limit test needs a Redis server on 127.0.0.1:6379; start the local one if idle.
redis:
	@$(BIN)/python -c "import redis,sys; redis.Redis(socket_connect_timeout=0.5).ping()" 2>/dev/null || { \
	  command -v redis-server >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; }; \
	  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no; sleep 1; }

test: install chromium redis
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Production-style server: several gunicorn workers (see deploy/gunicorn.conf.py).
serve: install
	$(FLASK) db upgrade
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py wsgi:app

extract-messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o timebank/translations/messages.pot .
	$(BIN)/pybabel -q update -i timebank/translations/messages.pot -d timebank/translations --no-fuzzy-matching

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
