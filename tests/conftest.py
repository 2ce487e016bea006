"""Shared fixtures: one emulator per test session on a free loopback port, Terraform settings, and
one trained model of the sample data for the session."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipelines_src import datasets
from pipelines_src.local import chain, emulator
from pipelines_src.local import terraform as tf
from pipelines_src.registry import release

REPO = Path(__file__).resolve().parents[1]  # the registry's repository (tests run in it)
MODULES = release.modules(REPO)
EXAMPLES = sorted(p for p in (REPO / "examples").iterdir() if any(p.glob("*.tf")))

# The same CLI config the Makefile selects, also when pytest is run directly.
os.environ["TF_CLI_CONFIG_FILE"] = str(tf.cli_config_file())
os.environ.setdefault("TF_IN_AUTOMATION", "1")
os.environ.setdefault("CHECKPOINT_DISABLE", "1")


# pytest-xdist, --dist loadgroup: every test file is one unit of work (its module fixtures, an
# applied root or a journey, are made once), and files that share an expensive session fixture
# are one unit together: every worker has its own emulator, but the template is applied once, the
# wheels built and installed once, the inventory plans and `terraform test` runs made once, the
# sample training run made once. Units start in LONG_UNITS_FIRST order, then in collection order.
GROUPS = {
    "tests/e2e/test_demo.py": "use-case-complete",
    "tests/e2e/test_demo_notebooks.py": "use-case-complete",
    "tests/e2e/test_examples.py": "use-case-complete",
    "tests/e2e/test_scaffold_journey.py": "tooling",
    "tests/registry/test_distributions.py": "tooling",
    "tests/pipelines/test_batch_inference.py": "trained",
    "tests/pipelines/test_chain.py": "trained",
    "tests/pipelines/test_serving.py": "trained",
    "tests/pipelines/test_steps.py": "trained",
    "tests/local/test_endpoints.py": "trained",
    "tests/e2e/test_realtime_endpoint.py": "trained",
    "tests/e2e/test_model_monitoring.py": "trained",
    "tests/local/test_images.py": "trained",
}


# The units that take minutes, longest first, so no worker starts one late (the Makefile passes
# --no-loadscope-reorder: xdist would otherwise put the units with the most tests first, and the
# journeys, two or four tests of eight minutes, last). The journey of two tests comes second
# because a worker holding two pending tests is given the next unit at once: the short
# promotion-stage file after it, rather than another long one.
LONG_UNITS_FIRST = [
    "use-case-complete",
    "tests/e2e/test_journey_sequences.py",
    "tests/e2e/test_data_lake_share.py",
    "tooling",
    "tests/e2e/test_promotion_stage.py",
    "tests/e2e/test_demo_promotion.py",
    "trained",
    "tests/e2e/test_upgrade.py",
    "tests/local/test_faults.py",
]


def unit_of(item: pytest.Item) -> str:
    path = item.nodeid.split("::")[0]
    return GROUPS.get(path, path)


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the markers into the node ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.xdist_group(unit_of(item)))
    rank = {unit: index for index, unit in enumerate(LONG_UNITS_FIRST)}
    items.sort(key=lambda item: rank.get(unit_of(item), len(rank)))  # stable: files keep their order


@pytest.fixture(scope="session")
def local_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[emulator.Emulator]:
    """An emulator of this test session only, stopped (by its PID) at the end."""
    with emulator.started(tmp_path_factory.mktemp("emulator")) as info:
        yield info


@pytest.fixture(scope="session")
def tf_work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where roots are staged for this session (never the source tree)."""
    return tmp_path_factory.mktemp("tf-work")


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two distributions, as `make build` writes them."""
    from tools import build

    out = tmp_path_factory.mktemp("wheels")
    assert build.main(["--out", str(out)]) == 0
    return out


def free_port() -> int:
    """A TCP port nobody listens on now (for a journey's own emulator)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_env(wheels: Path, **extra: str) -> dict[str, str]:
    """A user's shell: no PYTHONPATH, no repository on the path, the wheels as pip's find-links
    (what an organisation's index gives), the Terraform CLI config of this machine."""
    keep = ("HOME", "LANG", "TMPDIR", "PATH", "PIP_INDEX_URL", "PIP_CONFIG_FILE", "TF_CLI_CONFIG_FILE")
    return {k: v for k, v in os.environ.items() if k in keep} | {"PIP_FIND_LINKS": str(wheels)} | extra


@pytest.fixture(scope="session")
def use_case_folder(wheels: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty folder after the README's first journey line: `tooling/` holds the installed
    mlops-tooling (shared by the distribution tests and the scaffold journey)."""
    from tests import journeys

    folder = tmp_path_factory.mktemp("use-case-folder")
    first = journeys.block(REPO / "README.md", "new-use-case")[0]
    done = journeys.run([first], folder, clean_env(wheels), timeout=900)
    assert done.returncode == 0, done.output[-3000:]
    assert (folder / "tooling" / "bin" / "mlops").is_file()
    return folder


CANDIDATES = [
    {"algorithm": "xgboost", "max_depth": 3, "num_round": 80},
    {"algorithm": "sklearn-random-forest", "n_estimators": 60},
]


@pytest.fixture(scope="session")
def sample_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("raw")
    datasets.write_sample(directory, rows=3000, seed=7)
    return directory


@pytest.fixture(scope="session")
def training_run(sample_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> chain.LocalRun:
    """Every training job of the registry's pipeline run in order on the sample data."""
    return chain.train_locally(sample_raw, tmp_path_factory.mktemp("training"), CANDIDATES)


@pytest.fixture(scope="session")
def trained(training_run: chain.LocalRun) -> dict[str, Path]:
    """The training run's output folders (dataset, features, evaluation, monitoring) and models."""
    return training_run.folders()


def model_archive(folder: Path) -> bytes:
    """A model folder as SageMaker's model.tar.gz (files at the archive's root)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(folder.iterdir()):
            tar.add(path, arcname=path.name)
    return buffer.getvalue()


def weak_model(model: Path, target: Path) -> Path:
    """A copy of a model folder whose booster learnt noise (and which carries no decision
    threshold): a champion any real challenger beats."""
    import numpy as np
    import xgboost as xgb

    shutil.copytree(model, target)
    for name in ("model.joblib", "xgboost-model", "operating-point.json"):
        (target / name).unlink(missing_ok=True)
    width = len(json.loads((model / "transformer" / "feature_names.json").read_text()))
    rng = np.random.default_rng(0)
    noise = xgb.DMatrix(rng.random((200, width)), label=rng.integers(0, 2, 200))
    booster = xgb.train({"max_depth": 1, "objective": "binary:logistic"}, noise, num_boost_round=2)
    (target / "xgboost-model").write_bytes(booster.save_raw(raw_format="ubj"))
    return target


@pytest.fixture(scope="session")
def inventory_model(local_emulator: emulator.Emulator, trained: dict[str, Path]) -> str:
    """The trained model where the realtime-endpoint inventory's model_data_url points, so an
    endpoint applied with it deploys (the emulator serves it)."""
    s3 = local_emulator.client("s3")
    s3.create_bucket(Bucket="inventory-artifacts", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    s3.put_object(Bucket="inventory-artifacts", Key="quality/model.tar.gz", Body=model_archive(trained["model"]))
    return "s3://inventory-artifacts/quality/model.tar.gz"


def ended_run(sm: Any, schedule: str) -> dict[str, Any]:
    """The schedule's latest monitoring execution, once it is no longer InProgress."""
    for _ in range(120):
        runs = sm.list_monitoring_executions(MonitoringScheduleName=schedule)["MonitoringExecutionSummaries"]
        if runs and runs[0]["MonitoringExecutionStatus"] != "InProgress":
            return dict(runs[0])
        time.sleep(0.5)
    raise AssertionError(f"the monitoring run of {schedule} did not end within 60 s")


def run_now(sm: Any, schedule: str, definition: str, kind: str) -> dict[str, Any]:
    """One on-demand run of the job definition over the last hour (a NOW schedule), once ended."""
    sm.create_monitoring_schedule(
        MonitoringScheduleName=schedule,
        MonitoringScheduleConfig={
            "ScheduleConfig": {
                "ScheduleExpression": "NOW",
                "DataAnalysisStartTime": "-PT1H",
                "DataAnalysisEndTime": "-PT0H",
            },
            "MonitoringJobDefinitionName": definition,
            "MonitoringType": kind,
        },
    )
    return ended_run(sm, schedule)
