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
def demo_run(
    complete_use_case: tf.TerraformRoot, local_emulator: emulator.Emulator, tmp_path_factory: pytest.TempPathFactory
) -> tuple[demo.DemoReport, Path]:
    """Both pipelines executed once on the shared deployment (the demo and the notebooks use it)."""
    out_dir = tmp_path_factory.mktemp("demo")
    deployment = demo.Deployment.of(complete_use_case.outputs(), DEMO)
    return demo.run(local_emulator, deployment, out_dir, log=lambda _: None), out_dir
