"""`mlops asl`: compile pipelines to what Terraform deploys — `<name>.asl.json.tftpl` (the ASL
template) and `<name>.manifest.json` (its placeholders, integrations and their IAM needs) — after
checking the rendered ASL with the registry's validator (structure and security settings).

The pipelines come from the registry (`pipelines_src.pipelines.definitions`) or from a use case's
own file, e.g. `pipelines.py` defining `PIPELINES = {"training": training, ...}` (Pipelines or
functions returning one).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pipelines_src.pipelines import manifest, validate
from pipelines_src.pipelines.pipeline import Pipeline
from pipelines_src.pipelines.refs import PipelineError

TEMPLATE_SUFFIX = ".asl.json.tftpl"
MANIFEST_SUFFIX = ".manifest.json"
TEMPLATES = Path(__file__).parent / "templates"  # the registry's compiled pipelines (package data)


def sample_values(pipeline: Pipeline) -> dict[str, Any]:
    """A value for every placeholder, for validating the rendered ASL."""
    return {
        name: ["sample-a", "sample-b"] if p.type != "string" else ("aws" if name == "partition" else f"sample-{name}")
        for name, p in pipeline.placeholders().items()
    }


def check(pipeline: Pipeline) -> list[str]:
    """Problems of the pipeline and of its rendered ASL (empty when it can be deployed)."""
    found = pipeline.problems()
    if found:
        return found
    rendered = pipeline.render(sample_values(pipeline))
    return validate.problems(rendered) + validate.security_problems(rendered)


def write(pipeline: Pipeline, out: Path) -> tuple[Path, Path]:
    """The template and the manifest of a pipeline in `out`; refused with the reasons if invalid."""
    found = check(pipeline)
    if found:
        raise PipelineError(f"pipeline {pipeline.name} is invalid: " + "; ".join(found))
    out.mkdir(parents=True, exist_ok=True)
    text = pipeline.template()
    template = out / f"{pipeline.name}{TEMPLATE_SUFFIX}"
    manifest_file = out / f"{pipeline.name}{MANIFEST_SUFFIX}"
    template.write_text(text)
    manifest_file.write_text(manifest.dumps(manifest.build(pipeline, text)))
    return template, manifest_file


def _module_from_file(path: Path) -> Any:
    if not path.is_file():
        raise PipelineError(f"--pipelines {path}: no such file; give the use case's pipelines.py or module:ATTR")
    sys.path.insert(0, str(path.resolve().parent))  # its own step modules import from beside it
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise PipelineError(f"--pipelines {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load(source: str | None = None) -> dict[str, Pipeline]:
    """The pipelines of `source` (a .py file, or `package.module[:ATTR]`; default the registry's)."""
    if source is None:
        source = "pipelines_src.pipelines.definitions:PIPELINES"
    module_name, _, attribute = source.partition(":")
    if module_name.endswith(".py"):
        module = _module_from_file(Path(module_name))
    else:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise PipelineError(f"--pipelines {source}: cannot import {module_name} ({exc})") from exc
    found = getattr(module, attribute or "PIPELINES", None)
    if not isinstance(found, Mapping) or not found:
        raise PipelineError(f"--pipelines {source}: define PIPELINES = {{name: Pipeline or function}} in it")
    return {str(name): _pipeline(value, str(name)) for name, value in found.items()}


def _pipeline(value: Pipeline | Callable[[], Pipeline], name: str) -> Pipeline:
    pipeline = value() if callable(value) and not isinstance(value, Pipeline) else value
    if not isinstance(pipeline, Pipeline):
        raise PipelineError(f"PIPELINES[{name!r}] is not a Pipeline or a function returning one")
    return pipeline


def registry_pipeline(name: str) -> Pipeline:
    """One of the registry's own pipelines (training, batch-inference)."""
    pipelines = load()
    if name not in pipelines:
        raise PipelineError(f"no registry pipeline {name!r}: use one of {sorted(pipelines)}")
    return pipelines[name]
