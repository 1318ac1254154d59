# Tandem: `make run` serves the site, `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := static/vendor
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run cluster test lint format setup setup-dev vendor migrate clean
N ?= 3

run: setup vendor migrate
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python app.py

# N workers on consecutive ports from 5001, with a local redis-server (see docs/operations.md).
cluster: setup vendor
	$(BIN)/python scripts/cluster.py --workers $(N) --base-port 5001

test: setup-dev vendor lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

setup: $(VENV)/.runtime-installed
setup-dev: $(VENV)/.dev-installed
vendor: $(VENDOR)/.installed

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(VENV)/bin/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime-installed $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/.installed: node_modules/.installed
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	cp node_modules/htmx-ext-sse/dist/sse.min.js $(VENDOR)/htmx-sse.min.js
	cp node_modules/socket.io-client/dist/socket.io.min.js $(VENDOR)/socket.io.min.js
	touch $@

migrate: setup
	$(BIN)/flask --app app db upgrade

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache .ruff_cache

# Tandem beside a Node.js socket.io peer, on the same box and the same work
# (docs/performance.md). BENCH_ARGS=--quick runs a reduced version in a few minutes.
.PHONY: bench
bench: setup
	$(BIN)/python bench/run.py $(BENCH_ARGS)
