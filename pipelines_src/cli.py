"""`mlops`: the registry's command line — the local emulator and module registry, Terraform roots
on them, the demo, pipelines and step code, the policy gate, releases and new use cases.

Exit codes: 0 success, 1 a failure to report (policy findings, a failed execution, a failed
Terraform command), 2 bad input (one line naming the fix, nothing written).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from pipelines_src.commands import UsageError, gate, local, pipelines, releases, runs
from pipelines_src.local import images
from pipelines_src.local import terraform as tf
from pipelines_src.local.service import ServiceError
from pipelines_src.steps.container import StepError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlops", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for area in (local, runs, pipelines, gate, releases):
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


if __name__ == "__main__":
    sys.exit(main())
