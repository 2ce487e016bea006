"""Layer 2: each module's `terraform test` files, run with the real provider offline.

The runs are offline plans (no emulator), so modules are tested two at a time (one per core);
each module still reports as its own test."""

from __future__ import annotations

import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from pipelines_src.local import terraform as tf
from tests.conftest import MODULES


def _terraform_test(module: Path, data_dir: Path) -> tuple[str, str]:
    """(failure text or "", test stdout) of `terraform init` + `terraform test` in `module`."""
    env = tf.base_env()
    env["TF_DATA_DIR"] = str(data_dir)  # keep .terraform out of the source tree
    init = subprocess.run(
        ["terraform", "init", "-input=false", "-no-color"],
        cwd=module,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if init.returncode != 0:
        return f"init failed: {init.stderr}", ""
    result = subprocess.run(
        ["terraform", "test", "-no-color"], cwd=module, env=env, capture_output=True, text=True, check=False
    )
    failure = "" if result.returncode == 0 else result.stdout[-6000:] + result.stderr[-2000:]
    return failure, result.stdout


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Future[tuple[str, str]]]:
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="terraform-test")
    work = tmp_path_factory.mktemp("terraform-test")
    return {m.name: pool.submit(_terraform_test, m, work / m.name) for m in MODULES}


@pytest.mark.parametrize("module", MODULES, ids=[m.name for m in MODULES])
def test_terraform_test(module: Path, results: dict[str, Future[tuple[str, str]]]) -> None:
    failure, stdout = results[module.name].result()
    assert not failure, failure
    assert " 0 failed" in stdout and "passed" in stdout
