# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
JOBS   ?= 2

.PHONY: demo test fuzz bench lint docs clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PIP) install -q -e '.[test]'
	touch $@

$(VENV)/.installed-bench: $(VENV)/.installed-test pyproject.toml
	$(PIP) install -q -e '.[bench]'
	touch $@

demo: $(VENV)/.installed
	$(PY) -m deepgrad.demo

test: $(VENV)/.installed-test
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
		echo "make test: no chromium found: the browser tests (tests/playground/test_browser.py, tests/docs) are skipped"
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(PY) -m pytest -n $(JOBS) tests

# The standing differential fuzzer: 20,000 random programs against PyTorch and JAX; the seed is
# printed first (SEED=... to repeat a run).
fuzz: $(VENV)/.installed-test
	cd tests && OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 ../$(PY) -m fuzz --programs 20000 \
		--jobs $(JOBS) $(if $(SEED),--seed $(SEED),)

bench: $(VENV)/.installed-bench
	$(PY) -m benchmarks.run
	$(PY) -m benchmarks.sklearn_bench      # deepgrad.sklearn vs scikit-learn (one thread)
	$(PY) -m benchmarks.sweep_bench        # 32 cells: serial, joblib, Dask, Ray
	$(PY) -m benchmarks.func_bench
	$(PY) -m benchmarks.jit_bench          # JAX's MLP tutorial: deepgrad.jit vs jax.jit

$(VENV)/.installed-docs: $(VENV)/.installed pyproject.toml
	$(PIP) install -q -e '.[docs]'
	touch $@

docs: $(VENV)/.installed-docs   # the site in site/ (MkDocs, Material, mkdocstrings, notebooks)
	PYTHONPATH=src NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict

lint: $(VENV)/.installed-test
	$(PIP) install -q ruff
	$(VENV)/bin/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) build site .cache src/*.egg-info .pytest_cache
