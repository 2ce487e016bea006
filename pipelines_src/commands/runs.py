"""Executions of a deployed use case: `mlops run` starts one and follows it state by state,
`mlops status` lists them. `--local` uses the root deployed on the emulator (any root that
exposes the local deployment outputs); without it, AWS (credentials and region from the
environment)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pipelines_src.commands import UsageError, running_emulator, terraform_root


def default_root() -> str:
    """A use case repository's `infra/`, or the registry's complete template."""
    return "infra" if Path("infra").is_dir() else "examples/use-case-complete"


def _local_targets(root: str) -> tuple[Any, dict[str, str]]:
    from pipelines_src.local import demo

    info = running_emulator()
    try:
        deployment = demo.Deployment.of(terraform_root(Path(root), info).outputs(), Path(root))
    except demo.DemoFailed as exc:
        raise UsageError(f"{exc}") from exc
    return info.client("stepfunctions"), deployment.state_machines


def _aws_targets(name: str | None) -> tuple[Any, dict[str, str]]:
    import boto3

    sfn = boto3.client("stepfunctions")
    machines = [
        m["stateMachineArn"] for p in sfn.get_paginator("list_state_machines").paginate() for m in p["stateMachines"]
    ]
    found: dict[str, str] = {}
    for pipeline in ("training", "batch-inference"):
        matching = [arn for arn in machines if arn.endswith(f"-{pipeline}") and (name is None or f":{name}-" in arn)]
        if len(matching) > 1:
            raise UsageError(
                f"several {pipeline} state machines ({', '.join(matching)}): pick one with --name <use-case>-<env>"
            )
        found.update({pipeline: matching[0]} if matching else {})
    return sfn, found


def _targets(args: argparse.Namespace) -> tuple[Any, dict[str, str]]:
    return _local_targets(args.root or default_root()) if args.local else _aws_targets(args.name)


def cmd_run(args: argparse.Namespace) -> int:
    from pipelines_src import executions

    try:
        payload = json.loads(args.input.read_text())
    except (OSError, ValueError) as exc:
        raise UsageError(f"--input {args.input}: {exc}; give a JSON file with the execution input") from exc
    if args.pipeline == "training" and isinstance(payload, dict) and "hyperparameter_sets" in payload:
        from pipelines_src.steps.training import candidate_problems

        if problems := candidate_problems(payload["hyperparameter_sets"]):
            raise UsageError(f"--input {args.input}: hyperparameter_sets: {'; '.join(problems)}")
    sfn, machines = _targets(args)
    if args.pipeline not in machines:
        raise UsageError(f"no {args.pipeline} state machine found: deploy the use case first")
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


def cmd_approve_model(args: argparse.Namespace) -> int:
    """Approve a model package, refused while its model card lacks intended-use or risk fields."""
    from pipelines_src import approvals

    if args.local:
        sagemaker = running_emulator().client("sagemaker")
    else:
        import boto3

        sagemaker = boto3.client("sagemaker")
    try:
        statuses = approvals.approve_model(sagemaker, args.package_arn, args.why)
    except approvals.ApprovalRefused as exc:
        raise UsageError(str(exc)) from exc
    print(f"{args.package_arn}: {' -> '.join(statuses)}")
    return 0


def _promotion_connect(local: bool) -> Any:
    from pipelines_src import promotion

    if not local:
        return promotion.connector()
    return promotion.connector(**running_emulator().settings())


def cmd_promote(args: argparse.Namespace) -> int:
    """Promote an approved package to the next stage's account, or roll a stage back."""
    from botocore.exceptions import ClientError

    from pipelines_src import promotion
    from pipelines_src.contracts import ContractError

    try:
        stages = promotion.load_stages(args.config)
        connect = _promotion_connect(args.local)
        if args.command == "rollback":
            done = promotion.rollback(connect, stages, args.stage, args.why)
        else:
            done = promotion.promote(connect, stages, args.package_arn, args.to, args.why)
    except ContractError as exc:
        raise UsageError(str(exc)) from exc
    except ClientError as exc:  # after the checks: AWS refused a copy or the package itself
        print(
            f"mlops: the promotion stopped at {exc.operation_name} ({exc.response['Error']['Code']}: "
            f"{exc.response['Error'].get('Message', '')}); no package was created in the target, copies already "
            "written stay under its artifacts_prefix and are overwritten by the next try",
            file=sys.stderr,
        )
        return 1
    print(f"{done.source_arn} -> {done.target_stage}: {done.target_arn} (Approved)")
    print(f"  by {done.promoted_by} at {done.promoted_at}; {len(done.copied)} artefacts copied under the target's key")
    return 0


def _register_promotion(sub: Any) -> None:
    promote = sub.add_parser("promote", help="promote an Approved package to the next stage's account (a copy)")
    promote.add_argument("package_arn", help="the Approved package version in the current stage")
    promote.add_argument("--to", required=True, help="the next stage, e.g. preprod or prod")
    back = sub.add_parser("rollback", help="promote again the version a stage had before its current one")
    back.add_argument("--stage", required=True, help="the stage to roll back, e.g. prod")
    for command in (promote, back):
        command.add_argument("--why", required=True, help="recorded in the target's package (promotion_why)")
        command.add_argument(
            "--config", type=Path, default=Path("promotion.yaml"), help="the stages (default promotion.yaml)"
        )
        command.add_argument("--local", action="store_true", help="the accounts of the local emulator")
        command.set_defaults(func=cmd_promote)


def register(sub: Any) -> None:
    _register_promotion(sub)
    approve = sub.add_parser(
        "approve-model", help="approve a model package; refused without a complete model card (--local: the emulator)"
    )
    approve.add_argument("package_arn", help="the model package ARN (the training alert names it)")
    approve.add_argument("--why", required=True, help="why it is approved (recorded as ApprovalDescription)")
    approve.add_argument("--local", action="store_true", help="the package in the local emulator")
    approve.set_defaults(func=cmd_approve_model)
    for name, helper in (("run", "start one execution and follow it state by state"), ("status", "list executions")):
        command = sub.add_parser(name, help=f"{helper} (--local: a root deployed on the emulator; else AWS)")
        if name == "run":
            command.add_argument("pipeline", choices=["training", "batch-inference"])
            command.add_argument("--input", type=Path, required=True, help="JSON file with the execution input")
        else:
            command.add_argument("--limit", type=int, default=10)
        command.add_argument("--local", action="store_true", help="the root deployed on the local emulator")
        command.add_argument(
            "--root", help="with --local: the deployed root (default infra/, else the registry's demo)"
        )
        command.add_argument("--name", help="on AWS: the use case's <use-case>-<env> when several are deployed")
        command.set_defaults(func=cmd_run if name == "run" else cmd_status)
