"""Model artefacts as SageMaker hands them to a container: `model.tar.gz` archives (one per
candidate under a prefix, or one alone) or already unpacked model folders, and the loading of
what they hold. A broken artefact (empty, truncated, another format, another feature count) is a
StepError naming the file and the fix, so the container contract's failure file says it: XGBoost
aborts the process on an empty buffer, and unpickling fails with bare EOFErrors."""

from __future__ import annotations

import io
import json
import pickle
import tarfile
from pathlib import Path
from typing import Any

from pipelines_src.steps.container import StepError

MODEL_FILES = ("xgboost-model", "model.joblib")
TRANSFORMER = Path("transformer") / "transformer.pkl"
OPERATING_POINT = "operating-point.json"  # the decision threshold model-evaluation chose
DEFAULT_DECISION_THRESHOLD = 0.5  # for artefacts registered before thresholds were chosen
_FIX = "re-run training, or pass the model artefact of a successful training job"


def _unpack(archive: Path, target: Path) -> None:
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(target, filter="data")
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise StepError(f"{archive}: not a readable model.tar.gz ({exc}); {_FIX}") from exc


def model_dirs(root: Path, scratch: Path) -> dict[str, Path]:
    """Model folders under `root` by candidate (first path part); archives unpack into `scratch`."""
    found: dict[str, Path] = {}
    for archive in sorted(root.rglob("model.tar.gz")):
        name = archive.relative_to(root).parts[0] if archive.parent != root else "model"
        target = scratch / name
        target.mkdir(parents=True, exist_ok=True)
        _unpack(archive, target)
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


def _content(path: Path) -> bytes:
    data = path.read_bytes()
    if not data:
        raise StepError(f"{path.name} is empty (0 bytes): the model artefact is broken; {_FIX}")
    return data


def _unpickle(path: Path, what: str) -> Any:
    data = _content(path)
    try:
        if path.suffix == ".joblib":
            import joblib

            return joblib.load(io.BytesIO(data))  # the bytes already read, not a second read
        return pickle.loads(data)
    except Exception as exc:  # unpickling raises anything: EOFError, UnpicklingError, KeyError, ...
        raise StepError(f"{path.name} cannot be read as {what} ({type(exc).__name__}: {exc}); {_FIX}") from exc


def load_model(model_dir: Path) -> Any:
    """The trained model of a model directory, whichever algorithm made it."""
    native = model_dir / "xgboost-model"
    if native.exists():
        import xgboost as xgb

        data = _content(native)  # an empty buffer aborts XGBoost's process: never hand it one
        booster = xgb.Booster()
        try:
            booster.load_model(bytearray(data))  # UBJSON, as saved
        except xgb.core.XGBoostError as exc:
            first = str(exc).split("Stack trace")[0].strip().splitlines()[-1]
            raise StepError(f"xgboost-model is not an XGBoost model ({first}); {_FIX}") from exc
        booster.set_param({"nthread": 1})
        return booster
    if (model_dir / "model.joblib").exists():
        return _unpickle(model_dir / "model.joblib", "a scikit-learn model")
    raise StepError(f"no xgboost-model or model.joblib in {model_dir}: pass the training job's model artefact")


def read_transformer(path: Path) -> Any:
    """A fitted transformer (transformer.pkl)."""
    return _unpickle(path, "a fitted transformer")


def load_transformer(model_dir: Path) -> Any:
    """The fitted transformer a model artefact carries, or None."""
    path = model_dir / TRANSFORMER
    return read_transformer(path) if path.exists() else None


def model_width(model: Any) -> int | None:
    """How many features the model takes (None when it does not say)."""
    width = model.num_features() if hasattr(model, "num_features") else getattr(model, "n_features_in_", None)
    return None if width is None else int(width)


def check_width(model: Any, columns: int, data: str) -> None:
    """StepError when `data` has another feature count than the model was trained on."""
    width = model_width(model)
    if width is not None and width != columns:
        raise StepError(
            f"{data} has {columns} features but the model was trained on {width}: score data made by the "
            "model's own transformer (the feature-engineering of the same training run)"
        )


def pack_model(folder: Path, archive: Path, extra: dict[str, Any]) -> Path:
    """`folder` as SageMaker's model.tar.gz (files at the archive's root) plus `extra` JSON files."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "w:gz") as tar:
        for path in sorted(folder.iterdir()):
            if path.name not in extra:
                tar.add(path, arcname=path.name)
        for name, content in extra.items():
            data = json.dumps(content, indent=2).encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return archive


def load_decision_threshold(model_dir: Path) -> float | None:
    """The decision threshold a model artefact carries (None: registered before thresholds were
    chosen, or a bare training artefact)."""
    path = model_dir / OPERATING_POINT
    if not path.exists():
        return None
    try:
        threshold = float(json.loads(path.read_text())["threshold"])
    except (ValueError, KeyError, TypeError) as exc:
        raise StepError(f"{OPERATING_POINT} has no numeric 'threshold' ({exc}); {_FIX}") from exc
    if not 0 <= threshold <= 1:
        raise StepError(f"{OPERATING_POINT}: threshold {threshold} is not from 0 to 1; {_FIX}")
    return threshold
