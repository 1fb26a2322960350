# Everyday targets. PY is the interpreter the project is installed into.
PY ?= python3
STAMP := .make/installed-$(shell $(PY) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
SAMPLE_INDEX := data/sample-index
CHROMIUM := /usr/bin/chromium
IP := /usr/sbin/ip
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: install demo test test-fast lint bench-ingest eval fit bench-qa clean

# torch first, pinned to the CPU wheel: an unpinned torch would pull a multi-GB CUDA build.
install: $(STAMP)
$(STAMP): pyproject.toml
	$(PY) -m pip install --quiet torch==2.13.0
	@# the pure-python OpenCC port, used before, installs the same `opencc` module: remove it
	-$(PY) -m pip uninstall --quiet --yes opencc-python-reimplemented 2>/dev/null
	$(PY) -m pip install --quiet -e '.[dev,ray,milvus]'
	@mkdir -p .make && touch $(STAMP)

# Debian's Chromium (and a CJK font for readable screenshots) for the web page test, which
# drives it with Playwright; only when it is missing, and only for the tests. Never
# `playwright install`: it downloads a browser build, which these machines cannot.
$(CHROMIUM):
	$(SUDO) apt-get update
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y chromium fonts-wqy-zenhei

# iproute2's `ip`, for the Ray tests' network namespace of loopback only (tests/index/test_ray.py)
$(IP):
	$(SUDO) apt-get update
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y iproute2

demo: install
	$(PY) -m api index data/sample --index $(SAMPLE_INDEX)
	$(PY) -m api info --index $(SAMPLE_INDEX)

test: install $(CHROMIUM) $(IP)
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not model and not slow"

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

bench-ingest: install
	$(PY) scripts/bench_ingest.py

eval: install
	$(PY) scripts/eval.py

fit: install
	$(PY) scripts/fit_ranker.py

bench-qa: install
	$(PY) scripts/bench_qa.py

clean:
	rm -rf .make $(SAMPLE_INDEX) .pytest_cache .cache/eval
