# Conclave: `make run` serves the app with the demo; `make test` runs the whole suite. Both set up everything.
SHELL := /bin/bash
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8501
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test bench sysdeps sysdeps-run venv venv-test clean

$(BIN)/python:
	$(PY) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Conclave needs Python 3.11")'
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

venv: $(VENV)/.installed
venv-test: $(VENV)/.installed-test

# Debian packages: the CJK font for PDFs (run and test); Chromium and a PostgreSQL server (test).
APT_UPDATED := /tmp/.conclave-apt-updated
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  [ -f $(APT_UPDATED) ] || { apt-get update -qq && touch $(APT_UPDATED); }; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

sysdeps-run:
	$(call apt_install,fonts-noto-cjk)

sysdeps: sysdeps-run
	$(call apt_install,chromium fonts-noto-cjk poppler-utils)
	@if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory _apt-postgresql; fi

_apt-postgresql:
	$(call apt_install,postgresql)

run: venv sysdeps-run
	$(BIN)/conclave init
	$(BIN)/conclave demo
	@case "$(HOST)" in 127.0.0.1|localhost|::1) ;; *) echo "WARNING: serving $(HOST):$(PORT) over plain HTTP: passwords cross the network readable. Put a TLS reverse proxy in front (README, Serving the network)." >&2;; esac
	CONCLAVE_ALLOW_LAN=$(if $(filter 127.0.0.1 localhost ::1,$(HOST)),,1) $(BIN)/streamlit run app.py \
	  --server.address $(HOST) --server.port $(PORT) --browser.gatherUsageStats false --server.maxUploadSize 20 --client.showSidebarNavigation false

test: venv-test sysdeps
	$(BIN)/python -m pytest -q -m "not bench" tests

bench: venv-test sysdeps
	$(BIN)/python -m pytest -m bench -s tests/bench

clean:
	rm -rf $(VENV) .pytest_cache
