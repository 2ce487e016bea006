"""`mlops lineage <model-package-arn | execution | s3-uri>`: the chain from input data to
predictions through the use case's metadata store, both ways, as text and a picture."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pipelines_src.commands import UsageError, local_dir, running_emulator, terraform_root


def _clients(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """Clients of the deployment (local emulator or AWS) and its metadata table."""
    services = ("dynamodb", "sagemaker", "s3")
    if args.local:
        from pipelines_src.commands.runs import default_root
        from pipelines_src.local import demo

        info, root = running_emulator(), Path(args.root or default_root())
        try:
            deployment = demo.Deployment.of(terraform_root(root, info).outputs(), root)
        except demo.DemoFailed as exc:
            raise UsageError(str(exc)) from exc
        return {name: info.client(name) for name in services}, args.table or deployment.metadata_table
    if not args.table:
        raise UsageError("--table: name the use case's metadata table (its root's metadata_table output)")
    import boto3

    return {name: boto3.client(name) for name in services}, args.table


def cmd_lineage(args: argparse.Namespace) -> int:
    from botocore.exceptions import ClientError

    from pipelines_src import lineage

    c, table = _clients(args)
    try:
        found = lineage.from_items(lineage.scan(c["dynamodb"], table))
        lineage.describe_packages(found, c["sagemaker"])
        lineage.describe_endpoints(found, c["sagemaker"], c["s3"])  # before resolving: a captured object names one
        node = lineage.resolve(found, args.query)
        if node.kind == "output" and node.id != args.query:
            node = lineage.credit_capture(found, c["s3"], args.query, node)
        lineage.describe_data(found, c["s3"])
        lineage.describe_reads(found, c["s3"])
    except lineage.LineageNotFound as exc:
        raise UsageError(str(exc)) from exc
    except ClientError as exc:
        raise UsageError(f"{table}: {exc.response['Error']['Message']}; give the use case's metadata table") from exc
    print(lineage.render(found, node))
    picture = args.picture or local_dir() / "lineage" / f"{node.id.rsplit('/', 1)[-1].rsplit(':', 1)[-1]}.png"
    print(f"picture: {lineage.draw(found, node, picture)}")
    return 0


def register(sub: Any) -> None:
    command = sub.add_parser(
        "lineage", help="data -> training -> model package -> batch or endpoint -> predictions, both ways"
    )
    command.add_argument("query", help="a model package ARN, an execution name, or an s3:// URI (input or prediction)")
    command.add_argument("--local", action="store_true", help="the root deployed on the local emulator")
    command.add_argument("--root", help="with --local: the deployed root (default infra/, else the registry's demo)")
    command.add_argument("--table", help="the metadata table (default with --local: the root's metadata_table output)")
    command.add_argument("--picture", type=Path, help="where the PNG goes (default .local/lineage/<name>.png)")
    command.set_defaults(func=cmd_lineage)
