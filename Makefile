# Two entry points for a fresh machine: `make demo` scans the example
# projects, `make test` runs the test suite. Each creates the virtual
# environment it needs in .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cioguard scan --exit-zero examples/acme-shop examples/acme-worker

test: $(STAMP)
	./.ci/install-system-deps
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache
