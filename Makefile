# Monthly sales-KPI reports for car dealerships. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.ONESHELL:

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DATA ?= data/demo
STORE ?= S001
MONTH ?= 2026-10
PORT ?= 8888
# pytest processes for make test (pytest-xdist): one per core by default
TEST_WORKERS ?= auto
# make itself would expand a '$' in a value given on the command line (STORE='$(shell …)'
# runs before any check): refuse such values outright.
$(foreach v,STORE MONTH DATE LANG DATA SCHEDULER WORKERS BENCH_STORES FORCE PYTHON PORT TEST_WORKERS REGION SEND,$(if \
  $(findstring $$,$(value $(v))),$(error $(v) must not contain '$$')))
# LANG is also the shell's locale: only a LANG given on the make command line
# (make report LANG=en) chooses the report language; the default is Chinese.
ifeq ($(origin LANG),command line)
REPORT_LANG := $(LANG)
else
REPORT_LANG := zh
endif
# Parameters reach the commands through the environment, never pasted into a shell line.
export KPI_STORE := $(STORE)
export KPI_MONTH := $(MONTH)
export KPI_DATE := $(DATE)
export KPI_LANG := $(REPORT_LANG)
export KPI_DATA := $(DATA)
export KPI_SCHEDULER := $(SCHEDULER)
export KPI_WORKERS := $(WORKERS)
export KPI_BENCH_STORES := $(BENCH_STORES)
export KPI_PORT := $(PORT)
export KPI_REGION := $(REGION)
RUN := LANG=C.UTF-8 LC_ALL=C.UTF-8 $(PY) -m kpi_lib

# Debian packages: needed to render (fonts, pango) and wanted (fast subsetting, PDF tools).
APT_NEEDED := fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 fontconfig
APT_WANTED := libharfbuzz-subset0 poppler-utils chromium

DEMO_STAMP := data/demo/.complete
INSTALL_STAMP := $(VENV)/.installed

.PHONY: help setup system-deps report reports region network bench kpis diagnose plan test lint lab clean demo flash flashes send

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "} {printf "  make %-12s %s\n", $$1, $$2}'
	@echo "  variables: STORE=$(STORE) MONTH=$(MONTH) LANG=zh|en DATA=$(DATA)"

setup: system-deps $(INSTALL_STAMP) ## Set up everything: Debian fonts/libs, .venv, packages, kernel

system-deps: ## Install the CJK font, pango and HarfBuzz's subsetter when missing (apt, as root)
	@missing=""; wanted=""
	for p in $(APT_NEEDED); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done
	for p in $(APT_WANTED); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || wanted="$$wanted $$p"; done
	todo="$$missing$$wanted"
	[ -z "$$todo" ] && exit 0
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	  echo "installing Debian packages:$$todo"
	  export DEBIAN_FRONTEND=noninteractive
	  (apt-get update -qq && apt-get install -y -qq --no-install-recommends $$todo >/dev/null) && exit 0
	  echo "apt-get could not install:$$todo" >&2
	fi
	if command -v apt-get >/dev/null; then
	  hint="sudo apt-get install -y$$todo"
	else
	  hint="install the Noto Sans CJK SC font, pango and HarfBuzz's subset library with your package manager"
	fi
	if [ -n "$$missing" ]; then
	  echo "error: missing system packages:$$missing (Chinese PDFs cannot be rendered without them)." >&2
	  echo "run: $$hint" >&2
	  exit 1
	fi
	echo "warning: missing$$wanted (PDFs print ~3× slower without chromium, ~9 s slower again without libharfbuzz-subset0; tests need poppler-utils). run: $$hint" >&2

$(INSTALL_STAMP): pyproject.toml
	@set -e
	if [ ! -x $(PY) ]; then
	  if ! $(PYTHON) -m venv $(VENV) 2>/dev/null; then
	    rm -rf $(VENV)
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
	      $(PYTHON) -m venv $(VENV)
	    else
	      echo "error: '$(PYTHON) -m venv' failed; run: sudo apt-get install -y python3-venv" >&2; exit 1
	    fi
	  fi
	fi
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m kpi_lib.kernel
	touch $@

$(DEMO_STAMP): $(INSTALL_STAMP) kpi_lib/demo.py kpi_lib/demo_basics.py kpi_lib/demo_tables.py \
		kpi_lib/archetypes.py
	$(RUN) demo --out data/demo
	touch $@

demo: $(DEMO_STAMP) ## Generate the demo data in data/demo (deterministic)

report: setup $(DEMO_STAMP) ## One store's report: make report STORE=S001 MONTH=2026-10 [LANG=en]
	$(RUN) report --store "$$KPI_STORE" --month "$$KPI_MONTH" --lang "$$KPI_LANG" --data "$$KPI_DATA"

reports: setup $(DEMO_STAMP) ## Every store + reports/MONTH/index.html on Dask: make reports MONTH=2026-10 [FORCE=1] [SCHEDULER=tcp://host:port]
	$(RUN) reports --month "$$KPI_MONTH" --lang "$$KPI_LANG" --data "$$KPI_DATA" \
	  $(if $(SCHEDULER),--scheduler "$$KPI_SCHEDULER") $(if $(WORKERS),--workers "$$KPI_WORKERS") \
	  $(if $(FORCE),--force)

region: setup $(DEMO_STAMP) ## A region's report: make region REGION=华东 MONTH=2026-10 [LANG=en] → reports/MONTH/region-华东.*
	$(RUN) region --region "$$KPI_REGION" --month "$$KPI_MONTH" --lang "$$KPI_LANG" --data "$$KPI_DATA"

network: setup $(DEMO_STAMP) ## The network's report: make network MONTH=2026-10 [LANG=en] → reports/MONTH/network.*
	$(RUN) network --month "$$KPI_MONTH" --lang "$$KPI_LANG" --data "$$KPI_DATA"

bench: setup ## Measure batch vs naive loop, PDF floor, KPI cube → reports/bench/<date>.json
	$(RUN) bench $(if $(BENCH_STORES),--stores "$$KPI_BENCH_STORES")

kpis: setup $(DEMO_STAMP) ## The month's KPI cube as CSV: make kpis MONTH=2026-10
	$(RUN) kpis --data "$$KPI_DATA" --month "$$KPI_MONTH" --out "reports/$$KPI_MONTH/kpis.csv"

diagnose: setup $(DEMO_STAMP) ## The month's findings: make diagnose MONTH=2026-10 [STORE=S003]
	$(RUN) diagnose --data "$$KPI_DATA" --month "$$KPI_MONTH" --lang "$$KPI_LANG" --format table \
	  $(if $(filter command line,$(origin STORE)),--store "$$KPI_STORE")

plan: setup $(DEMO_STAMP) ## Next month's targets and achievement path: make plan MONTH=2026-11 [STORE=S001]
	$(RUN) plan --data "$$KPI_DATA" --month "$$KPI_MONTH" --lang "$$KPI_LANG" --format table \
	  $(if $(filter command line,$(origin STORE)),--store "$$KPI_STORE")

send: setup $(DEMO_STAMP) ## E-mail the month's PDFs to params/recipients.csv: make send MONTH=2026-10 [STORE=S001|REGION=华东] (dry run; SEND=1 sends, FORCE=1 resends)
	$(RUN) send --month "$$KPI_MONTH" --data "$$KPI_DATA" \
	  $(if $(filter command line,$(origin STORE)),--store "$$KPI_STORE") \
	  $(if $(filter command line,$(origin REGION)),--region "$$KPI_REGION") \
	  $(if $(SEND),--send) $(if $(FORCE),--force)

flash: setup $(DEMO_STAMP) ## The day's flash for the sales meeting: make flash STORE=S001 DATE=2026-10-15 [LANG=en]
	$(RUN) flash --store "$$KPI_STORE" --date "$$KPI_DATE" --lang "$$KPI_LANG" --data "$$KPI_DATA"

flashes: setup $(DEMO_STAMP) ## The day's flash of every store: make flashes DATE=2026-10-15 [LANG=en]
	$(RUN) flash --date "$$KPI_DATE" --lang "$$KPI_LANG" --data "$$KPI_DATA"

.PHONY: calibrate
calibrate: $(INSTALL_STAMP) ## Diagnosis on simulated networks: false alarms (≤ 2%) and detection (≥ 90%) per rule
	$(RUN) calibrate

.PHONY: doctor
doctor: $(INSTALL_STAMP) ## Check Python, packages, kernel, CJK font, PDF engine, DATA, reports/; print each fix
	$(RUN) doctor --data "$$KPI_DATA"

lint: $(INSTALL_STAMP) ## ruff over the code and the notebooks' paired scripts
	$(VENV)/bin/ruff check kpi_lib tests notebooks/*.py

test: setup $(DEMO_STAMP) lint ## The whole test suite, notebooks included (as CI runs it)
	@set -e  # one shell for the recipe (.ONESHELL): a failing pytest must fail make test
	LANG=C.UTF-8 $(PY) -m pytest -n $(TEST_WORKERS) --dist loadscope  # a module's tests share a worker
	LANG=C.UTF-8 $(PY) -m pytest --nbval-lax -p no:cacheprovider notebooks/store_report.ipynb \
	  notebooks/period_report.ipynb notebooks/region_report.ipynb notebooks/explore.ipynb \
	  notebooks/flash.ipynb

lab: setup $(DEMO_STAMP) ## JupyterLab on notebooks/ (demo data), 127.0.0.1 only: make lab [PORT=8888]
	LANG=C.UTF-8 LC_ALL=C.UTF-8 $(PY) -m kpi_lib.lab --port "$$KPI_PORT"

clean: ## Remove the venv, generated data and reports (keeps your own data folders)
	rm -rf $(VENV) data/demo reports/*/ *.egg-info
