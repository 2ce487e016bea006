"""Layer 2: each module's `terraform test` files, run with the real provider offline."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pipelines_src.local import terraform as tf
from tests.conftest import MODULES


@pytest.mark.parametrize("module", MODULES, ids=[m.name for m in MODULES])
def test_terraform_test(module: Path, tmp_path: Path) -> None:
    env = tf.base_env()
    env["TF_DATA_DIR"] = str(tmp_path / "data")  # keep .terraform out of the source tree
    init = subprocess.run(
        ["terraform", "init", "-input=false", "-no-color"],
        cwd=module,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert init.returncode == 0, init.stderr
    result = subprocess.run(
        ["terraform", "test", "-no-color"], cwd=module, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " 0 failed" in result.stdout and "passed" in result.stdout
