"""`mlops new-use-case <name>`: a use-case repository that consumes the registry's modules by
version (never copies of them), with its own step code, CI and a Makefile.

Written: `infra/` (a Terraform root calling `<registry>/<namespace>/<module>/aws` at
`~> <major.minor>`, a partial S3 backend for CI, the pipelines' ASL templates in `infra/pipelines/`),
`steps/features.py` (the use case's feature transformer, picked up through MLOPS_TRANSFORMER) and
`training.json` (its hyperparameter candidates), `tests/`, `Makefile`, a GitHub Actions workflow
and a CodeBuild buildspec that run the policy check and the tests on every pull request, a
Dockerfile extending the registry's step image, and a README. Nothing existing is overwritten.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pipelines_src.pipelines import compiler

NAME = re.compile(r"^[a-z][a-z0-9-]{2,19}$")
MODULES = ("kms", "storage", "network", "iam", "alerts", "metadata-store", "model-registry", "ml-pipeline")


class ScaffoldError(ValueError):
    """Why a use case cannot be written, worded as the fix."""


def _source(registry: str, namespace: str, module: str) -> str:
    return f"{registry}/{namespace}/{module}/aws"


def main_tf(name: str, registry: str, namespace: str, constraint: str) -> str:
    def source(module: str) -> str:
        return f'  source  = "{_source(registry, namespace, module)}"\n  version = "{constraint}"\n'

    pipelines = "\n".join(
        f'''module "{key}" {{
{source("ml-pipeline")}
  name                     = "${{local.name}}-{pipeline}"
  definition_template      = "${{path.root}}/pipelines/{pipeline}.asl.json.tftpl"
  kms_key_arn              = module.kms.key_arn
  permissions_boundary_arn = module.iam.boundary_arn
  pipeline                 = local.pipeline_values
}}
'''
        for key, pipeline in (("training", "training"), ("batch", "batch-inference"))
    )
    return f"""# {name}: the use case's infrastructure, from the module registry by version.
# Upgrading a module = changing its version constraint and reading its CHANGELOG.

data "aws_caller_identity" "current" {{}}

locals {{
  name = "${{var.use_case}}-${{var.mandatory_tags.environment}}"
  pipeline_values = {{
    alerts_topic_arn         = module.alerts.topic_arn
    artifacts_bucket         = module.storage.bucket_names["artifacts"]
    execution_role_arn       = module.iam.role_arns["sagemaker-execution"]
    image_uri                = var.image_uri
    job_prefix               = var.use_case
    metadata_table           = module.metadata.table_name
    model_package_group_name = module.registry.group_name
    security_group_ids       = [module.network.workload_security_group_id]
    subnet_ids               = module.network.private_subnet_ids
    use_case                 = var.use_case
  }}
}}

module "kms" {{
{source("kms")}
  name               = local.name
  service_principals = ["events", "logs"]
}}

module "storage" {{
{source("storage")}
  name        = "${{local.name}}-${{data.aws_caller_identity.current.account_id}}"
  kms_key_arn = module.kms.key_arn
  buckets     = {{ data = {{}}, artifacts = {{}} }}
}}

module "network" {{
{source("network")}
  name                     = local.name
  availability_zones       = var.availability_zones
  kms_key_arn              = module.kms.key_arn
  permissions_boundary_arn = module.iam.boundary_arn
}}

module "iam" {{
{source("iam")}
  name         = local.name
  kms_key_arns = [module.kms.key_arn]
  sagemaker_execution = {{
    vpc_id = module.network.vpc_id
    buckets = [
      {{ arn = module.storage.bucket_arns["data"], read_prefixes = ["${{var.use_case}}/"] }},
      {{ arn = module.storage.bucket_arns["artifacts"], write_prefixes = ["${{var.use_case}}/"] }},
    ]
  }}
}}

module "alerts" {{
{source("alerts")}
  name                     = "${{local.name}}-alerts"
  kms_key_arn              = module.kms.key_arn
  permissions_boundary_arn = module.iam.boundary_arn
}}

module "metadata" {{
{source("metadata-store")}
  name        = "${{local.name}}-executions"
  kms_key_arn = module.kms.key_arn
}}

module "registry" {{
{source("model-registry")}
  name             = local.name
  alerts_topic_arn = module.alerts.topic_arn
}}

{pipelines}"""


VARIABLES_TF = """variable "availability_zones" {
  description = "Two or more availability zones for the private subnets."
  type        = list(string)
  default     = ["eu-central-1a", "eu-central-1b"]
}

variable "image_uri" {
  description = "The use case's step image (Dockerfile): the registry's image plus steps/."
  type        = string
  default     = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/__NAME__/steps:0.1.0"
}

variable "mandatory_tags" {
  description = "Tags every resource carries (checked by the policy gate on the plan)."
  type = object({
    cost-center         = string
    data-classification = string
    environment         = string
    owner               = string
  })
  default = {
    cost-center         = "cc-0000"
    data-classification = "internal"
    environment         = "dev"
    owner               = "__NAME__-team@example.com"
  }
}

variable "region" {
  description = "AWS region of the use case."
  type        = string
  default     = "eu-central-1"
}

variable "use_case" {
  description = "Short name of the use case (prefixes every resource and job)."
  type        = string
  default     = "__NAME__"
}
"""

VERSIONS_TF = """terraform {
  required_version = ">= 1.10.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40, < 6.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = var.mandatory_tags
  }
}
"""

BACKEND_TF = """# State in S3 (bucket versioned, KMS, TLS-only), locked with a lock file: CI passes the bucket and
# key with -backend-config=backend.hcl. Local runs against the emulator keep their state locally.
terraform {
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}
"""

FEATURES_PY = '''"""The use case's feature engineering: the registry's transformer plus its own features.
The step image sets MLOPS_TRANSFORMER=steps.features:Transformer (Dockerfile)."""

from __future__ import annotations

import pandas as pd

from pipelines_src.contracts import DatasetSchema
from pipelines_src.steps.feature_engineering import DefaultTransformer


class Transformer(DefaultTransformer):
    """Adds the power proxy torque x speed, a classic predictor of tool failure."""

    EXTRA = ["power_proxy"]

    def fit(self, frame: pd.DataFrame, schema: DatasetSchema) -> Transformer:
        super().fit(frame, schema)
        self.base_names = list(self.feature_names)
        self.feature_names = self.base_names + self.EXTRA
        return self

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        names, self.feature_names = self.feature_names, self.base_names
        try:
            base = super().transform(frame)
        finally:
            self.feature_names = names
        power = frame["torque_nm"].astype(float) * frame["rotational_speed_rpm"].astype(float) / 1e4
        return base.assign(power_proxy=power.fillna(power.median()).to_numpy())[self.feature_names]
'''

PIPELINES_PY = '''"""__NAME__'s pipelines: the registry's, changed in Python (never in generated JSON).
`make asl` compiles them into infra/pipelines/ (ASL template + manifest), which Terraform deploys;
`mlops train-local --pipelines pipelines.py` runs their jobs on local folders."""

from __future__ import annotations

from pipelines_src.pipelines import definitions, states
from pipelines_src.pipelines.pipeline import Pipeline
from pipelines_src.pipelines.refs import Result


def training() -> Pipeline:
    """The registry's training pipeline with this use case's data check before training."""
    pipeline = definitions.training_pipeline()
    features = Result("feature-engineering")
    pipeline.insert_before(
        "training",
        states.ProcessingStep(
            "data-validation",
            module="steps.validation",
            inputs={"train": features / "train/", "validation": features / "validation/"},
            output="report",
        ),
    )
    return pipeline


PIPELINES = {"training": training, "batch-inference": definitions.batch_pipeline}
'''

VALIDATION_PY = '''"""data-validation (processing): this use case's own check between feature engineering and
training: enough rows, both classes, no missing values in the train and validation splits.

Inputs:  processing/input/train/*.csv, processing/input/validation/*.csv (label first, no header)
Output:  processing/output/report/report.json
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import pandas as pd

from pipelines_src.steps.container import Paths, StepError, atomic_directory, base_parser, run, write_json

MIN_ROWS = 100


def check(frame: pd.DataFrame, split: str) -> dict[str, Any]:
    if len(frame) < MIN_ROWS:
        raise StepError(f"{split}: {len(frame)} rows, fewer than {MIN_ROWS}: give the pipeline more data")
    labels = sorted(frame.iloc[:, 0].unique().tolist())
    if labels != [0, 1]:
        raise StepError(f"{split}: the label needs both classes 0 and 1, found {labels}")
    missing = int(frame.isna().sum().sum())
    if missing:
        raise StepError(f"{split}: {missing} missing feature values after feature engineering: fix the transformer")
    return {"rows": len(frame), "positive_rate": round(float(frame.iloc[:, 0].mean()), 4)}


def main(argv: Sequence[str] | None = None) -> int:
    paths = Paths(base_parser(__doc__ or "").parse_args(argv).base_dir)
    report = {}
    for split in ("train", "validation"):
        files = sorted(paths.processing_input(split).glob("*.csv"))
        if not files:
            raise StepError(f"no CSV under {paths.processing_input(split)}: feed the feature-engineering output")
        report[split] = check(pd.concat([pd.read_csv(f, header=None) for f in files]), split)
    with atomic_directory(paths.processing_output("report")) as out:
        write_json(out / "report.json", report)
    print(f"data-validation: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(run(main, sys.argv[1:], "processing"))
'''

TEST_PIPELINES_PY = '''"""The use case's training pipeline, its own data-validation step included, run locally."""

from __future__ import annotations

import json
from pathlib import Path

from pipelines import training
from pipelines_src import datasets
from pipelines_src.local import chain


def test_the_inserted_step_runs_between_feature_engineering_and_training(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    datasets.write_sample(raw, rows=1500, seed=3)
    run = chain.train_locally(raw, tmp_path / "work", [{"max_depth": "3", "num_round": "30"}], pipeline=training())
    names = [name for name in run.data["steps"]]
    assert names.index("feature_engineering") < names.index("data_validation") < names.index("training")
    report = json.loads((run.output("data-validation") / "report.json").read_text())
    assert report["train"]["rows"] > 0 and 0 < report["train"]["positive_rate"] < 1
'''

TEST_PY = '''"""The use case's own step code, tested on the registry's sample data."""

from __future__ import annotations

from pipelines_src import datasets
from steps.features import Transformer


def test_transformer_adds_power_proxy_without_losing_rows() -> None:
    frame = datasets.generate(500, seed=3)
    features = Transformer().fit(frame, datasets.SCHEMA).transform(frame)
    assert len(features) == len(frame)
    assert "power_proxy" in features.columns and not features.isna().any().any()
'''

MAKEFILE = """# __NAME__: plan, apply, check and test the use case. The registry repository provides the tools.
MLOPS ?= __MLOPS__
VENV  ?= .venv
PYTHON ?= python3
export PYTHONPATH := $(CURDIR):$(MLOPS)
TFRC := $(MLOPS)/tools/terraform
export TF_CLI_CONFIG_FILE ?= $(shell test -d /opt/tf-plugins && echo $(TFRC)/mirror.tfrc || echo $(TFRC)/registry.tfrc)

.PHONY: setup asl plan apply policy test plan-aws apply-aws

setup: $(VENV)/.installed
$(VENV)/.installed:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -e "$(MLOPS)[dev]"
	touch $@

asl: setup ## compile pipelines.py into infra/pipelines (ASL + manifest for Terraform)
	$(VENV)/bin/mlops asl --pipelines pipelines.py --out infra/pipelines

plan: setup ## plan infra against the local emulator (make -C $(MLOPS) emulator-up)
	$(VENV)/bin/mlops tf plan infra

apply: setup ## apply infra to the local emulator
	$(VENV)/bin/mlops tf apply infra

policy: setup ## the registry's policy gate on the HCL and the plan
	$(VENV)/bin/python -m tools.policy_gate $(CURDIR)/infra

test: setup ## the use case's own tests
	$(VENV)/bin/python -m pytest -q tests

plan-aws: setup ## plan against AWS (CI): backend settings in backend.hcl
	terraform -chdir=infra init -input=false -backend-config=../backend.hcl
	terraform -chdir=infra plan -input=false -out=tfplan

apply-aws: setup ## apply against AWS (CI, after the manual approval)
	terraform -chdir=infra init -input=false -backend-config=../backend.hcl
	terraform -chdir=infra apply -input=false -auto-approve
"""

WORKFLOW = """name: pull-request
on:
  pull_request:
permissions:
  contents: read
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/checkout@v4
        with:
          repository: __REGISTRY_REPO__
          path: .mlops
      - uses: hashicorp/setup-terraform@v3
      - run: make policy test MLOPS=$PWD/.mlops
"""

BUILDSPEC = """version: 0.2
phases:
  install:
    commands:
      - git clone --depth 1 "$MLOPS_REPOSITORY" .mlops
  build:
    commands:
      - make policy test MLOPS=$PWD/.mlops
"""

DOCKERFILE = """# The use case's step image: the registry's step image plus this repository's step code.
ARG BASE=__REGISTRY_IMAGE__
FROM ${BASE}
COPY steps/ /opt/program/steps/
ENV PYTHONPATH=/opt/program MLOPS_TRANSFORMER=steps.features:Transformer
"""

README = """# __NAME__

A use case on the secure MLOps module registry. The infrastructure in `infra/` uses the
registry's modules **by version** (`__REGISTRY__/__NAMESPACE__/<module>/aws`, `__CONSTRAINT__`):
to upgrade, change the constraint, read the module's CHANGELOG, run `make plan`.

| path | what |
|---|---|
| `infra/` | the Terraform root (S3 backend for CI; local runs keep state locally) |
| `pipelines.py` | its pipelines: the registry's, with its own `data-validation` step inserted before training |
| `infra/pipelines/` | what `make asl` compiles from `pipelines.py` (ASL templates + manifests); never edited by hand |
| `steps/validation.py` | the use case's data-validation step (a processing job on the step image) |
| `steps/features.py` | this use case's feature transformer (the image sets `MLOPS_TRANSFORMER`) |
| `training.json` | the hyperparameter candidates the training pipeline tries |
| `tests/` | tests of the use case's own step code |
| `.github/workflows/pull-request.yml`, `buildspec.yml` | policy gate and tests on every pull request |

`make policy` runs the registry's policy gate (checkov built-ins and the registry's policies) on
the HCL and on a plan; `make test` runs the tests; `make plan`/`apply` use the local emulator
(`make -C $MLOPS emulator-up`), `plan-aws`/`apply-aws` use AWS with `backend.hcl`.
"""


def files(name: str, registry: str, namespace: str, constraint: str, mlops_repo: str) -> dict[str, str]:
    def fill(text: str) -> str:
        return (
            text.replace("__NAME__", name)
            .replace("__REGISTRY__", registry)
            .replace("__NAMESPACE__", namespace)
            .replace("__CONSTRAINT__", constraint)
            .replace("__MLOPS__", mlops_repo)
            .replace("__REGISTRY_REPO__", "<your-org>/mlops-registry")
            .replace("__REGISTRY_IMAGE__", "<account>.dkr.ecr.<region>.amazonaws.com/mlops/steps:<version>")
        )

    written = {
        "infra/main.tf": main_tf(name, registry, namespace, constraint),
        "infra/variables.tf": fill(VARIABLES_TF),
        "infra/versions.tf": VERSIONS_TF,
        "infra/backend.tf": BACKEND_TF,
        "steps/__init__.py": "",
        "steps/features.py": FEATURES_PY,
        "tests/__init__.py": "",
        "tests/test_features.py": TEST_PY,
        "tests/test_pipelines.py": TEST_PIPELINES_PY,
        "pipelines.py": fill(PIPELINES_PY),
        "steps/validation.py": VALIDATION_PY,
        "training.json": json.dumps(
            [{"max_depth": 3, "num_round": 60, "eta": 0.2}, {"max_depth": 5, "num_round": 100, "eta": 0.1}], indent=2
        )
        + "\n",
        "backend.hcl.example": 'bucket = "<state bucket>"\nkey    = "'
        + name
        + '/terraform.tfstate"\nregion = "eu-central-1"\n',
        "Makefile": fill(MAKEFILE),
        "Dockerfile": fill(DOCKERFILE),
        ".github/workflows/pull-request.yml": fill(WORKFLOW),
        "buildspec.yml": BUILDSPEC,
        "README.md": fill(README),
        ".gitignore": ".venv/\n.terraform/\n*.tfstate*\ntfplan\nbackend.hcl\n",
    }
    return written


def new_use_case(
    name: str,
    target: Path,
    registry: str,
    *,
    namespace: str = "mlops",
    constraint: str = "~> 0.1",
    mlops_repo: str = "",
) -> list[Path]:
    """Write the repository; refuses a bad name or a target that already has files."""
    if not NAME.match(name):
        raise ScaffoldError(f"use case name {name!r}: use 3-20 lowercase letters, digits and hyphens, e.g. quality")
    if "/" not in registry.strip("/") and "." not in registry and ":" not in registry:
        raise ScaffoldError(f"registry {registry!r}: give a host with a dot or a port, e.g. registry.example.com")
    if target.exists() and any(target.iterdir()):
        raise ScaffoldError(f"{target} is not empty: pick a new folder (nothing is overwritten)")
    made = []
    for relative, text in files(name, registry, namespace, constraint, mlops_repo).items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        made.append(path)
    for pipeline in compiler.load(str(target / "pipelines.py")).values():  # what `make asl` writes
        made += compiler.write(pipeline, target / "infra" / "pipelines")
    return made
