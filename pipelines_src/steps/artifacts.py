"""Model artefacts as SageMaker hands them to a container: `model.tar.gz` archives (one per
candidate under a prefix, or one alone) or already unpacked model folders."""

from __future__ import annotations

import tarfile
from pathlib import Path

from pipelines_src.steps.container import StepError

MODEL_FILES = ("xgboost-model", "model.joblib")


def model_dirs(root: Path, scratch: Path) -> dict[str, Path]:
    """Model folders under `root` by candidate (first path part); archives unpack into `scratch`."""
    found: dict[str, Path] = {}
    for archive in sorted(root.rglob("model.tar.gz")):
        name = archive.relative_to(root).parts[0] if archive.parent != root else "model"
        target = scratch / name
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive) as tar:
            tar.extractall(target, filter="data")
        found[name] = target
    for marker in MODEL_FILES:
        for path in sorted(root.rglob(marker)):
            if scratch in path.parents:
                continue
            name = path.parent.relative_to(root).parts[0] if path.parent != root else "model"
            found.setdefault(name, path.parent)
    if not found:
        raise StepError(f"no model.tar.gz, xgboost-model or model.joblib under {root}: pass the training output")
    return found


def single_model_dir(root: Path, scratch: Path) -> Path:
    return next(iter(model_dirs(root, scratch).values()))
