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

from pipelines_src import approvals, monitors
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


def _csv(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.split(",") if part)


def cmd_model_quality_monitor(args: argparse.Namespace) -> int:
    if args.local:
        info = running_emulator()
        sagemaker, s3 = info.client("sagemaker"), info.client("s3")
    else:
        import boto3

        sagemaker, s3 = boto3.client("sagemaker"), boto3.client("s3")
    try:
        evaluation = args.evaluation or monitors.evaluation_of(sagemaker, args.package)
    except monitors.MonitorSetupRefused as exc:
        raise UsageError(str(exc)) from exc
    spec = monitors.ModelQualityMonitor(
        endpoint=args.endpoint,
        evaluation_uri=evaluation,
        ground_truth_uri=args.ground_truth,
        output_uri=args.output,
        role_arn=args.role,
        kms_key_arn=args.kms_key,
        subnet_ids=_csv(args.subnet_ids),
        security_group_ids=_csv(args.security_group_ids),
        threshold=args.threshold,
        tolerance=args.tolerance,
        schedule=args.schedule,
    )
    try:
        done = monitors.ensure_model_quality_monitor(sagemaker, s3, spec)
    except monitors.MonitorSetupRefused as exc:
        raise UsageError(str(exc)) from exc
    verb = "replaced" if done["replaced"] else "created"
    print(f"model-quality monitor {done['name']} {verb}, {spec.schedule}; a violation when:")
    for metric, rule in done["constraints"].items():
        print(f"    {metric} < {rule['threshold']}")
    return 0


def _register_model_quality(sub: Any) -> None:
    command = sub.add_parser(
        "model-quality-monitor",
        help="(re)create an endpoint's model-quality monitor (SageMaker API), constraints from its evaluation",
    )
    command.add_argument("endpoint", help="the endpoint whose captured predictions are checked")
    source = command.add_mutually_exclusive_group(required=True)
    source.add_argument("--evaluation", help="the served package's evaluation.json (s3://)")
    source.add_argument("--package", help="the served model package version: its ModelQuality statistics")
    command.add_argument("--ground-truth", required=True, help="where the use case uploads labels (s3:// prefix)")
    command.add_argument("--output", required=True, help="where reports and the derived constraints go (s3://)")
    command.add_argument("--role", required=True, help="the SageMaker execution role the job runs as")
    command.add_argument("--kms-key", required=True, help="the use case's key (volume and reports)")
    command.add_argument("--subnet-ids", required=True, help="comma-separated private subnets the job runs in")
    command.add_argument("--security-group-ids", required=True, help="comma-separated security groups")
    command.add_argument("--threshold", type=float, default=0.5, help="the package's decision threshold")
    command.add_argument("--tolerance", type=float, default=0.1, help="how far below its evaluation a metric may fall")
    command.add_argument(
        "--schedule",
        default=monitors.HOURLY,
        help="cron expression (default hourly), or NOW: one run over the last hour",
    )
    command.add_argument("--local", action="store_true", help="on the local emulator")
    command.set_defaults(func=cmd_model_quality_monitor)


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
    _register_model_quality(sub)
