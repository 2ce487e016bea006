"""`mlops policy <root>`: the policy gate on any Terraform root, HCL and plan, with its waivers.

Exit codes: 0 clean, 1 findings, 2 usage or tool error (a root that is no root, an unparsable
.tf file, a waivers file that is not YAML or lacks reasons, an unknown format, a plan that
cannot be made). Bad input is reported in one line before anything is written.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from pipelines_src.commands import UsageError, root_env

PLAN_MODES = ("auto", "none")


def _plan_findings(root: Path, plan: str, work: Path) -> list[Any]:
    from pipelines_src.gate import runner
    from pipelines_src.local import emulator
    from pipelines_src.local import terraform as tf

    if plan == "none":
        return []
    if plan != "auto":
        return runner.scan_plan(runner.read_plan(Path(plan)), work / "scan", root)
    with emulator.started(work / "emulator") as info:  # a throw-away emulator: the plan touches nothing
        staged = tf.stage(root, work / "stage", info)
        try:
            planned = tf.TerraformRoot(staged, root_env(info, work)).plan_json()
        except tf.TerraformError as exc:
            hint = " (a root whose modules come from a registry needs `mlops registry up`)"
            raise runner.GateError(f"plan of {root} failed: {' '.join(str(exc).split())[:600]}{hint}") from exc
        return runner.scan_plan(planned, work / "scan", staged)


def _write(path: Path | None, text: str) -> None:
    if path is None:
        print(text, end="")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def cmd_policy(args: argparse.Namespace) -> int:
    from pipelines_src.gate import report, runner

    if args.format not in report.FORMATS:
        raise UsageError(f"policy: --format {args.format!r} is unknown: use one of {', '.join(report.FORMATS)}")
    if args.plan not in PLAN_MODES and not Path(args.plan).is_file():
        raise UsageError(f"policy: --plan {args.plan!r}: give auto, none or a plan JSON file (terraform show -json)")
    root = Path(args.root).resolve()
    try:
        runner.check_root(root)
        runner.waivers_of(root)
        with tempfile.TemporaryDirectory() as scratch:
            findings = runner.scan_hcl(root) + _plan_findings(root, args.plan, Path(scratch))
        findings = runner.apply_waivers(findings, root)
    except runner.GateError as exc:
        raise UsageError(f"policy: {exc}") from exc
    _write(args.output, report.RENDERERS[args.format](findings, root))
    if args.summary is not None:
        _write(args.summary, report.markdown(findings, root))
    return 1 if runner.failures(findings) else 0


def register(sub: Any) -> None:
    policy = sub.add_parser(
        "policy", help="the policy gate on a Terraform root: HCL and plan; exit 0 clean, 1 findings, 2 usage/tool error"
    )
    policy.add_argument("root", help="folder of the Terraform root, e.g. infra")
    policy.add_argument("--format", default="text", help="text (default), json, sarif (code scanning) or junit")
    policy.add_argument("--output", type=Path, help="write the report here instead of standard output")
    policy.add_argument("--summary", type=Path, help="also write a Markdown summary (a pull-request comment) here")
    policy.add_argument(
        "--plan",
        default="auto",
        help="auto: plan against a throw-away local emulator; none: HCL only; or a plan JSON file",
    )
    policy.set_defaults(func=cmd_policy)
