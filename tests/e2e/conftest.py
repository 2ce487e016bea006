"""The complete template, applied once per session: the demo runs its pipelines on it and the
example checks (idempotent re-plan, policy gate, guard rails, clean destroy) reuse it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines_src.local import demo, emulator
from pipelines_src.local import terraform as tf
from tests.conftest import REPO


@pytest.fixture(scope="session")
def mlops_local_dir(local_emulator: emulator.Emulator, tf_work: Path) -> Path:
    """A `.local` folder as `make demo` leaves it (emulator state, staged template), so the
    `mlops ... --local` commands find this session's deployment through MLOPS_LOCAL_DIR."""
    local = tf_work / "mlops-local"
    local.mkdir(parents=True, exist_ok=True)
    (local / "emulator").symlink_to(local_emulator.state_dir, target_is_directory=True)
    return local


DEMO = REPO / "examples" / "use-case-complete"
DEMO_VARS = [DEMO / "profiles" / "local.tfvars"]
SERVING = REPO / "examples" / "realtime-endpoint"  # the Makefile's --serving-root
USE_CASE = "quality"  # examples/use-case-complete's default


@pytest.fixture(scope="session")
def complete_use_case(local_emulator: emulator.Emulator, mlops_local_dir: Path) -> Iterator[tf.TerraformRoot]:
    root = tf.TerraformRoot(tf.stage(DEMO, mlops_local_dir / "work", local_emulator), tf.base_env(local_emulator))
    demo.deploy(root, DEMO_VARS)
    try:
        yield root
    finally:
        if root.state_addresses():
            demo.teardown(root, DEMO_VARS, DEMO)


@pytest.fixture(scope="session")
def serving_root(
    complete_use_case: tf.TerraformRoot, local_emulator: emulator.Emulator, mlops_local_dir: Path
) -> Iterator[tf.TerraformRoot]:
    """The demo's real-time root (staged only: the demo applies it), destroyed before the platform."""
    root = tf.TerraformRoot(tf.stage(SERVING, mlops_local_dir / "work", local_emulator), tf.base_env(local_emulator))
    try:
        yield root
    finally:
        if root.state_addresses():
            root.destroy([])


@pytest.fixture(scope="session")
def demo_run(
    complete_use_case: tf.TerraformRoot,
    serving_root: tf.TerraformRoot,
    local_emulator: emulator.Emulator,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[demo.DemoReport, Path]:
    """The demo on the shared deployment, as `make demo` runs it (the notebooks use it too)."""
    out_dir = tmp_path_factory.mktemp("demo")
    deployment = demo.Deployment.of(complete_use_case.outputs(), DEMO)
    report = demo.run(local_emulator, deployment, out_dir, log=lambda _: None, serving_root=serving_root)
    return report, out_dir
