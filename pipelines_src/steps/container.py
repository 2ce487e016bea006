"""The SageMaker container contract, with an overridable base so the same code runs locally.

Processing jobs read `/opt/ml/processing/input/<name>` and write `/opt/ml/processing/output/<name>`;
training jobs read `/opt/ml/input/data/<channel>` and `/opt/ml/input/config/hyperparameters.json`
and write `/opt/ml/model`. On failure a processing container writes `/opt/ml/output/message`
(DescribeProcessingJob.ExitMessage), a training container `/opt/ml/output/failure`
(DescribeTrainingJob.FailureReason). `SM_BASE_DIR` (or `--base-dir`) replaces `/opt/ml`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_BASE = Path("/opt/ml")
_MESSAGE_LIMIT = 1024  # SageMaker keeps the first KB


class StepError(RuntimeError):
    """A failure the user can act on: bad data, a model below threshold. The message is the fix."""


@dataclass(frozen=True)
class Paths:
    base: Path

    def processing_input(self, name: str) -> Path:
        return self.base / "processing" / "input" / name

    def processing_output(self, name: str) -> Path:
        return self.base / "processing" / "output" / name

    def channel(self, name: str) -> Path:
        return self.base / "input" / "data" / name

    @property
    def hyperparameters(self) -> Path:
        return self.base / "input" / "config" / "hyperparameters.json"

    @property
    def model(self) -> Path:
        return self.base / "model"

    @property
    def output(self) -> Path:
        return self.base / "output"


def base_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--base-dir",
        type=Path,
        default=Path(os.environ.get("SM_BASE_DIR", DEFAULT_BASE)),
        help="container root, /opt/ml on SageMaker (env SM_BASE_DIR)",
    )
    return parser


def decode_hyperparameters(raw: dict[str, Any]) -> dict[str, Any]:
    """SageMaker passes every hyperparameter as a string; numbers and booleans are decoded,
    anything else stays the string it was."""
    decoded: dict[str, Any] = {}
    for key, value in raw.items():
        try:
            decoded[key] = json.loads(value) if isinstance(value, str) else value
        except ValueError:
            decoded[key] = value
    return decoded


def read_hyperparameters(paths: Paths) -> dict[str, Any]:
    """SageMaker passes every hyperparameter as a string; numbers and booleans are decoded."""
    if not paths.hyperparameters.exists():
        return {}
    try:
        raw = json.loads(paths.hyperparameters.read_text())
    except ValueError as exc:
        raise StepError(
            f"{paths.hyperparameters.name} is not JSON ({exc}): give the training job's HyperParameters as an object"
        ) from exc
    if not isinstance(raw, dict):
        raise StepError(f"{paths.hyperparameters.name} holds a {type(raw).__name__}: give an object of name -> value")
    return decode_hyperparameters(raw)


@contextmanager
def atomic_directory(target: Path, *, keep_target: bool = False) -> Iterator[Path]:
    """Write into a sibling folder and move it into place only when the block succeeds, so a
    failed step never leaves partial output, and refuses to overwrite earlier results.
    `keep_target`: move the contents into the existing (empty) folder instead of replacing it,
    for folders the platform creates, such as a training job's /opt/ml/model."""
    if target.exists() and any(target.iterdir()):
        raise StepError(f"{target} already holds results: write to a new execution prefix instead of over them")
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if keep_target:
        target.mkdir(parents=True, exist_ok=True)
        for entry in staging.iterdir():
            entry.rename(target / entry.name)
        staging.rmdir()
        return
    if target.exists():
        target.rmdir()
    staging.rename(target)


def write_json(path: Path, payload: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, sort_keys=True, default=str))
    return path


def run(main: Callable[[Sequence[str] | None], int], argv: Sequence[str] | None, kind: str) -> int:
    """Run a step's main; on failure write SageMaker's failure file and exit non-zero.

    kind: "processing" (writes output/message) or "training" (writes output/failure)."""
    parser = base_parser("")
    known, _ = parser.parse_known_args(argv)
    paths = Paths(known.base_dir)
    try:
        return main(argv)
    except StepError as exc:
        reason = str(exc)
    except Exception as exc:  # an unexpected error still gets a reason, with its type
        reason = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    paths.output.mkdir(parents=True, exist_ok=True)
    (paths.output / ("failure" if kind == "training" else "message")).write_text(reason[:_MESSAGE_LIMIT])
    print(f"step failed: {reason}", file=sys.stderr)
    return 1
