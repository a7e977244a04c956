# wbexport — build, test, demo. `make help` lists the targets.
#
# Fresh machine: `make demo` runs the main job on the embedded default (emulator → local Parquet);
# `make test` runs the whole test suite (Go with -race, the sink suites against real servers,
# dbt on DuckDB over a fresh demo export, every benchmark once at tiny size).

GO        ?= go
PYTHON    ?= python3
BIN       := bin/wbexport
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS   := -s -w -X main.version=$(VERSION)
VENV      := .venv
AIRFLOW_VENV := .venv-airflow
VERSITYGW := bin/versitygw
DEMO_OUT  ?= wbexport-out
IMAGE     ?= wbexport:$(VERSION)
PODMAN    ?= podman
DEMO_ARGS ?= --goals 500 --days 3
# The dbt stage of `make test` runs over its own fresh multi-day export.
TEST_OUT  := $(CURDIR)/bin/test-out
GOTEST    ?= $(GO) test -race -count=1 -timeout 30m
# bench/ is its own Go module (github.com/wbexport/wbexport/bench, replace => ../), so `./...` at the
# root does not reach it: test-go, vet and bench-smoke run it explicitly.
BENCH_MOD := bench

# bench sections
.PHONY: bench-pacing bench-micro bench-extract bench-cpu bench-memory bench-dlt bench-soak bench-instr
.PHONY: all help build image test-image test-airflow test test-go test-dbt test-dbt-bigquery bench-smoke lint fmt vet staticcheck deadcode demo dbt dbt-measure emulate bench chaos generate clean tools

all: build

help: ## list targets
	@grep -E '^[a-z][a-z -]*:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

build: ## build the static binary bin/wbexport (pure Go, CGO_ENABLED=0)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/wbexport

demo: build ## export a seeded 500-goal org over 3 snapshot days from the in-process emulator to ./wbexport-out, then one day as CSV and as an Excel workbook
	./$(BIN) demo --sink file://$(DEMO_OUT) $(DEMO_ARGS) --summary-file $(DEMO_OUT).summary.json
	./$(BIN) demo --sink file://$(DEMO_OUT)-csv --format csv --goals 500 --log-level warn > /dev/null
	./$(BIN) demo --sink xlsx://$(DEMO_OUT).xlsx --goals 500 --log-level warn > /dev/null
	@echo "Parquet: $(DEMO_OUT)/  (summary: $(DEMO_OUT).summary.json; marts: make dbt)"
	@echo "CSV:     $(DEMO_OUT)-csv/<table>/snapshot_date=<day>/part-00000.csv  (Google Sheets: File > Import)"
	@echo "Excel:   $(DEMO_OUT).xlsx  (one sheet per table)"

emulate: build ## serve the WorkBoard emulator on 127.0.0.1:8080
	./$(BIN) emulate --addr 127.0.0.1:8080 --seed 1 --goals 500

image: build ## build the container image $(IMAGE) from deploy/Containerfile (no base image, no network; PODMAN=docker works too)
	bash deploy/mkroot.sh bin/image $(BIN)
	$(PODMAN) build --build-arg VERSION=$(VERSION) -t $(IMAGE) -f deploy/Containerfile bin/image

test-image: image ## run an export inside the image against the emulator on the host; compare what it published with a host run
	WBEXPORT_IMAGE=$(IMAGE) WBEXPORT_PODMAN=$(PODMAN) $(GO) test -count=1 -run '^TestContainerImage$$' -v ./cmd/wbexport/

test: lint test-go test-dbt test-dbt-bigquery test-airflow bench-smoke ## the whole test suite (CI also runs test-image)

test-go: tools ## Go tests with the race detector, sinks against real S3 (versitygw) and the BigQuery wire server; then the bench module's tests
	WBEXPORT_VERSITYGW=$(CURDIR)/$(VERSITYGW) $(GOTEST) ./...
	cd $(BENCH_MOD) && $(GOTEST) ./...

test-dbt: build $(VENV)/.installed ## dbt build (models + tests) on DuckDB over a fresh 3-day demo export, then the scenarios of dbt/scripts/test_scenarios.sh
	rm -rf $(TEST_OUT) $(TEST_OUT).duckdb
	./$(BIN) demo --sink file://$(TEST_OUT) --goals 300 --days 3 --log-format json --summary-file $(TEST_OUT).summary.json > /dev/null
	WBEXPORT_OUT=$(TEST_OUT) WBEXPORT_DUCKDB_PATH=$(TEST_OUT).duckdb DBT=$(CURDIR)/$(VENV)/bin/dbt bash dbt/run.sh
	FULL_DUCKDB=$(TEST_OUT).duckdb DBT=$(CURDIR)/$(VENV)/bin/dbt bash dbt/scripts/test_scenarios.sh $(TEST_OUT)

test-airflow: build $(AIRFLOW_VENV)/.installed ## the DAGs of deploy/airflow in real Apache Airflow (airflow dags test) against the emulator: published files, XCom summary, retries
	WBEXPORT_BIN=$(CURDIR)/$(BIN) $(AIRFLOW_VENV)/bin/python -m pytest -q -p no:cacheprovider deploy/airflow/test_dag.py

$(AIRFLOW_VENV)/.installed: deploy/airflow/requirements.txt
	$(PYTHON) -m venv $(AIRFLOW_VENV)
	$(AIRFLOW_VENV)/bin/pip install --quiet --disable-pip-version-check -r deploy/airflow/requirements.txt
	touch $@

test-dbt-bigquery: $(VENV)/.installed-bigquery ## record every statement dbt-bigquery would send (first and incremental build) and validate it offline: syntax, functions, names, types; then prove the check rejects invalid constructs
	$(VENV)/bin/python dbt/scripts/check_bigquery.py
	$(VENV)/bin/python dbt/scripts/test_check_bigquery.py

$(VENV)/.installed-bigquery: $(VENV)/.installed dbt/requirements-bigquery.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r dbt/requirements.txt -r dbt/requirements-bigquery.txt
	touch $@

bench-smoke: ## run every Go benchmark of both modules (main and bench/) once at tiny size so they cannot rot (no timing asserted)
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...
	cd $(BENCH_MOD) && $(GO) test -run '^$$' -bench . -benchtime 1x ./...

bench: ## the benchmarks of docs/benchmarks.md via bench/run.sh (slow, ~25 min; not part of test; raw results in bench/results/<UTC date>/, git-ignored; tables: python3 bench/report.py)
	bash bench/run.sh all

bench-pacing bench-micro bench-extract bench-cpu bench-memory bench-dlt: ## one section of `make bench`
	bash bench/run.sh $(@:bench-%=%)

bench-instr: ## instructions per row of the CPU path by component (valgrind cachegrind, < 1 min; not in `make bench`)
	bash bench/run.sh instr

bench-soak: ## soak: a 100k-goal export through 10 % injected faults (429s included), RSS sampled every second (~18 min; not part of test; SOAK_GOALS, SOAK_FAULT_RATE, SOAK_FAULTS, SOAK_CONC; results in bench/results/<UTC date>/soak-*, git-ignored)
	bash bench/soak.sh

dbt: build $(VENV)/.installed ## build the dbt marts on DuckDB over ./wbexport-out (run `make demo` first)
	WBEXPORT_OUT=$(CURDIR)/$(DEMO_OUT) DBT=$(CURDIR)/$(VENV)/bin/dbt bash dbt/run.sh

dbt-measure: build $(VENV)/.installed ## bytes a full and an incremental dbt build read from raw Parquet over a DAYS-day demo export (default 365; minutes; not part of test)
	DBT=$(CURDIR)/$(VENV)/bin/dbt bash dbt/scripts/measure_incremental.sh $(or $(DAYS),365)

chaos: tools ## fault matrix (API faults, odd answers, paging drift, sink faults on local/S3/BigQuery), crash/signal, bad-input, preflight, S3 lease and secrets suites (also part of test-go)
	WBEXPORT_VERSITYGW=$(CURDIR)/$(VERSITYGW) $(GOTEST) -run 'TestFaultMatrix|TestCrashSafety|TestSignalStopsRunCleanly|TestBadInput|TestSecretsNeverLeak|TestEchoedSecretsRedacted|TestErrorCodeExitCodes|TestPreflight|TestGCStuckAndLease|TestRefusedBeforeAnyAPICall|TestTokenFileReadableByOthersWarns|TestNoWayToWeakenTransport' ./internal/chaos/ ./cmd/wbexport/

generate: ## regenerate schemas/bigquery/*.json, docs/tables.md and dbt sources from schemas/
	$(GO) generate ./schemas/...

lint: fmt vet staticcheck deadcode ## gofmt, go vet (both modules), staticcheck, no unreachable functions (tools pinned in go.mod)

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	cd $(BENCH_MOD) && $(GO) vet ./...

staticcheck:
	$(GO) tool staticcheck ./...

# deadcode exits 0 when it finds unreachable functions; any output fails the target.
deadcode:
	@out=$$($(GO) tool deadcode -test ./...) || exit 1; if [ -n "$$out" ]; then echo "unreachable functions (go tool deadcode -test ./...):"; echo "$$out"; exit 1; fi

tools: $(VERSITYGW) ## install test servers (versitygw) into bin/

$(VERSITYGW):
	bash .ci/install-versitygw.sh

$(VENV)/.installed: dbt/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r dbt/requirements.txt
	touch $@

clean:
	rm -rf bin $(DEMO_OUT) $(DEMO_OUT)-csv $(DEMO_OUT).xlsx $(DEMO_OUT).summary.json dbt/target dbt/logs $(AIRFLOW_VENV)
