# Meldeportal: `make run` for a local portal with demo data, `make test` for lint, types and all tests.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# Runs a command with DATABASE_URL set: the given one, else an embedded PostgreSQL in var/pgdata.
WITH_DB := $(BIN)/python -m meldeportal.localdb

.PHONY: run test lint typecheck pytest system-packages bench clean

run: $(INSTALLED)
	$(BIN)/python -m meldeportal.run

test: lint system-packages
	$(WITH_DB) sh -c '$(BIN)/mypy . && $(BIN)/pytest'

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(INSTALLED)
	$(WITH_DB) $(BIN)/mypy .

pytest: $(INSTALLED) system-packages
	$(WITH_DB) $(BIN)/pytest $(ARGS)

bench: $(INSTALLED)
	$(WITH_DB) sh -c '$(BIN)/python bench/crypto.py && $(BIN)/python bench/login.py && $(BIN)/python bench/patients.py && $(BIN)/python bench/upload.py'

# setup.py builds apps/obds/compiled_reader.pyx (optional: without a C compiler the portal reads in Python).
$(INSTALLED): pyproject.toml setup.py apps/obds/compiled_reader.pyx
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Debian's chromium drives the browser tests (Playwright cannot download its own browser here);
# xmllint (libxml2-utils) is the reference the schema verdicts and benchmarks are compared with.
system-packages:
	@command -v chromium >/dev/null 2>&1 && command -v xmllint >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium libxml2-utils; }

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build apps/obds/compiled_reader.c apps/obds/compiled_reader.*.so
