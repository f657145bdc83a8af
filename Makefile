# Two entry points: `make run` (embedded default, demo data) and `make test`
# (real PostgreSQL, Elasticsearch, Redis and a Celery worker).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# npm ci writes this file; it is newer than package-lock.json once installed.
NODE_STAMP := node_modules/.package-lock.json
# The project catalog plus one per app that keeps its own (<app>/locale/), so
# apps built side by side do not edit the same file.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po */locale/*/LC_MESSAGES/django.po))

.PHONY: install run test lint messages services-start services-stop services-status clean

$(STAMP): requirements.txt scripts/system-packages.sh
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	scripts/system-packages.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# Front-end packages from package-lock.json (axe-core for the browser tests).
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is required (Debian: apt-get install npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# Interface translations are compiled from locale/*/LC_MESSAGES/django.po.
$(MO_FILES): %.mo: %.po $(STAMP)
	msgfmt --check -o $@ $<

install: $(STAMP) $(NODE_STAMP) $(MO_FILES)

# The embedded default: SQLite, Wagtail's database search, eager tasks.
run: install
	env -u DATABASE_URL -u ELASTICSEARCH_URL -u REDIS_URL $(PY) manage.py migrate --noinput
	env -u DATABASE_URL -u ELASTICSEARCH_URL -u REDIS_URL $(PY) manage.py seed_demo
	env -u DATABASE_URL -u ELASTICSEARCH_URL -u REDIS_URL $(PY) manage.py runserver 127.0.0.1:8000

# Extract the interface strings into the catalogs (tests/test_catalogs.py runs
# the same extraction and fails on any string left untranslated or fuzzy).
MESSAGES_LANGUAGES := fr de es ja ar
messages: install
	$(PY) manage.py makemessages $(addprefix --locale=,$(MESSAGES_LANGUAGES)) --no-location --no-wrap \
	  --ignore='.venv/*' --ignore='.services/*' --ignore='tests/*' --ignore='bench/*' --ignore='*/migrations/*' --ignore='node_modules/*'

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: install
	scripts/services.sh start
	eval "$$(scripts/services.sh env)" && \
	  $(VENV)/bin/ruff check . && \
	  $(PY) manage.py makemigrations --check --dry-run --settings=portal.settings.test && \
	  $(VENV)/bin/pytest $(PYTEST_ARGS)

services-start:
	scripts/services.sh start

services-stop:
	scripts/services.sh stop

services-status:
	scripts/services.sh status

clean:
	rm -rf $(VENV) node_modules db.sqlite3 media static
