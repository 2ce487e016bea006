"""CodePipeline from the command line: `mlops cicd state PIPELINE` lists each stage's actions
with their latest status; `mlops cicd approve PIPELINE --summary WHY` answers the manual
approval waiting in it (`--reject` to refuse), which CodePipeline records with who and when.
On AWS (credentials and region from the environment), or with --local on the emulator."""

from __future__ import annotations

import argparse
from typing import Any

from botocore.exceptions import ClientError

from pipelines_src import codepipelines
from pipelines_src.commands import UsageError, running_emulator


def _client(args: argparse.Namespace) -> Any:
    if args.local:
        return running_emulator().client("codepipeline")
    import boto3

    return boto3.client("codepipeline")


def _known(call: Any, pipeline: str) -> Any:
    try:
        return call()
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "PipelineNotFoundException":
            raise UsageError(
                f"pipeline {pipeline} does not exist here: `aws codepipeline list-pipelines` names them"
            ) from exc
        raise


def cmd_state(args: argparse.Namespace) -> int:
    client = _client(args)
    found = _known(lambda: codepipelines.actions(client, args.pipeline), args.pipeline)
    for action in found:
        detail = action.error or action.summary
        print(f"{action.stage + '/' + action.action:<32} {action.status or 'not reached':<12} {detail}")
        if action.token:
            print(f"{'':<32} waiting: mlops cicd approve {args.pipeline} --stage {action.stage} --summary '<why>'")
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    if not args.summary.strip():
        raise UsageError("--summary: say why (it is recorded with the decision)")
    client = _client(args)
    try:
        approval = _known(lambda: codepipelines.waiting_approval(client, args.pipeline, args.stage), args.pipeline)
    except codepipelines.NoApproval as exc:
        raise UsageError(f"{exc}: `mlops cicd state {args.pipeline}` shows where the pipeline is") from exc
    codepipelines.decide(client, args.pipeline, approval, approve=not args.reject, summary=args.summary)
    print(f"{'rejected' if args.reject else 'approved'} {args.pipeline} {approval.stage}/{approval.action}")
    return 0


def register(sub: Any) -> None:
    cicd = sub.add_parser("cicd", help="CodePipeline: the state of a pipeline, answer its manual approval")
    actions = cicd.add_subparsers(dest="action", required=True)
    state = actions.add_parser("state", help="each action of a pipeline with its latest status")
    approve = actions.add_parser("approve", help="approve (or --reject) the manual approval waiting in a pipeline")
    approve.add_argument("--summary", required=True, help="why: recorded with the decision")
    approve.add_argument("--stage", help="the stage whose approval to answer, when several wait")
    approve.add_argument("--reject", action="store_true")
    for command, func in ((state, cmd_state), (approve, cmd_approve)):
        command.add_argument("pipeline", help="the pipeline's name, e.g. <use-case>-<env>-inference")
        command.add_argument("--local", action="store_true", help="the pipeline on the local emulator")
        command.set_defaults(func=func)
