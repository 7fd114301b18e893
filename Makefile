# Entry points, all safe to run again:
#   make run    set up a local SQLite site with both guides on http://127.0.0.1:8000
#               (runtime requirements only, as in production); PORT=8001 picks another port
#   make demo   the demo editor and clinician (after make run, or before: it migrates too),
#               their new passwords on stdout, one "username password role" line each
#   make test   set up the development environment, then lint and the whole suite with
#               branch coverage and its floors (what CI runs, on SQLite and PostgreSQL)
#   make check  the unit tests: no browser, no server or other process (about 50 s on 2 cores)
#   make lint   ruff check, ruff format --check, mypy (its files and settings: pyproject.toml)
#   make lock   re-resolve requirements/*.in into the hashed locks requirements/*.txt
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# One stamp per lock content: a changed lock reinstalls, an unchanged one is a no-op.
RUNTIME_STAMP := $(VENV)/.runtime-$(shell cksum requirements/base.txt | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.dev-$(shell cksum requirements/dev.txt | cut -d' ' -f1)
PIP_COMPILE = $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host

# Explicit development values: a local secret kept out of git, local hosts,
# plain HTTP. Production reads the same variables from its own environment.
DEV_ENV = DJANGO_SECRET_KEY="$$(cat .secret_key)" DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost DJANGO_HTTPS=0 \
	DJANGO_SITE_URL=http://127.0.0.1:$(PORT)

PORT ?= 8000

.PHONY: run demo test check setup setup-runtime system-packages lint coverage-floors lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Both locks carry hashes, so pip installs in hash-checking mode: nothing that
# is not pinned, and nothing whose file changed, gets in.
$(RUNTIME_STAMP): requirements/base.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/base.txt
	rm -f $(VENV)/.runtime-* $(VENV)/.installed-*
	touch $(RUNTIME_STAMP)

$(DEV_STAMP): requirements/dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	rm -f $(VENV)/.dev-* $(VENV)/.runtime-* $(VENV)/.installed-*
	touch $(DEV_STAMP) $(RUNTIME_STAMP)

.secret_key:
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > .secret_key

setup-runtime: $(RUNTIME_STAMP) .secret_key

setup: $(DEV_STAMP) .secret_key

run: setup-runtime
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(DEV_ENV) $(BIN)/python manage.py seed_demo
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT) --noreload

# stdout is the accounts and their passwords; everything else (the set-up
# on a fresh checkout included) goes to stderr.
demo:
	@$(MAKE) --no-print-directory setup-runtime >&2
	@$(DEV_ENV) $(BIN)/python manage.py migrate --noinput >&2
	@$(DEV_ENV) $(BIN)/python manage.py seed_demo >&2
	@$(DEV_ENV) $(BIN)/python manage.py demo_accounts

# The browser tests need Debian's Chromium, the HTML checker Java and the
# proxy tests nginx; install whichever is missing (never a browser download).
system-packages:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	test -x /usr/sbin/nginx || missing="$$missing nginx-light"; \
	if [ -n "$$missing" ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: setup system-packages lint
	$(BIN)/python -m pytest --cov --cov-report=term:skip-covered
	$(MAKE) coverage-floors

check: setup
	$(BIN)/python -m pytest -q -n auto -m "not browser and not slow" -p no:cacheprovider

# Branch coverage floors (percent) for the modules whose every branch is a rule:
# the review workflow, the Markdown sanitiser and the page cache. Raise a floor
# when coverage rises; never lower one to let a change through.
coverage-floors:
	$(BIN)/coverage report --include=articles/workflow.py --fail-under=85
	$(BIN)/coverage report --include=articles/rendering.py --fail-under=92
	$(BIN)/coverage report --include='pagecache/*' --fail-under=90

# After changing requirements/*.in (or to take new releases): one command.
lock: $(BIN)/python
	test -x $(BIN)/pip-compile || $(BIN)/python -m pip install --quiet pip-tools==7.6.2
	cd requirements && ../$(PIP_COMPILE) --output-file base.txt base.in
	cd requirements && ../$(PIP_COMPILE) --output-file dev.txt dev.in
