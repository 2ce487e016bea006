"""`mlops endpoints`: the deployed SageMaker endpoints with their status, configuration, variants
and data-capture destination — on AWS (credentials and region from the environment), or with
--local on the emulator, where each one is a local process that really predicts (call it with
the AWS CLI or boto3 after `eval "$(mlops emulator env)"`).

`mlops approved-package GROUP --tfvars ROOT/approved-package.auto.tfvars.json`: the deploy step
of a deploy on approval — the group's newest Approved version, written as the serving root's
`model_package_arn`, which the next `terraform apply` of that root deploys."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pipelines_src import approvals
from pipelines_src.commands import UsageError, running_emulator


def _client(args: argparse.Namespace) -> Any:
    if args.local:
        return running_emulator().client("sagemaker")
    import boto3

    return boto3.client("sagemaker")


def describe(sagemaker: Any) -> list[str]:
    """One block of lines per endpoint."""
    lines = []
    names = [e["EndpointName"] for p in sagemaker.get_paginator("list_endpoints").paginate() for e in p["Endpoints"]]
    for name in sorted(names):
        endpoint = sagemaker.describe_endpoint(EndpointName=name)
        config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
        reason = f" ({endpoint['FailureReason']})" if endpoint.get("FailureReason") else ""
        lines.append(f"{name:<32} {endpoint['EndpointStatus']}{reason}  config {endpoint['EndpointConfigName']}")
        for variant in config["ProductionVariants"]:
            lines.append(f"    variant {variant['VariantName']}: model {variant['ModelName']}")
        capture = config.get("DataCaptureConfig") or {}
        if capture.get("EnableCapture"):
            lines.append(
                f"    capture {capture.get('InitialSamplingPercentage')} % to {capture.get('DestinationS3Uri')}"
            )
    return lines or ["no endpoints"]


def cmd_endpoints(args: argparse.Namespace) -> int:
    print("\n".join(describe(_client(args))))
    return 0


def cmd_approved_package(args: argparse.Namespace) -> int:
    target = Path(args.tfvars) if args.tfvars else None
    try:
        if target is not None:
            approvals.check_deploy_tfvars(target)
        arn = approvals.latest_approved(_client(args), args.group)
        if target is not None:
            approvals.write_deploy_tfvars(target, arn)
    except approvals.DeployFileRefused as exc:
        raise UsageError(str(exc)) from exc
    except approvals.NothingApproved as exc:
        print(exc)
        return 1
    print(arn)
    return 0


def register(sub: Any) -> None:
    command = sub.add_parser("endpoints", help="the deployed endpoints: status, configuration, variants, capture")
    command.add_argument("--local", action="store_true", help="the endpoints on the local emulator")
    command.set_defaults(func=cmd_endpoints)
    approved = sub.add_parser(
        "approved-package", help="the group's newest Approved version (the deploy step of a deploy on approval)"
    )
    approved.add_argument("group", help="the model package group")
    approved.add_argument("--tfvars", help="also write it as model_package_arn to this <name>.auto.tfvars.json")
    approved.add_argument("--local", action="store_true", help="the registry on the local emulator")
    approved.set_defaults(func=cmd_approved_package)
