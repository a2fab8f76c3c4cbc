# Tutor Desktop — the two commands of the README:
#   make run   set up and start the app on its embedded default model and sample library
#   make test  set up and run the whole test suite (CI runs exactly this)
#   make dist  the packaged builds for IT staff: dist/tutor/ (PyInstaller one-folder
#              bundle) and dist/tutor-desktop_<version>_amd64.deb (docs/INSTALL.md)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# llama-cpp-python builds from source once (~5 min); pip's cache makes later installs fast.
# GGML_NATIVE=OFF: a -march=native build died with SIGILL (invalid opcode in libggml-cpu) on a
# VM whose /proc/cpuinfo advertises AVX-512; the portable build (AVX2/FMA) runs on any lab PC
# from the last decade and is the build the packaged installers must ship anyway.
# pip's cache ignores CMAKE_ARGS: `pip cache remove llama_cpp_python` after changing them.
export CMAKE_ARGS ?= -DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint deps bench clean dist

deps:
	@bash installers/apt-deps.sh

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-stamp: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e ".[models]"
	touch $@

$(VENV)/.dev-stamp: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e ".[dev]"
	touch $@ $(VENV)/.run-stamp

run: deps $(VENV)/.run-stamp
	$(BIN)/tutor models install-default
	$(BIN)/tutor setup --demo
	$(BIN)/tutor library import-samples
	$(BIN)/tutor gui

lint: $(VENV)/.dev-stamp
	$(BIN)/ruff check tutor_desktop tutor_cloud tests bench installers
	$(BIN)/mypy
	$(BIN)/lint-imports

# -n auto: one pytest-xdist worker per core (the suite is CPU-bound on one core per test),
# at most 4 (each worker may hold the models: ~1-2 GB at its peak);
# --dist loadgroup with the groups of tests/conftest.py keeps a file on one worker and
# every test that changes the machine (OS accounts, dpkg, the PyInstaller build) on one.
test: deps $(VENV)/.dev-stamp
	$(BIN)/tutor models install-default
	$(MAKE) lint
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q --durations=15 -n auto --maxprocesses 4 --dist loadgroup

# Every benchmark at full size (minutes each); `make test` runs them all at smoke size.
bench: $(VENV)/.dev-stamp
	@set -e; for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script; done

# From a clean checkout: the bundle (no tests, no weights, no dev tools: the spec
# excludes them and tests/packaging checks), then the Debian package built from it.
dist: deps $(VENV)/.dev-stamp
	rm -rf dist/tutor build/pyinstaller
	nice -n 10 $(BIN)/pyinstaller installers/tutor.spec --noconfirm --distpath dist \
		--workpath build/pyinstaller
	$(BIN)/python installers/build_deb.py --bundle dist/tutor --out dist

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache tests/.cache
