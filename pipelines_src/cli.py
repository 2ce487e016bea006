"""`mlops`: the registry's command line (local emulator, Terraform roots on it, the demo)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from pipelines_src.local import emulator
from pipelines_src.local import terraform as tf

DEMO_EXAMPLE = "examples/secure-storage"


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


def cmd_demo(args: argparse.Namespace) -> int:
    info = emulator.start(_emulator_dir(), _port())
    print(f"[1/3] emulator up at {info.endpoint}")
    root = _root_for(DEMO_EXAMPLE, info)
    print(f"[2/3] terraform apply {DEMO_EXAMPLE} (real Terraform CLI and AWS provider, ~1-2 min)")
    root.apply(capture=True)
    outputs = root.outputs()
    print("[3/3] outputs:")
    print(json.dumps(outputs, indent=2))
    print("Tear down with `make demo-down`.")
    return 0


def cmd_demo_down(args: argparse.Namespace) -> int:
    info = emulator.running(_emulator_dir())
    if info is not None:
        root = _root_for(DEMO_EXAMPLE, info)
        if root.state_addresses():
            root.destroy(capture=True)
            print(f"destroyed {DEMO_EXAMPLE}")
    print("emulator: stopped" if emulator.stop(_emulator_dir()) else "emulator: was not running")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mlops", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    emu = sub.add_parser("emulator", help="start, stop, inspect or reset the local AWS emulator")
    emu.add_argument("action", choices=["up", "down", "status", "reset"])
    emu.set_defaults(func=cmd_emulator)

    tfp = sub.add_parser("tf", help="run a Terraform root against the local emulator")
    tfp.add_argument("action", choices=["plan", "apply", "destroy", "output"])
    tfp.add_argument("root", help="folder of the root, e.g. examples/secure-storage")
    tfp.add_argument("--var-file", action="append", default=[], help="tfvars file (repeatable)")
    tfp.set_defaults(func=cmd_tf)

    demo = sub.add_parser("demo", help="run the embedded default end to end")
    demo.set_defaults(func=cmd_demo)
    down = sub.add_parser("demo-down", help="destroy the demo and stop the emulator")
    down.set_defaults(func=cmd_demo_down)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.func
    try:
        return handler(args)
    except (emulator.EmulatorError, tf.TerraformError) as exc:
        print(f"mlops: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
