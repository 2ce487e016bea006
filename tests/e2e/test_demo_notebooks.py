"""The notebooks of examples/notebooks, executed top to bottom (nbclient) against the local
runtime: boto3 in the kernel reaches the emulator through AWS_ENDPOINT_URL, settings come from
the deployed template's `notebook_environment` output, as Studio's lifecycle configuration
provides them on AWS. A notebook passes when every cell runs (their asserts included)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from pipelines_src.local import demo, emulator
from pipelines_src.local import terraform as tf
from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "examples" / "notebooks").glob("*.ipynb"))


def test_the_notebook_stack_is_complete() -> None:
    assert [n.name[:2] for n in NOTEBOOKS] == ["01", "02", "03", "04"]


@pytest.fixture(scope="module")
def kernel_environment(
    demo_run: tuple[demo.DemoReport, Path], complete_use_case: tf.TerraformRoot, local_emulator: emulator.Emulator
) -> dict[str, str]:
    """The emulator's client settings and the use case's notebook settings (after the demo ran,
    so raw data and a registered model exist)."""
    return {**local_emulator.env(), **complete_use_case.outputs()["notebook_environment"]}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_notebook_runs_on_the_local_runtime(
    path: Path, kernel_environment: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for key, value in kernel_environment.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.mlops.env of the machine running the tests
    book = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]  # nbformat is untyped
    NotebookClient(book, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
