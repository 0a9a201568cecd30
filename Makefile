# Kompeten: `make run` serves the app at http://127.0.0.1:8000, `make test` runs every test.
# Both set up what they need first (virtualenv, Python packages, translations); make never
# installs Debian packages itself: it prints the apt-get line and stops.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# Written after a successful install: pip runs again only when requirements.txt is newer.
REQUIREMENTS_STAMP := $(VENV)/.requirements-installed
# WeasyPrint (PDFs) needs Pango and HarfBuzz, python-magic needs libmagic, compilemessages gettext.
DEBIAN_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
	libmagic1 gettext
# -n auto: one test process per CPU. loadgroup keeps the tests that share one Celery worker
# (tests/certification/test_worker.py) on a single process.
PYTEST_ARGS ?= -n auto --dist loadgroup
# tests/faults stop and hang their own Redis and kill workers: a second run, alone and serial.
FAULTS_PYTEST_ARGS ?=

.PHONY: run test lint bench setup check-packages migrate messages help

help:
	@echo "make run    set up and serve Kompeten at http://127.0.0.1:8000 (demo data on first run)"
	@echo "make test   set up and run the whole test suite"
	@echo "make lint   ruff check, ruff format --check, makemigrations --check"
	@echo "make bench  benchmark at LSP scale on PostgreSQL (SCALE=small|full; docs/performance.md)"

run: setup migrate
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py runserver 127.0.0.1:8000

test: setup
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS) --ignore=tests/faults
	$(VENV)/bin/pytest tests/faults -n 0 $(FAULTS_PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

# PostgreSQL and Redis must be running (BENCH_DATABASE_URL, BENCH_REDIS_URL); wrk is checked by
# bench/run.py, which prints the apt-get line when it is missing.
SCALE ?= small
bench: setup
	SCALE=$(SCALE) $(PY) -m bench

setup: check-packages $(REQUIREMENTS_STAMP) messages

check-packages:
	@missing=""; \
	if ! command -v $(PYTHON) >/dev/null 2>&1; then missing="$$missing python3.11"; fi; \
	if [ ! -x $(PY) ] && ! $(PYTHON) -c "import ensurepip, venv" >/dev/null 2>&1; then \
		missing="$$missing python3.11-venv"; \
	fi; \
	if command -v dpkg-query >/dev/null 2>&1; then \
		for package in $(DEBIAN_PACKAGES); do \
			dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q " installed$$" \
				|| missing="$$missing $$package"; \
		done; \
	else \
		echo "Not a Debian system: make cannot check for: $(DEBIAN_PACKAGES)"; \
	fi; \
	if [ -n "$$missing" ]; then \
		echo "Kompeten needs Debian packages that are not installed. Install them with:"; \
		echo ""; \
		echo "    $$([ "$$(id -u)" = 0 ] || echo 'sudo ')apt-get install -y$$missing"; \
		echo ""; \
		echo "then run make again."; \
		exit 1; \
	fi

$(PY):
	$(PYTHON) -m venv $(VENV)

$(REQUIREMENTS_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -r requirements.txt
	@touch $@

migrate: $(REQUIREMENTS_STAMP)
	$(PY) manage.py migrate --noinput

# Cheap enough to run every time; .mo files are not committed (.gitignore).
messages: $(REQUIREMENTS_STAMP)
	$(PY) manage.py compilemessages --ignore=$(VENV)
