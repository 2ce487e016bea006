# One entry point for people and CI. Every target that needs Python depends on `setup`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# The repo's own Terraform CLI config: the offline provider mirror when it exists.
export TF_CLI_CONFIG_FILE := $(CURDIR)/pipelines_src/local/tfrc/$(if $(wildcard /opt/tf-plugins),mirror,registry).tfrc
export TF_IN_AUTOMATION := 1
export CHECKPOINT_DISABLE := 1
export PYTHONPATH := $(CURDIR)

EXAMPLE ?= examples/secure-storage
DEMO    := examples/use-case-complete
DEMO_VARS := --var-file $(DEMO)/profiles/local.tfvars --serving-root examples/realtime-endpoint
PYTEST_ARGS ?=
# xdist workers: two per core by default. The suite waits far more than it computes (the
# provider's waiters, jobs and executions polled), so a worker per core leaves the cores half idle
# (docs/testing.md has the figures). Each worker has its own emulator; a test file, or the files
# sharing an expensive fixture (tests/conftest.py GROUPS), runs on one worker. PYTEST_WORKERS=0:
# every test in this process.
PYTEST_WORKERS ?= $(shell echo $$(( 2 * $$(nproc) )))

.PHONY: help setup test lint fmt asl build docs inventory policy release package registry registry-down bench demo demo-promotion demo-down emulator-up emulator-down emulator-status plan apply destroy plan-aws apply-aws clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

setup: $(STAMP) ## check Terraform, create .venv and install the project with dev extras
	@$(PY) -m tools.check_setup

$(STAMP): pyproject.toml
	@$(PYTHON) tools/check_setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

test: setup ## run every test layer (static, terraform test, inventories, policies, pipelines, e2e)
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder --durations=15 $(PYTEST_ARGS)

lint: setup ## ruff, mypy strict, terraform fmt
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	terraform fmt -check -recursive modules examples policies tests

fmt: setup ## format Python and Terraform
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
	terraform fmt -recursive modules examples policies tests

asl: setup ## compile the registry's pipelines (ASL + manifest) into pipelines_src/pipelines/templates
	$(VENV)/bin/mlops asl --out pipelines_src/pipelines/templates

build: setup ## the two distributions as wheels in dist/: mlops-steps (step code) and mlops-tooling (mlops CLI)
	$(PY) -m tools.build --out dist

docs: setup ## regenerate the inputs/outputs block of every module README and the example diagrams
	$(PY) -m tools.tfdoc
	$(PY) -m tools.diagrams

inventory: setup ## regenerate plan inventories (ROOT=modules/kms or examples/x to limit)
	$(PY) -m tools.inventory $(ROOT)

policy: setup ## the policy gate (checkov built-ins + policies/) on HCL and plan of EXAMPLE
	$(VENV)/bin/mlops policy $(EXAMPLE)

release: setup ## release a module: make release MODULE=kms BUMP=minor (major|minor|patch|none)
	@test -n "$(MODULE)" -a -n "$(BUMP)" || { echo "release: give MODULE=<module> BUMP=<major|minor|patch|none>"; exit 2; }
	$(VENV)/bin/mlops release $(MODULE) $(BUMP)

package: setup ## archive + SHA-256 of every released module version in dist/modules (registry layout)
	$(VENV)/bin/mlops package --out dist/modules

registry: package ## serve dist/modules as a Terraform module registry on 127.0.0.1 (background)
	$(VENV)/bin/mlops registry up --root dist/modules

registry-down: setup ## stop the local module registry
	$(VENV)/bin/mlops registry down

bench: setup ## batch-inference engine in every mode, and a local endpoint under load, vs competent baselines and the 2-core ceiling (~6 min)
	@$(VENV)/bin/python -m tools.bench; batch=$$?; $(VENV)/bin/python -m tools.bench_endpoint; endpoint=$$?; exit $$(( batch > endpoint ? batch : endpoint ))

demo: setup ## the main job on the embedded default (local emulator, no AWS account)
	$(VENV)/bin/mlops demo $(DEMO) $(DEMO_VARS)

demo-promotion: setup ## one use case across accounts, locally: data lake -> dev trains -> preprod smoke -> prod scores
	$(VENV)/bin/mlops demo-promotion $(DEMO) --var-file $(DEMO)/profiles/local.tfvars

demo-down: setup ## destroy the demo (and the promotion demo's accounts) and stop the emulator
	$(VENV)/bin/mlops demo-down $(DEMO) $(DEMO_VARS)

emulator-up: setup ## start the local AWS emulator (EMULATOR_PORT, default 4599)
	$(VENV)/bin/mlops emulator up

emulator-down: setup ## stop the local AWS emulator
	$(VENV)/bin/mlops emulator down

emulator-status: setup
	$(VENV)/bin/mlops emulator status

plan: setup ## terraform plan EXAMPLE against the running emulator
	$(VENV)/bin/mlops tf plan $(EXAMPLE)

apply: setup ## terraform apply EXAMPLE against the running emulator
	$(VENV)/bin/mlops tf apply $(EXAMPLE)

destroy: setup ## terraform destroy EXAMPLE on the running emulator
	$(VENV)/bin/mlops tf destroy $(EXAMPLE)

# CI against AWS (CodeBuild stages of modules/cicd): credentials and region from the environment.
# The root must keep its state remotely (backend "s3" with use_lockfile): a build's disk is gone
# after it, and with it a local state.
plan-aws: setup ## terraform plan EXAMPLE against AWS (CI; needs a backend "s3" block)
	@grep -qs 'backend "s3"' $(EXAMPLE)/*.tf || { echo "plan-aws: $(EXAMPLE) has no backend \"s3\" block: add one (use_lockfile = true) so CI keeps its state"; exit 2; }
	terraform -chdir=$(EXAMPLE) init -input=false
	terraform -chdir=$(EXAMPLE) plan -input=false -out=tfplan

apply-aws: setup ## terraform apply EXAMPLE against AWS (CI; needs a backend "s3" block)
	@grep -qs 'backend "s3"' $(EXAMPLE)/*.tf || { echo "apply-aws: $(EXAMPLE) has no backend \"s3\" block: add one (use_lockfile = true) so CI keeps its state"; exit 2; }
	terraform -chdir=$(EXAMPLE) init -input=false
	terraform -chdir=$(EXAMPLE) apply -input=false -auto-approve

clean: ## remove local state, caches and the virtual environment
	-$(VENV)/bin/mlops demo-down 2>/dev/null
	rm -rf .local $(VENV) dist build .pytest_cache .mypy_cache .ruff_cache
