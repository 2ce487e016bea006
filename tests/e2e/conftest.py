"""The complete template, applied once per session: the demo runs its pipelines on it and the
example checks (idempotent re-plan, policy gate, guard rails, clean destroy) reuse it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines_src.local import demo, emulator
from pipelines_src.local import terraform as tf


@pytest.fixture(scope="session")
def complete_use_case(local_emulator: emulator.Emulator, tf_work: Path) -> Iterator[tf.TerraformRoot]:
    root = demo.stage(local_emulator, tf_work / "e2e" / "use-case-complete")
    demo.deploy(root)
    try:
        yield root
    finally:
        if root.state_addresses():
            demo.teardown(root)
