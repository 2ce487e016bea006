"""Container images as the local runtime runs them, with no Docker: an image is its code (folders
that play its filesystem) and its environment (the Dockerfile's ENV), run with this machine's
Python, which has the registry's step package installed (the base image's content).

- `mlops image build -t <uri> [-f Dockerfile] [context]` is the local `docker build` of a step
  image extending the registry's: it copies what the Dockerfile's `COPY` lines name into the
  image's own root folder and records its `ENV` (container paths rewritten to that folder), so a
  job started with that image URI runs the team's code with the team's settings.
- SageMaker's XGBoost and scikit-learn framework images run training jobs in script mode
  (`sagemaker_program` + `sagemaker_submit_directory`), with the local XGBoost and scikit-learn.
- Any other image runs the registry's step code when the job's entry point is `python3 -m <module>`
  (the registry's step image); anything else is refused, naming what is supported.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

STORE_ENV = "MLOPS_IMAGE_STORE"
FRAMEWORKS = {"sagemaker-xgboost": "xgboost", "sagemaker-scikit-learn": "sklearn"}
_INDEX = "images.json"


class ImageError(ValueError):
    """An image that cannot be built or run here; the message names the fix."""


@dataclass(frozen=True)
class LocalImage:
    uri: str
    root: str = ""  # the folder that plays the image's filesystem ("" for the base image)
    environment: Mapping[str, str] = field(default_factory=dict)
    framework: str | None = None  # script-mode framework images

    def env(self) -> dict[str, str]:
        """The image's environment with its container paths under its root folder."""
        return {key: self._local(value) for key, value in self.environment.items()}

    def _local(self, value: str) -> str:
        if not self.root:
            return value
        return os.pathsep.join(
            str(Path(self.root) / p.lstrip("/")) if p.startswith("/") else p for p in value.split(":")
        )


def framework_of(uri: str) -> str | None:
    """`xgboost` for `<account>.dkr.ecr.<region>.amazonaws.com/sagemaker-xgboost:1.7-1`, etc."""
    repository = uri.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]
    return FRAMEWORKS.get(repository)


def current(uri: str = "local") -> LocalImage:
    """The caller's own environment as an image (the local chain: a developer's working copy)."""
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p] + [str(Path.cwd())]
    return LocalImage(uri, environment={"PYTHONPATH": os.pathsep.join(paths)})


@dataclass(frozen=True)
class ImageStore:
    """Built images by URI, under one folder (the emulator's state folder by default)."""

    root: Path

    @classmethod
    def from_environment(cls) -> ImageStore | None:
        location = os.environ.get(STORE_ENV)
        return cls(Path(location)) if location else None

    def _index(self) -> dict[str, dict[str, object]]:
        path = self.root / _INDEX
        return json.loads(path.read_text()) if path.is_file() else {}

    def find(self, uri: str) -> LocalImage | None:
        entry = self._index().get(uri)
        return LocalImage(**entry) if entry else None  # type: ignore[arg-type]  # written by build()

    def build(self, uri: str, dockerfile: Path, context: Path) -> LocalImage:
        """Copy the Dockerfile's COPY sources into the image's root and record its ENV."""
        if not dockerfile.is_file():
            raise ImageError(f"no Dockerfile at {dockerfile}: pass -f <Dockerfile>")
        root = self.root / "images" / re.sub(r"[^A-Za-z0-9_.-]+", "_", uri)
        shutil.rmtree(root, ignore_errors=True)
        environment: dict[str, str] = {}
        for instruction, argument in _instructions(dockerfile.read_text()):
            if instruction == "COPY":
                _copy(argument, context, root)
            elif instruction == "ENV":
                environment.update(_env_pairs(argument))
        image = LocalImage(uri, str(root), environment)
        index = self._index() | {uri: asdict(image)}
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / _INDEX).write_text(json.dumps(index, indent=2))
        return image


def _instructions(text: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", text)
    found = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            instruction, _, argument = stripped.partition(" ")
            found.append((instruction.upper(), argument.strip()))
    return found


def _copy(argument: str, context: Path, root: Path) -> None:
    parts = [p for p in shlex.split(argument) if not p.startswith("--")]
    if len(parts) < 2:
        raise ImageError(f"COPY {argument}: give a source and a destination")
    *sources, destination = parts
    for source in sources:
        origin = (context / source).resolve()
        if not origin.is_relative_to(context.resolve()) or not origin.exists():
            raise ImageError(f"COPY {source}: not found in the build context {context}")
        target = root / destination.lstrip("/")
        if origin.is_dir():
            shutil.copytree(origin, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target / origin.name if destination.endswith("/") else target)


def _env_pairs(argument: str) -> dict[str, str]:
    parts = shlex.split(argument)
    if len(parts) == 2 and "=" not in parts[0]:  # legacy form: ENV KEY value
        return {parts[0]: parts[1]}
    pairs = {}
    for part in parts:
        key, sep, value = part.partition("=")
        if not sep:
            raise ImageError(f"ENV {argument}: write KEY=value")
        pairs[key] = value
    return pairs


def resolve(uri: str, store: ImageStore | None) -> LocalImage:
    """The image a job names: built here, a framework image, or the registry's step image."""
    built = store.find(uri) if store is not None else None
    if built is not None:
        return built
    return LocalImage(uri, framework=framework_of(uri))
