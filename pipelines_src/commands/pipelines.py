"""Pipelines and step code: compile pipelines (`mlops asl`), sample data, one step with the
container contract (`mlops run-step`), every training job on local folders (`mlops train-local`)."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from pipelines_src.commands import UsageError

STEPS = (
    "batch_inference",
    "data_load",
    "evaluation",
    "feature_engineering",
    "monitoring",
    "post_processing",
    "training",
)


def cmd_asl(args: argparse.Namespace) -> int:
    from pipelines_src.pipelines import compiler
    from pipelines_src.pipelines.refs import PipelineError

    try:
        pipelines = compiler.load(args.pipelines)
    except PipelineError as exc:
        raise UsageError(f"{exc}") from exc
    invalid = {name: found for name, pipeline in pipelines.items() if (found := compiler.check(pipeline))}
    if invalid:  # all of them valid before anything is written
        reasons = "; ".join(f"pipeline {name} is invalid: {'; '.join(found)}" for name, found in invalid.items())
        raise UsageError(f"{reasons} (nothing written)")
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {args.out} is a file: give the folder to write the templates into")
    try:
        for pipeline in pipelines.values():
            for path in compiler.write(pipeline, args.out):
                print(f"wrote {path}")
    except OSError as exc:
        raise UsageError(f"--out {args.out}: {exc.strerror or exc}; give a folder you can write") from exc
    return 0


MAX_SAMPLE_ROWS = 5_000_000  # about 0.5 GB of CSV: more is no sample


def cmd_sample_data(args: argparse.Namespace) -> int:
    from pipelines_src import datasets

    if not 1 <= args.rows <= MAX_SAMPLE_ROWS:
        raise UsageError(f"--rows {args.rows}: give a number of rows from 1 to {MAX_SAMPLE_ROWS:,}")
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"{args.out} is a file: give a folder to write the sample and its schema into")
    written = [args.out / name for name in (datasets.sample_file_name(args.drift), "schema.json")]
    if not args.force and (kept := [str(p) for p in written if p.exists()]):
        raise UsageError(f"{', '.join(kept)} already exist: nothing was written; add --force to replace them")
    path = datasets.write_sample(args.out, rows=args.rows, seed=args.seed, drift=args.drift)
    print(f"wrote {path} and {args.out / 'schema.json'}")
    return 0


def _check_base_dir(step_args: list[str]) -> None:
    """A step run by hand needs the folder that plays /opt/ml: /opt/ml is the container's, and
    this machine's must not be written."""
    base = os.environ.get("SM_BASE_DIR")
    for index, arg in enumerate(step_args):
        if arg.startswith("--base-dir="):
            base = arg.split("=", 1)[1]
        elif arg == "--base-dir" and index + 1 < len(step_args):
            base = step_args[index + 1]
    if not base:
        raise UsageError("run-step outside a container: give --base-dir DIR (it plays /opt/ml) or set SM_BASE_DIR")
    if Path(base).exists() and not Path(base).is_dir():
        raise UsageError(f"--base-dir {base} is a file: give the folder that plays /opt/ml")


def cmd_run_step(args: argparse.Namespace) -> int:
    import importlib

    from pipelines_src.steps.container import run

    _check_base_dir(args.step_args)
    module = importlib.import_module(f"pipelines_src.steps.{args.step}")
    kind = "training" if args.step == "training" else "processing"
    return run(module.main, args.step_args, kind)


def cmd_train_local(args: argparse.Namespace) -> int:
    from pipelines_src.local import chain
    from pipelines_src.pipelines import compiler
    from pipelines_src.pipelines.refs import PipelineError

    try:
        candidates = json.loads(args.hyperparameters)
    except ValueError as exc:
        raise UsageError(f"--hyperparameters: {exc}; give a JSON list of objects") from exc
    from pipelines_src.steps.training import candidate_problems

    if problems := candidate_problems(candidates):
        raise UsageError(f'--hyperparameters: {"; ".join(problems)} (e.g. \'[{{"algorithm": "xgboost"}}]\')')
    try:
        pipeline = compiler.load(args.pipelines)["training"]
    except (PipelineError, KeyError) as exc:
        raise UsageError(f"--pipelines {args.pipelines}: {exc}; it must define a 'training' pipeline") from exc
    run = chain.train_locally(args.data, args.out, candidates, args.threshold, pipeline)
    print(json.dumps({k: str(v) for k, v in run.folders().items()}, indent=2))
    return 0


def register(sub: Any) -> None:
    asl = sub.add_parser("asl", help="compile pipelines to ASL templates + manifests for modules/ml-pipeline")
    asl.add_argument("--pipelines", help="a use case's pipelines.py (or module:ATTR); default: the registry's")
    asl.add_argument("--out", type=Path, default=Path("infra/pipelines"), help="where to write them")
    asl.set_defaults(func=cmd_asl)

    sample = sub.add_parser("sample-data", help="write the seeded predictive-maintenance sample and its schema")
    sample.add_argument("out", type=Path)
    sample.add_argument("--rows", type=int, default=4000)
    sample.add_argument("--seed", type=int, default=7)
    sample.add_argument("--drift", action="store_true", help="shift sensor distributions (monitoring demo)")
    sample.add_argument("--force", action="store_true", help="replace a sample or schema already in the folder")
    sample.set_defaults(func=cmd_sample_data)

    step = sub.add_parser("run-step", help="run one step with the container contract (--base-dir plays /opt/ml)")
    step.add_argument("step", choices=STEPS)
    step.add_argument("step_args", nargs=argparse.REMAINDER, help="arguments of the step, e.g. --base-dir DIR")
    step.set_defaults(func=cmd_run_step)

    train = sub.add_parser("train-local", help="run every training job in order on local folders (no AWS)")
    train.add_argument("--data", type=Path, required=True, help="folder with the raw CSV/Parquet and schema.json")
    train.add_argument("--out", type=Path, required=True)
    train.add_argument(
        "--hyperparameters", default='[{"algorithm": "xgboost"}]', help="JSON list, one object per candidate"
    )
    train.add_argument("--threshold", type=float, default=0.75)
    train.add_argument("--pipelines", help="a use case's pipelines.py (or module:ATTR); default: the registry's")
    train.set_defaults(func=cmd_train_local)
