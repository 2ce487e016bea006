"""Shared fixtures: one emulator per test session on a free loopback port, Terraform settings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines_src.local import emulator
from pipelines_src.local import terraform as tf

REPO = Path(__file__).resolve().parents[1]  # the registry's repository (tests run in it)
MODULES = sorted(p for p in (REPO / "modules").iterdir() if (p / "versions.tf").exists())
EXAMPLES = sorted(p for p in (REPO / "examples").iterdir() if any(p.glob("*.tf")))

# The same CLI config the Makefile selects, also when pytest is run directly.
os.environ["TF_CLI_CONFIG_FILE"] = str(tf.cli_config_file())
os.environ.setdefault("TF_IN_AUTOMATION", "1")
os.environ.setdefault("CHECKPOINT_DISABLE", "1")


@pytest.fixture(scope="session")
def local_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[emulator.Emulator]:
    """An emulator of this test session only, stopped (by its PID) at the end."""
    with emulator.started(tmp_path_factory.mktemp("emulator")) as info:
        yield info


@pytest.fixture(scope="session")
def tf_work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where roots are staged for this session (never the source tree)."""
    return tmp_path_factory.mktemp("tf-work")
