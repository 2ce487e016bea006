"""`mlops endpoints`: the deployed SageMaker endpoints with their status, configuration, variants
and data-capture destination — on AWS (credentials and region from the environment), or with
--local on the emulator, where each one is a local process that really predicts (call it with
the AWS CLI or boto3 after `eval "$(mlops emulator env)"`).

`mlops approved-package GROUP --tfvars ROOT/approved-package.auto.tfvars.json`: the deploy step
of a deploy on approval — the group's newest Approved version, written as the serving root's
`model_package_arn`, which the next `terraform apply` of that root deploys.

`mlops model-quality-monitor` and `mlops clarify-monitors`: the endpoint monitors the AWS
provider cannot create (model quality; model bias and explainability), set up through the
SageMaker API from the served package's own evaluation and training baselines."""

from __future__ import annotations

import argparse
import json
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


def _clients(args: argparse.Namespace) -> tuple[Any, Any]:
    if args.local:
        info = running_emulator()
        return info.client("sagemaker"), info.client("s3")
    import boto3

    return boto3.client("sagemaker"), boto3.client("s3")


def _cloudwatch(args: argparse.Namespace) -> Any:
    if args.local:
        return running_emulator().client("cloudwatch")
    import boto3

    return boto3.client("cloudwatch")


def _placement(args: argparse.Namespace) -> monitors.Placement:
    return monitors.Placement(
        endpoint=args.endpoint,
        output_uri=args.output,
        role_arn=args.role,
        kms_key_arn=args.kms_key,
        subnet_ids=_csv(args.subnet_ids),
        security_group_ids=_csv(args.security_group_ids),
        schedule=args.schedule,
    )


def cmd_model_quality_monitor(args: argparse.Namespace) -> int:
    sagemaker, s3 = _clients(args)
    try:
        evaluation = args.evaluation or monitors.evaluation_of(sagemaker, args.package)
        threshold = monitors.decision_threshold_of(s3, evaluation) if args.threshold is None else args.threshold
        spec = monitors.ModelQualityMonitor(
            _placement(args),
            evaluation,
            args.ground_truth,
            threshold=threshold,
            tolerance=args.tolerance,
            alarm_topic_arn=args.alarm_topic,
        )
        done = monitors.ensure_model_quality_monitor(sagemaker, s3, spec, _cloudwatch(args))
    except monitors.MonitorSetupRefused as exc:
        raise UsageError(str(exc)) from exc
    verb = "replaced" if done["replaced"] else "created"
    print(f"model-quality monitor {done['name']} {verb}, {args.schedule}; a violation when:")
    for metric, rule in done["constraints"].items():
        print(f"    {metric} < {rule['threshold']}")
    if done["alarms"]:
        print(f"alarms {', '.join(done['alarms'])} alert {args.alarm_topic}")
    return 0


def cmd_clarify_monitors(args: argparse.Namespace) -> int:
    sagemaker, s3 = _clients(args)
    try:
        baseline = args.baseline or monitors.baseline_of(sagemaker, args.package)
        threshold = args.threshold
        if threshold is None and not args.package:
            raise UsageError("--threshold: give the served model's decision threshold (or --package to read it)")
        if threshold is None:
            threshold = monitors.decision_threshold_of(s3, monitors.evaluation_of(sagemaker, args.package))
        spec = monitors.ClarifyMonitors(
            _placement(args),
            baseline,
            args.ground_truth,
            args.facet,
            label=args.label,
            threshold=threshold,
            tolerance=args.tolerance,
            alarm_topic_arn=args.alarm_topic,
        )
        done = monitors.ensure_clarify_monitors(sagemaker, s3, spec, _cloudwatch(args))
    except monitors.MonitorSetupRefused as exc:
        raise UsageError(str(exc)) from exc
    for name, replaced in done["replaced"].items():
        print(f"{name} {'replaced' if replaced else 'created'}, {args.schedule}, baseline {baseline}")
    if done["alarms"]:
        print(f"alarms {', '.join(done['alarms'])} alert {args.alarm_topic}")
    return 0


def cmd_endpoint_monitors(args: argparse.Namespace) -> int:
    path = Path(args.outputs)
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"--outputs {path}: not a readable JSON file ({exc}): terraform output -json api_monitors"
        ) from exc
    sagemaker, s3 = _clients(args)
    try:
        fields = monitors.api_monitors_of(document, f"--outputs {path}")
        done = monitors.ensure_endpoint_monitors(sagemaker, s3, _cloudwatch(args), fields, args.schedule)
    except monitors.MonitorSetupRefused as exc:
        raise UsageError(str(exc)) from exc
    print(f"monitors of {fields['endpoint_name']} serving {fields['model_package_arn']}, {args.schedule}:")
    print("\n".join(f"    {line}" for line in done))
    return 0


def _monitor_arguments(command: Any) -> None:
    """Where the monitoring jobs run and write, and when: the same for every monitor command."""
    command.add_argument("endpoint", help="the endpoint whose captured traffic is checked")
    command.add_argument("--ground-truth", required=True, help="where the use case uploads labels (s3:// prefix)")
    command.add_argument("--output", required=True, help="where reports and the derived files go (s3://)")
    command.add_argument("--role", required=True, help="the SageMaker execution role the jobs run as")
    command.add_argument("--kms-key", required=True, help="the use case's key (volume and reports)")
    command.add_argument("--subnet-ids", required=True, help="comma-separated private subnets the jobs run in")
    command.add_argument("--security-group-ids", required=True, help="comma-separated security groups")
    command.add_argument(
        "--threshold",
        type=float,
        help="the served model's decision threshold (default: the one its evaluation records)",
    )
    command.add_argument(
        "--schedule",
        default=monitors.HOURLY,
        help="cron expression (default hourly), or NOW: one run over the last hour",
    )
    command.add_argument("--alarm-topic", help="alarms on the metrics the runs publish alert this SNS topic")
    command.add_argument("--local", action="store_true", help="on the local emulator")


def _register_monitors(sub: Any) -> None:
    quality = sub.add_parser(
        "model-quality-monitor",
        help="(re)create an endpoint's model-quality monitor (SageMaker API), constraints from its evaluation",
    )
    _monitor_arguments(quality)
    source = quality.add_mutually_exclusive_group(required=True)
    source.add_argument("--evaluation", help="the served package's evaluation.json (s3://)")
    source.add_argument("--package", help="the served model package version: its ModelQuality statistics")
    quality.add_argument("--tolerance", type=float, default=0.1, help="how far below its evaluation a metric may fall")
    quality.set_defaults(func=cmd_model_quality_monitor)
    clarify = sub.add_parser(
        "clarify-monitors",
        help="(re)create an endpoint's model-bias and model-explainability monitors (SageMaker API)",
    )
    _monitor_arguments(clarify)
    baseline = clarify.add_mutually_exclusive_group(required=True)
    baseline.add_argument("--baseline", help="the training monitoring output with bias.json, explainability.json")
    baseline.add_argument("--package", help="the served model package version: its training monitoring output")
    clarify.add_argument("--facet", required=True, help="the records' sensitive field bias is measured for")
    clarify.add_argument("--label", default="label", help="the label's name in the bias report")
    clarify.add_argument(
        "--tolerance",
        type=float,
        default=0.1,
        help="how much further from fair than its baseline a bias metric may move before its alarm",
    )
    clarify.set_defaults(func=cmd_clarify_monitors)
    from_root = sub.add_parser(
        "endpoint-monitors",
        help="(re)create the model-quality, bias and explainability monitors from a serving root's api_monitors output",
    )
    from_root.add_argument("--outputs", required=True, help="the root's `terraform output -json api_monitors` (a file)")
    from_root.add_argument("--schedule", default=monitors.HOURLY, help="cron expression (default hourly), or NOW")
    from_root.add_argument("--local", action="store_true", help="on the local emulator")
    from_root.set_defaults(func=cmd_endpoint_monitors)


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
    _register_monitors(sub)
