# Two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMPS := .stamps
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The one address emails, feeds and calendars link to (community.conf.site_url): the
# one `make run` serves, unless a deployment says otherwise.
SITE_URL ?= http://$(HOST):$(PORT)
export SITE_URL
DEMO_PASSWORD ?= learn-together-2026
export DEMO_PASSWORD
# No access log: daphne's would record every request's client address, path and time
# to the second, which for a safe-space write comes close to naming its author.
DAPHNE_PRIVACY := --access-log /dev/null
MANAGE := DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-cop_site.settings.dev} $(BIN)/python manage.py
PO_FILES := $(shell find community home cop_site forums events library improvement moderation locale -name '*.po' 2>/dev/null)

.PHONY: run test setup install messages messages-fr migrate static seed lint bench bench-forum bench-library bench-chat bench-chat-faults bench-compare smoke-scaled clean

run: setup seed
	@echo "Serving the learning centre at http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(BIN)/daphne -b $(HOST) -p $(PORT) $(DAPHNE_PRIVACY) cop_site.asgi:application

# Parallel test workers (pytest-xdist): two pay about 1.8x on two cores. Each has its
# own database and Redis database number; TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto

test: install messages
	$(BIN)/ruff check .
	@# No pool: on CI's PostgreSQL pass the site's database does not exist, and the pool
	@# waited 10 s for a connection before the check went on without one.
	DATABASE_POOL_MAX=0 $(MANAGE) makemigrations --check --dry-run
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal --durations=25 $(PYTEST_ARGS)

setup: install messages migrate static

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a requirements file changes: a second `make run` starts in seconds.
$(STAMPS)/install: requirements.txt requirements-dev.txt requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -c requirements.lock
	@mkdir -p $(STAMPS) && touch $@

install: $(STAMPS)/install

$(STAMPS)/messages: $(PO_FILES) | $(STAMPS)/install
	$(MANAGE) compilemessages --ignore=.venv -v0
	@mkdir -p $(STAMPS) && touch $@

messages: $(STAMPS)/messages

# After changing UI strings: refresh the catalogue, translate, then `make test`.
messages-fr: install
	$(MANAGE) makemessages -l fr --ignore=.venv --ignore=tests --ignore=bench --ignore=staticfiles -v0

migrate: install
	$(MANAGE) migrate --noinput -v0

static: install
	$(MANAGE) collectstatic --noinput -v0

seed: migrate
	$(MANAGE) seed_demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: bench-forum bench-library

bench-forum: setup
	$(BIN)/python -m bench.forum

bench-library: setup
	$(BIN)/python -m bench.library

bench-chat: setup
	$(BIN)/python -m bench.chat

# This project against Spirit, side by side behind one nginx (PostgreSQL, Redis):
# ratios that hold on a shared machine. Spirit gets its own virtualenv.
bench-compare: setup
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { \
	  echo "Installing Debian's nginx-light for the benchmark's proxy"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; }
	$(BIN)/python -m bench.compare

# The scaled set-up of deploy/ (nginx, HTTP and websocket workers, task worker) on
# PostgreSQL and Redis, tried end to end through the proxy. CI runs it in its
# PostgreSQL pass; this runs it alone, on the local services by default (its own
# test database, and a Redis database number it empties: not a live site's).
SMOKE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cop_smoke
SMOKE_REDIS_URL ?= redis://127.0.0.1:6379/13
smoke-scaled: install messages
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { \
	  echo "Installing Debian's nginx-light for the proxy"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; }
	DATABASE_URL=$(SMOKE_DATABASE_URL) REDIS_URL=$(SMOKE_REDIS_URL) \
	  $(BIN)/python -m pytest -p no:xdist tests/deploy

# 30 SIGKILLs of a worker while members write and read (PostgreSQL and Redis).
bench-chat-faults: setup
	$(BIN)/python -m bench.chat_faults --kills 30 --interval 4

clean:
	rm -rf $(VENV) $(STAMPS) staticfiles db.sqlite3*
