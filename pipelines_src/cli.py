"""`mlops`: the registry's command line (local emulator, Terraform roots on it, the demo)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pipelines_src.local import emulator
from pipelines_src.local import terraform as tf
from pipelines_src.steps.container import StepError

DEMO_EXAMPLE = "examples/use-case-complete"


def local_dir() -> Path:
    """Where local state lives: emulator, staged roots with their Terraform state."""
    return Path(os.environ.get("MLOPS_LOCAL_DIR", tf.REPO_ROOT / ".local")).resolve()


def _emulator_dir() -> Path:
    return local_dir() / "emulator"


def _port() -> int:
    raw = os.environ.get("EMULATOR_PORT", str(emulator.DEFAULT_PORT))
    if not raw.isdigit() or not 1024 <= int(raw) <= 65535:
        raise SystemExit(f"mlops: EMULATOR_PORT={raw!r} is not a port: use a number from 1024 to 65535")
    return int(raw)


def _running_emulator() -> emulator.Emulator:
    info = emulator.running(_emulator_dir())
    if info is None:
        raise SystemExit("mlops: the local emulator is not running: start it with `make emulator-up`")
    return info


def cmd_emulator(args: argparse.Namespace) -> int:
    state = _emulator_dir()
    if args.action == "up":
        info = emulator.start(state, _port())
        print(f"emulator: up at {info.endpoint} (pid {info.pid}, CA {info.ca_file})")
    elif args.action == "down":
        print("emulator: stopped" if emulator.stop(state) else "emulator: was not running")
    elif args.action == "status":
        current = emulator.running(state)
        print(f"emulator: up at {current.endpoint} (pid {current.pid})" if current else "emulator: not running")
        return 0 if current else 3
    elif args.action == "reset":
        emulator.reset(_running_emulator())
        print("emulator: every emulated resource forgotten")
    return 0


def _root_for(path: str, info: emulator.Emulator) -> tf.TerraformRoot:
    source = Path(path)
    if not (source.is_dir() and any(source.glob("*.tf"))):
        raise SystemExit(f"mlops: {path} is not a Terraform root: give a folder with .tf files, e.g. {DEMO_EXAMPLE}")
    staged = tf.stage(source, local_dir() / "work", info)
    return tf.TerraformRoot(staged, tf.base_env(info))


def cmd_tf(args: argparse.Namespace) -> int:
    info = _running_emulator()
    root = _root_for(args.root, info)
    var_files = [Path(f) for f in args.var_file]
    if args.action == "apply":
        root.apply(var_files, capture=False)
        print(json.dumps(root.outputs(), indent=2))
    elif args.action == "plan":
        root.init()
        root.run("plan", "-input=false", *[f"-var-file={f.resolve()}" for f in var_files])
    elif args.action == "destroy":
        root.destroy(var_files, capture=False)
    elif args.action == "output":
        print(json.dumps(root.outputs(), indent=2))
    return 0


def cmd_image(args: argparse.Namespace) -> int:
    from pipelines_src.local import images

    store = images.ImageStore(_emulator_dir())
    try:
        built = store.build(args.tag, args.file, args.context)
    except images.ImageError as exc:
        raise SystemExit(f"mlops: {exc}") from exc
    print(f"image: {built.uri} built from {args.file} (code in {built.root}, env {sorted(built.environment)})")
    return 0


def _demo_root(info: emulator.Emulator) -> tf.TerraformRoot:
    from pipelines_src.local import demo

    return demo.stage(info, local_dir() / "work")


def cmd_demo(args: argparse.Namespace) -> int:
    from pipelines_src.local import demo

    started = time.monotonic()
    info = emulator.start(_emulator_dir(), _port())
    print(f"[1/6] emulator up at {info.endpoint}")
    root = _demo_root(info)
    print(f"[2/6] terraform apply {DEMO_EXAMPLE} (real Terraform CLI and AWS provider, about 70 s)")
    demo.deploy(root)
    out_dir = local_dir() / "demo"
    try:
        report = demo.run(info, root, out_dir)
    except demo.DemoFailed as exc:
        print(f"mlops demo: {exc}", file=sys.stderr)
        return 1
    print("[6/6] reports, state graphs and summary written")
    print(demo.summary(report, out_dir))
    print(f"summary.json       {demo.write_summary(report, out_dir)}")
    print(f"finished in {time.monotonic() - started:.0f} s. Tear down with `make demo-down`.")
    return 0


def cmd_demo_down(args: argparse.Namespace) -> int:
    from pipelines_src.local import demo

    info = emulator.running(_emulator_dir())
    if info is not None:
        root = _demo_root(info)
        if root.state_addresses():
            demo.teardown(root)
            print(f"destroyed {DEMO_EXAMPLE}")
    print("emulator: stopped" if emulator.stop(_emulator_dir()) else "emulator: was not running")
    return 0


def _targets(args: argparse.Namespace) -> tuple[Any, dict[str, str]]:
    """A Step Functions client and the pipelines' state machine ARNs: the demo's deployment
    (--local) or AWS (credentials and region from the environment)."""
    import boto3

    if args.local:
        from pipelines_src.local import demo

        info = _running_emulator()
        outputs = _demo_root(info).outputs()
        if "training_state_machine_arn" not in outputs:
            raise SystemExit("mlops: the local template is not deployed: run `make demo` first")
        sfn = demo.clients(info)["stepfunctions"]
        return sfn, {
            "training": outputs["training_state_machine_arn"],
            "batch-inference": outputs["batch_state_machine_arn"],
        }
    sfn = boto3.client("stepfunctions")
    machines = [
        m["stateMachineArn"] for p in sfn.get_paginator("list_state_machines").paginate() for m in p["stateMachines"]
    ]
    found: dict[str, str] = {}
    for pipeline in ("training", "batch-inference"):
        matching = [
            arn for arn in machines if arn.endswith(f"-{pipeline}") and (args.name is None or f":{args.name}-" in arn)
        ]
        if len(matching) > 1:
            names = ", ".join(matching)
            raise SystemExit(
                f"mlops: several {pipeline} state machines ({names}): pick one with --name <use-case>-<env>"
            )
        found.update({pipeline: matching[0]} if matching else {})
    return sfn, found


def cmd_run(args: argparse.Namespace) -> int:
    from pipelines_src import executions

    try:
        payload = json.loads(args.input.read_text())
    except (OSError, ValueError) as exc:
        raise SystemExit(f"mlops: --input {args.input}: {exc}; give a JSON file with the execution input") from exc
    sfn, machines = _targets(args)
    if args.pipeline not in machines:
        raise SystemExit(f"mlops: no {args.pipeline} state machine found: deploy the use case first")
    arn = executions.start(sfn, machines[args.pipeline], payload)
    print(f"started {arn}")

    def progress(state: executions.StateRun) -> None:
        print(f"  {state.status:<9} {state.name:<22} {state.seconds or 0:6.1f} s {state.detail[:160]}")

    result = executions.follow(sfn, arn, progress)
    print(f"{result.status} in {result.seconds or 0:.1f} s {result.error} {result.cause[:300]}".rstrip())
    return 0 if result.status == "SUCCEEDED" else 1


def cmd_status(args: argparse.Namespace) -> int:
    from pipelines_src import executions

    sfn, machines = _targets(args)
    for pipeline, arn in machines.items():
        print(f"{pipeline} ({arn})")
        for e in executions.recent(sfn, arn, args.limit):
            took = (e["stopDate"] - e["startDate"]).total_seconds() if e.get("stopDate") else None
            duration = f"{took:6.1f} s" if took is not None else "running"
            print(f"  {e['status']:<10} {duration:>9}  {e['startDate']:%Y-%m-%d %H:%M:%S}  {e['name']}")
    return 0


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
        for pipeline in pipelines.values():
            for path in compiler.write(pipeline, args.out):
                print(f"wrote {path}")
    except PipelineError as exc:
        raise SystemExit(f"mlops: {exc}") from exc
    return 0


def cmd_sample_data(args: argparse.Namespace) -> int:
    from pipelines_src import datasets

    path = datasets.write_sample(args.out, rows=args.rows, seed=args.seed, drift=args.drift)
    print(f"wrote {path} and {args.out / 'schema.json'}")
    return 0


def cmd_run_step(args: argparse.Namespace) -> int:
    import importlib

    from pipelines_src.steps.container import run

    module = importlib.import_module(f"pipelines_src.steps.{args.step}")
    kind = "training" if args.step == "training" else "processing"
    return run(module.main, args.step_args, kind)


def cmd_train_local(args: argparse.Namespace) -> int:
    from pipelines_src.local import chain
    from pipelines_src.pipelines import compiler
    from pipelines_src.pipelines.refs import PipelineError

    candidates = json.loads(args.hyperparameters)
    if not isinstance(candidates, list) or not candidates or not all(isinstance(c, dict) for c in candidates):
        raise SystemExit('mlops: --hyperparameters must be a JSON list of objects, e.g. \'[{"algorithm": "xgboost"}]\'')
    try:
        pipeline = compiler.load(args.pipelines)["training"]
    except (PipelineError, KeyError) as exc:
        raise SystemExit(f"mlops: --pipelines {args.pipelines}: {exc}; it must define a 'training' pipeline") from exc
    run = chain.train_locally(args.data, args.out, candidates, args.threshold, pipeline)
    print(json.dumps({k: str(v) for k, v in run.folders().items()}, indent=2))
    return 0


def cmd_new_use_case(args: argparse.Namespace) -> int:
    from pipelines_src import scaffold

    target = args.out or Path(args.name)
    try:
        made = scaffold.new_use_case(
            args.name,
            target,
            args.registry,
            namespace=args.namespace,
            constraint=args.version,
            mlops_repo=str(tf.REPO_ROOT),
        )
    except scaffold.ScaffoldError as exc:
        raise SystemExit(f"mlops: {exc}") from exc
    print(f"wrote {len(made)} files under {target}: see its README.md")
    return 0


def _local_commands(sub: Any) -> None:
    emu = sub.add_parser("emulator", help="start, stop, inspect or reset the local AWS emulator")
    emu.add_argument("action", choices=["up", "down", "status", "reset"])
    emu.set_defaults(func=cmd_emulator)

    tfp = sub.add_parser("tf", help="run a Terraform root against the local emulator")
    tfp.add_argument("action", choices=["plan", "apply", "destroy", "output"])
    tfp.add_argument("root", help="folder of the root, e.g. examples/secure-storage")
    tfp.add_argument("--var-file", action="append", default=[], help="tfvars file (repeatable)")
    tfp.set_defaults(func=cmd_tf)

    image = sub.add_parser("image", help="build a step image locally (the local `docker build`: COPY and ENV)")
    image.add_argument("action", choices=["build"])
    image.add_argument("-t", "--tag", required=True, help="the image URI the pipelines name (var image_uri)")
    image.add_argument("-f", "--file", type=Path, default=Path("Dockerfile"))
    image.add_argument("context", type=Path, nargs="?", default=Path("."))
    image.set_defaults(func=cmd_image)

    demo = sub.add_parser("demo", help="run the embedded default end to end")
    demo.set_defaults(func=cmd_demo)
    down = sub.add_parser("demo-down", help="destroy the demo and stop the emulator")
    down.set_defaults(func=cmd_demo_down)


def _pipeline_commands(sub: Any) -> None:
    asl = sub.add_parser("asl", help="compile pipelines to ASL templates + manifests for modules/ml-pipeline")
    asl.add_argument("--pipelines", help="a use case's pipelines.py (or module:ATTR); default: the registry's")
    asl.add_argument("--out", type=Path, default=Path("infra/pipelines"), help="where to write them")
    asl.set_defaults(func=cmd_asl)

    sample = sub.add_parser("sample-data", help="write the seeded predictive-maintenance sample and its schema")
    sample.add_argument("out", type=Path)
    sample.add_argument("--rows", type=int, default=4000)
    sample.add_argument("--seed", type=int, default=7)
    sample.add_argument("--drift", action="store_true", help="shift sensor distributions (monitoring demo)")
    sample.set_defaults(func=cmd_sample_data)

    step = sub.add_parser("run-step", help="run one step with the container contract (--base-dir plays /opt/ml)")
    step.add_argument("step", choices=STEPS)
    step.add_argument("step_args", nargs=argparse.REMAINDER, help="arguments of the step, e.g. --base-dir DIR")
    step.set_defaults(func=cmd_run_step)

    train = sub.add_parser("train-local", help="run every training step in order on local folders (no AWS)")
    train.add_argument("--data", type=Path, required=True, help="folder with the raw CSV/Parquet and schema.json")
    train.add_argument("--out", type=Path, required=True)
    train.add_argument(
        "--hyperparameters", default='[{"algorithm": "xgboost"}]', help="JSON list, one object per candidate"
    )
    train.add_argument("--threshold", type=float, default=0.75)
    train.add_argument("--pipelines", help="a use case's pipelines.py (or module:ATTR); default: the registry's")
    train.set_defaults(func=cmd_train_local)

    for name, helper in (("run", "start one execution and follow it state by state"), ("status", "list executions")):
        command = sub.add_parser(name, help=f"{helper} (--local: the demo's deployment; else AWS)")
        if name == "run":
            command.add_argument("pipeline", choices=["training", "batch-inference"])
            command.add_argument("--input", type=Path, required=True, help="JSON file with the execution input")
        else:
            command.add_argument("--limit", type=int, default=10)
        command.add_argument("--local", action="store_true", help="the local emulator's deployment (make demo)")
        command.add_argument("--name", help="on AWS: the use case's <use-case>-<env> when several are deployed")
        command.set_defaults(func=cmd_run if name == "run" else cmd_status)


def _use_case_commands(sub: Any) -> None:
    new = sub.add_parser("new-use-case", help="write a use-case repository consuming the registry's modules")
    new.add_argument("name", help="3-20 lowercase letters, digits, hyphens")
    new.add_argument("--out", type=Path, help="target folder (default ./<name>); must be new or empty")
    new.add_argument("--registry", default="127.0.0.1:8443", help="module registry host (make registry)")
    new.add_argument("--namespace", default="mlops")
    new.add_argument("--version", default="~> 0.1", help="version constraint of the modules")
    new.set_defaults(func=cmd_new_use_case)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mlops", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _local_commands(sub)
    _pipeline_commands(sub)
    _use_case_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.func
    try:
        return handler(args)
    except (emulator.EmulatorError, tf.TerraformError, StepError) as exc:
        print(f"mlops: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
