# pushnode: `make up` runs the whole node on this machine, `make test` runs every test.
# Both install what is missing first (Python deps, Kafka jars, kubo, anvil, solc, PostgreSQL);
# `make test` also what only the tests need (the official SDKs, a browser).

SHELL := /bin/bash
ROOT := $(CURDIR)
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
export PATH := $(HOME)/.local/bin:$(PATH)
# Tests run on their own stack state so they never touch the node `make up` keeps in var/.
TEST_VAR := $(ROOT)/var/test

.PHONY: install install-sdk install-test up down demo status bench test test-unit test-integration test-e2e lint fmt contracts
.PHONY: test-reliability
.PHONY: node-stop node-start

install:
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet --user uv
	@$(UV) sync --frozen --quiet
	@devstack/bin/stack install

# The official Push SDKs for the conformance tests and the bench's socket clients
# (tests/sdk/package-lock.json). Not needed to run the node.
install-sdk: install
	@[[ tests/sdk/node_modules/.package-lock.json -nt tests/sdk/package-lock.json ]] || \
	  npm ci --prefix tests/sdk --no-audit --no-fund --loglevel=error

# What only the tests need, on top of the node's install: `make up` installs none of it (no
# browser, no system packages).
install-test: install-sdk
	@# helm, kube-apiserver and etcd for tests/contract's deploy tests (Go module proxy, cached).
	@devstack/k8s/tools.sh install
	@# The console's browser test: playwright-core (tests/browser) driving Debian's chromium.
	@[[ tests/browser/node_modules/.package-lock.json -nt tests/browser/package-lock.json ]] || \
	  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
	@devstack/bin/chromium >/dev/null

# `make up NODES=3`: three nodes sharing the chains (gateways on :4000, :4100, :4200).
NODES ?= 1
up: install
	@devstack/bin/stack up
	@if (( $(NODES) > 1 )); then devstack/bin/network up $(NODES); else devstack/bin/node up; fi
	@.venv/bin/python devstack/demo.py setup >/dev/null
	@echo
	@echo "pushnode is up:"
	@echo "  console            http://localhost:4000/   (services, lags, chains, a live inbox)"
	@echo "  gateway (REST)     http://localhost:4000/apis"
	@echo "  gateway (socket)   http://localhost:4000  (socket.io, query {address: <CAIP-10>})"
	@echo "  health             http://localhost:4000/readyz   metrics http://localhost:4000/metrics"
	@echo "  FCM emulator       http://127.0.0.1:4020/_emulator/messages"
	@echo "  first notification make demo   (signs as the demo channel, shows socket + feed)"
	@echo "  stop with          make down"

demo:
	@.venv/bin/python devstack/demo.py send

down:
	@devstack/bin/network down
	@devstack/bin/node down
	@devstack/bin/stack down

# One node of `make up NODES=n`: make node-stop NODE=2, make node-start NODE=2.
node-stop node-start:
	@devstack/bin/network $(subst node-,,$@) $(NODE)

status:
	@devstack/bin/stack status
	@devstack/bin/node status

# The lint (import contracts included) runs first: it is cheap, the stack is not.
test: install-test lint
	@devstack/bin/test-run

test-unit: install-test
	@$(UV) run pytest tests/unit tests/contract -q --numprocesses=auto --maxprocesses=4 --dist=loadfile

test-integration test-e2e: install-test
	@PYTEST_PATHS="tests/$(subst test-,,$@)" devstack/bin/test-run

# The heavy reliability runs: ten times the traffic, kubo down 30 s, a 20,000-request fuzz,
# and 10,000 notifications at 40/s while each service is SIGKILLed in turn (ready within 10 s).
test-reliability: install-test
	@RELIABILITY_SCALE=10 RELIABILITY_KUBO_DOWN_SECONDS=30 RELIABILITY_KAFKA_DOWN_SECONDS=10 \
	  RELIABILITY_CRASH_NOTIFICATIONS=10000 RELIABILITY_CRASH_RATE=40 RELIABILITY_CATCH_UP_SECONDS=10 \
	  FUZZ_REQUESTS=20000 PYTEST_PATHS="tests/e2e/test_outages.py tests/e2e/test_poison.py \
	  tests/e2e/test_crash.py tests/e2e/test_fuzz_api.py" devstack/bin/test-run

bench: install-sdk
	@SCENARIO="$(SCENARIO)" devstack/bin/bench-run

lint:
	@$(UV) run ruff check .
	@$(UV) run ruff format --check .
	@$(UV) run mypy
	@# The import contracts: the root file (services independent, shared imports none),
	@# then each service's layers (services/*/.importlinter).
	@$(UV) run lint-imports --no-cache .importlinter
	@for f in services/*/.importlinter; do [[ ! -f $$f ]] || $(UV) run lint-imports --no-cache $$f || exit 1; done

fmt:
	@$(UV) run ruff format .
	@$(UV) run ruff check --fix .

contracts:
	@node devstack/contracts/build.mjs
