# Two commands do all set-up on a fresh machine:
#   make run   - install into .venv and run the main job on the embedded defaults
#   make test  - install the test tools and run ruff, mypy and every test (writes only to
#                temporary folders; `make screenshots` rewrites docs/desk/*.png on purpose)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
DEMO ?= demo
SLOT ?= 2025-12-07T08

.PHONY: run test bench lint screenshots clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[site,embeddings,postgres,test]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

run: $(STAMP)
	@test -f $(DEMO)/aidigest.toml || $(BIN)/aidigest init $(DEMO)
	cd $(DEMO) && ../$(BIN)/aidigest run --slot $(SLOT)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

# the README's desk screenshots (docs/desk/*.png), made by the browser tests on purpose
screenshots: $(STAMP)
	$(BIN)/pytest tests/test_desk_browser.py -q --screenshots docs/desk

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py $(if $(CROSSLANG),--crosslang $(CROSSLANG)) \
		$(if $(CONTINUITY),--continuity $(CONTINUITY)) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(DEMO) .mypy_cache .ruff_cache .pytest_cache
