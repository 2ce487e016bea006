"""The embedded default: the emulator, the local module registry, Terraform roots on them, local
images, and the demo of a use case's template (`mlops demo <root>`)."""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from pipelines_src.commands import (
    UsageError,
    emulator_dir,
    local_dir,
    port_setting,
    registry_dir,
    require_roots,
    root_env,
    running_emulator,
    terraform_root,
)
from pipelines_src.local import emulator
from pipelines_src.local import terraform as tf


def cmd_emulator(args: argparse.Namespace) -> int:
    state = emulator_dir()
    if args.action == "up":
        info = emulator.start(state, port_setting("EMULATOR_PORT", emulator.DEFAULT_PORT))
        print(f"emulator: up at {info.endpoint} (pid {info.pid}, CA {info.ca_file})")
    elif args.action == "down":
        print("emulator: stopped" if emulator.stop(state) else "emulator: was not running")
    elif args.action == "status":
        current = emulator.running(state)
        print(f"emulator: up at {current.endpoint} (pid {current.pid})" if current else "emulator: not running")
        return 0 if current else 3
    elif args.action == "reset":
        emulator.reset(running_emulator())
        print("emulator: every emulated resource forgotten")
    elif args.action == "env":
        print(_exports(running_emulator()))
    return 0


def _exports(info: emulator.Emulator) -> str:
    """`eval "$(mlops emulator env)"`: the AWS CLI and boto3 of this shell talk to the emulator."""
    values = root_env(info)
    keys = (
        "AWS_ENDPOINT_URL",
        "AWS_CA_BUNDLE",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    )
    return "\n".join(f"export {key}={shlex.quote(values[key])}" for key in keys)


def cmd_registry(args: argparse.Namespace) -> int:
    from pipelines_src.registry import server

    state = registry_dir()
    if args.action == "up":
        root = args.root or server.bundled_archives()
        if root is None or not Path(root).is_dir():
            raise UsageError(
                "registry: no module archives to serve: pass --root DIR (mlops package writes dist/modules)"
            )
        registry = server.start(state, Path(root), args.namespace, args.port or None)
        print(
            f"registry: up at {registry.url}, serving {root} as {tf.LOCAL_REGISTRY_HOST}/{args.namespace}/<module>/aws"
        )
    elif args.action == "down":
        print("registry: stopped" if server.SERVICE.stop(state) else "registry: was not running")
    else:
        current = server.running(state)
        print(f"registry: up at {current.url}" if current else "registry: not running")
        return 0 if current else 3
    return 0


def _variables(pairs: list[str]) -> dict[str, str]:
    found = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"--var {pair!r}: write NAME=VALUE, e.g. --var image_uri=<uri>")
        found[name] = value
    return found


def _var_files(names: list[str]) -> list[Path]:
    files = [Path(f) for f in names]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise UsageError(f"--var-file {', '.join(missing)}: no such file")
    return files


def cmd_tf(args: argparse.Namespace) -> int:
    var_files, variables = _var_files(args.var_file), _variables(args.var)
    info = running_emulator()
    root = terraform_root(Path(args.root), info, args.account)
    if args.action == "apply":
        root.apply(var_files, variables, capture=False)
        print(json.dumps(root.outputs(), indent=2))
    elif args.action == "plan":
        root.init()
        root.run("plan", "-input=false", *root.var_args(var_files, variables))
    elif args.action == "destroy":
        from pipelines_src.local import demo

        demo.teardown(root, var_files, Path(args.root), variables)
    elif args.action == "output":
        print(json.dumps(root.outputs(), indent=2))
    return 0


def cmd_image(args: argparse.Namespace) -> int:
    from pipelines_src.local import images

    try:
        built = images.ImageStore(emulator_dir()).build(args.tag, args.file, args.context)
    except images.ImageError as exc:
        raise UsageError(f"image: {exc}") from exc
    print(f"image: {built.uri} built from {args.file} (code in {built.root}, env {sorted(built.environment)})")
    return 0


def _hyperparameters(path: Path | None) -> list[dict[str, Any]] | None:
    if path is None:
        return None
    try:
        candidates = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UsageError(f"--hyperparameters {path}: {exc}; give a JSON list of objects, one per candidate") from exc
    from pipelines_src.steps.training import candidate_problems

    if problems := candidate_problems(candidates):
        raise UsageError(f"--hyperparameters {path}: {'; '.join(problems)}")
    return [{k: v if isinstance(v, str) else json.dumps(v) for k, v in c.items()} for c in candidates]


def cmd_demo(args: argparse.Namespace) -> int:
    from pipelines_src.local import demo

    started = time.monotonic()
    source, var_files, variables = Path(args.root), _var_files(args.var_file), _variables(args.var)
    candidates = _hyperparameters(args.hyperparameters)
    require_roots(source, Path(args.serving_root) if args.serving_root else None)
    info = emulator.start(emulator_dir(), port_setting("EMULATOR_PORT", emulator.DEFAULT_PORT))
    print(f"[1/8] emulator up at {info.endpoint}")
    root = terraform_root(source, info)
    print(f"[2/8] terraform apply {source} (real Terraform CLI and AWS provider)")
    outputs = demo.deploy(root, var_files, variables)
    out_dir = local_dir() / "demo"
    serving = terraform_root(Path(args.serving_root), info) if args.serving_root else None
    try:
        deployment = demo.Deployment.of(outputs, source)
        report = demo.run(info, deployment, out_dir, hyperparameter_sets=candidates, serving_root=serving)
    except demo.DemoFailed as exc:
        print(f"mlops demo: {exc}", file=sys.stderr)
        return 1
    print("[8/8] reports, state graphs and summary written")
    print(demo.summary(report, out_dir))
    print(f"summary.json       {demo.write_summary(report, out_dir)}")
    down = f"mlops demo-down {source}" + (f" --serving-root {args.serving_root}" if args.serving_root else "")
    print(f"finished in {time.monotonic() - started:.0f} s. Tear down with `{down}`.")
    return 0


def cmd_demo_promotion(args: argparse.Namespace) -> int:
    from pipelines_src.contracts import ContractError
    from pipelines_src.local import demo, demo_promotion

    started = time.monotonic()
    require_roots(Path(args.root), Path(args.lake_root), Path(args.stage_root))
    info = emulator.start(emulator_dir(), port_setting("EMULATOR_PORT", emulator.DEFAULT_PORT))
    print(
        f"[1/6] emulator up at {info.endpoint}: accounts data lake {demo_promotion.LAKE}, dev (its own), "
        + ", ".join(f"{stage} {account}" for stage, account in demo_promotion.STAGE_ACCOUNTS.items())
    )
    roots = demo_promotion.Roots(
        Path(args.root), _var_files(args.var_file), Path(args.lake_root), Path(args.stage_root)
    )
    out_dir = local_dir() / "demo-promotion"
    run = demo_promotion.PromotionDemo(info, lambda path, account: terraform_root(path, info, account), roots)
    try:
        report = run.run(out_dir)
    except (demo.DemoFailed, ContractError) as exc:
        print(f"mlops demo-promotion: {exc}", file=sys.stderr)
        return 1
    print(demo_promotion.summary(report))
    print(f"summary.json    {demo_promotion.write_summary(report, out_dir)}")
    print(f"finished in {time.monotonic() - started:.0f} s. Tear down with `mlops demo-down {args.root}`.")
    return 0


def cmd_demo_down(args: argparse.Namespace) -> int:
    from pipelines_src.local import demo
    from pipelines_src.registry import server

    info = emulator.running(emulator_dir())
    if info is not None and args.serving_root:
        serving = terraform_root(Path(args.serving_root), info)
        if serving.state_addresses():  # first: it stands on the platform's network, key and bucket
            serving.destroy([])  # with the variables the demo saved beside it
            print(f"destroyed {args.serving_root}")
    if info is not None:
        root = terraform_root(Path(args.root), info)
        if root.state_addresses():
            demo.teardown(root, _var_files(args.var_file), Path(args.root), _variables(args.var))
            print(f"destroyed {args.root}")
    print("emulator: stopped" if emulator.stop(emulator_dir()) else "emulator: was not running")
    # The other accounts' roots (mlops demo-promotion, mlops tf --account) lived only in the
    # emulator's memory, gone with it: their states would name resources that no longer exist.
    for stale in sorted((local_dir() / "work").glob("account-*")):
        shutil.rmtree(stale)
        print(f"forgot {stale.name}'s roots (their resources went with the emulator)")
    if server.SERVICE.stop(registry_dir()):
        print("registry: stopped")
    return 0


def _register_demo_promotion(sub: Any) -> None:
    command = sub.add_parser(
        "demo-promotion", help="data lake -> dev trains -> preprod smoke -> prod scores, one account each, locally"
    )
    command.add_argument("root", nargs="?", default="examples/use-case-complete", help="dev's root (make demo's)")
    command.add_argument("--var-file", action="append", default=[], help="tfvars file of dev's root (repeatable)")
    command.add_argument("--lake-root", default="examples/data-lake", help="the data-lake account's root")
    command.add_argument(
        "--stage-root", default="examples/batch-inference-only", help="preprod's and prod's root (inference only)"
    )
    command.set_defaults(func=cmd_demo_promotion)


def register(sub: Any) -> None:
    _register_demo_promotion(sub)
    emu = sub.add_parser(
        "emulator", help="start, stop, inspect or reset the local AWS emulator; env: its shell exports"
    )
    emu.add_argument("action", choices=["up", "down", "status", "reset", "env"])
    emu.set_defaults(func=cmd_emulator)

    reg = sub.add_parser("registry", help="serve module archives as a Terraform module registry on 127.0.0.1")
    reg.add_argument("action", choices=["up", "down", "status"])
    reg.add_argument("--root", type=Path, help="archives as `mlops package` writes them (default: the tooling's own)")
    reg.add_argument("--namespace", default="mlops")
    reg.add_argument("--port", type=int, default=0, help="default: a free port")
    reg.set_defaults(func=cmd_registry)

    tfp = sub.add_parser("tf", help="run a Terraform root against the local emulator (and registry)")
    tfp.add_argument("action", choices=["plan", "apply", "destroy", "output"])
    tfp.add_argument("root", help="folder of the root, e.g. infra or examples/secure-storage")
    tfp.add_argument("--var-file", action="append", default=[], help="tfvars file (repeatable)")
    tfp.add_argument("--var", action="append", default=[], help="NAME=VALUE of a variable (repeatable)")
    tfp.add_argument(
        "--account",
        help="deploy into this emulator account (12 digits; a stage's, e.g. prod's): the root's provider "
        f"assumes {tf.LOCAL_DEPLOYER_ROLE} there; default the emulator's own account",
    )
    tfp.set_defaults(func=cmd_tf)

    image = sub.add_parser("image", help="step images built locally (the local `docker build`: COPY and ENV)")
    # A sub-command, not a positional action: argparse would give a trailing context to neither.
    build = image.add_subparsers(dest="action", required=True).add_parser("build", help="build a step image")
    build.add_argument("-t", "--tag", required=True, help="the image URI the pipelines name (var image_uri)")
    build.add_argument("-f", "--file", type=Path, default=Path("Dockerfile"))
    build.add_argument("context", type=Path, nargs="?", default=Path("."))
    build.set_defaults(func=cmd_image)

    for name, helper, func in (
        ("demo", "deploy a root locally, train, approve, score a batch", cmd_demo),
        ("demo-down", "destroy a demo root and stop the emulator and registry", cmd_demo_down),
    ):
        command = sub.add_parser(name, help=helper)
        command.add_argument("root", nargs="?", default="examples/use-case-complete")
        command.add_argument("--var-file", action="append", default=[], help="tfvars file (repeatable)")
        command.add_argument("--var", action="append", default=[], help="NAME=VALUE of a variable (repeatable)")
        command.add_argument(
            "--serving-root",
            help="a real-time serving root on top of ROOT (the registry's: examples/realtime-endpoint)",
        )
        if name == "demo":
            command.add_argument(
                "--hyperparameters", type=Path, help="JSON list of candidates (a use case's training.json)"
            )
        command.set_defaults(func=func)
