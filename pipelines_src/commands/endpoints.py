"""`mlops endpoints`: the deployed SageMaker endpoints with their status, configuration, variants
and data-capture destination — on AWS (credentials and region from the environment), or with
--local on the emulator, where each one is a local process that really predicts (call it with
the AWS CLI or boto3 after `eval "$(mlops emulator env)"`)."""

from __future__ import annotations

import argparse
from typing import Any

from pipelines_src.commands import running_emulator


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


def register(sub: Any) -> None:
    command = sub.add_parser("endpoints", help="the deployed endpoints: status, configuration, variants, capture")
    command.add_argument("--local", action="store_true", help="the endpoints on the local emulator")
    command.set_defaults(func=cmd_endpoints)
