"""`mlops`: the registry's command line — the local emulator and module registry, Terraform roots
on them, the demo, pipelines and step code, the policy gate, releases and new use cases.

Exit codes: 0 success, 1 a failure to report (policy findings, a failed execution, a failed
Terraform command), 2 bad input (one line naming the fix, nothing written).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from botocore.exceptions import ConnectionClosedError, EndpointConnectionError

from pipelines_src.commands import (
    UsageError,
    cicd,
    emulator_dir,
    endpoints,
    gate,
    lineage,
    local,
    pipelines,
    releases,
    runs,
)
from pipelines_src.local import emulator, images
from pipelines_src.local import terraform as tf
from pipelines_src.local.service import ServiceError
from pipelines_src.steps.container import StepError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlops", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for area in (local, runs, pipelines, gate, releases, cicd, endpoints, lineage):
        area.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.func
    try:
        return handler(args)
    except UsageError as exc:
        print(f"mlops: {exc.message}", file=sys.stderr)
        return 2
    except (ServiceError, tf.TerraformError, StepError, images.ImageError) as exc:
        print(f"mlops: {exc}", file=sys.stderr)
        return 1
    except (EndpointConnectionError, ConnectionClosedError) as exc:
        print(f"mlops: {_unreachable(exc)}", file=sys.stderr)
        return 1


def _unreachable(exc: EndpointConnectionError | ConnectionClosedError) -> str:
    endpoint = str(exc.kwargs.get("endpoint_url", "the AWS endpoint"))
    if endpoint.startswith(f"https://{emulator.HOST}:"):
        return (
            f"the local emulator at {endpoint} stopped answering (it was stopped or crashed): "
            "start it with `mlops emulator up` (or `make emulator-up`) and run the command again; "
            f"its log is {emulator_dir() / 'emulator.log'}"
        )
    return f"{endpoint} cannot be reached: check the network path and the region, then run the command again"


if __name__ == "__main__":
    sys.exit(main())
