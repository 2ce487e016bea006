"""Lineage of a use case's models and predictions, from its metadata store (`mlops lineage`).

Every succeeded execution leaves one item in the metadata table (the pipelines' store-metadata
state): training writes its input data, its model package, model data, hyperparameters and
metric; batch inference its input data, the package it scored with and its outputs. From those
items the chain is rebuilt both ways:

    data (s3 prefix) -> training execution -> model package -> batch execution -> predictions
                                              (promoted from) ^          data --^
                                                            model package -> endpoint -> captured traffic

so a prediction output (or an endpoint's captured traffic) leads back to the package, the
training and the data it learnt from, and a data object forward to every prediction made with
models trained on it. Endpoints come from SageMaker itself: the ones serving a package now. A package's own
description (image, model data, where it was promoted from) and, for data, the objects there now
with their ETag and version id are added when the clients are given, and on each execution the
version of every object under its input prefix when it started (the data buckets are versioned,
so that is the exact object it found there), marked when replaced or deleted since. The same code answers on
AWS and on the local runtime: both read the table and the registry through the AWS API.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pipelines_src.contracts import ContractError

# left to right in the picture
KINDS = ("data", "training", "model-package", "batch-inference", "endpoint", "output")
DEPLOYMENTS = "deployments"  # beside the endpoints' captures: the records of modules/realtime-endpoint


class LineageNotFound(ContractError):
    """The query names nothing the metadata store knows; the message says what can be asked."""


@dataclass
class Node:
    kind: str
    id: str  # an s3:// URI, an execution ARN or a model package ARN
    details: dict[str, str] = field(default_factory=dict)


@dataclass
class Lineage:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: set[tuple[str, str]] = field(default_factory=set)  # (from, to): `to` was made from `from`

    def add(self, kind: str, node_id: str, **details: str) -> str:
        node = self.nodes.setdefault(node_id, Node(kind, node_id))
        node.details.update({k: v for k, v in details.items() if v})
        return node_id

    def link(self, source: str, target: str) -> None:
        self.edges.add((source, target))

    def upstream(self, node_id: str) -> list[str]:
        return sorted(s for s, t in self.edges if t == node_id)

    def downstream(self, node_id: str) -> list[str]:
        return sorted(t for s, t in self.edges if s == node_id)


def _flat(item: dict[str, Any]) -> dict[str, str]:
    """A DynamoDB item as {name: value} (every value S or N)."""
    return {k: str(next(iter(v.values()))) if isinstance(v, dict) else str(v) for k, v in item.items()}


def _add_training(lineage: Lineage, item: dict[str, str]) -> None:
    run = lineage.add(
        "training",
        item["execution_id"],
        started=item.get("started_at", ""),
        experiment=item.get("experiment", ""),
        metric=f"{item.get('metric', '')}={item.get('metric_value', '')}".strip("="),
        hyperparameters=item.get("hyperparameter_sets", ""),
        model_data=item.get("model_data_url", ""),
    )
    if item.get("data_uri"):
        lineage.link(lineage.add("data", item["data_uri"]), run)
    if item.get("model_package_arn"):
        package = lineage.add("model-package", item["model_package_arn"], model_card=item.get("model_card_arn", ""))
        lineage.link(run, package)


def _add_batch(lineage: Lineage, item: dict[str, str]) -> None:
    run = lineage.add(
        "batch-inference",
        item["execution_id"],
        started=item.get("started_at", ""),
        experiment=item.get("experiment", ""),
        violations=item.get("violations", ""),
    )
    if item.get("data_uri"):
        lineage.link(lineage.add("data", item["data_uri"]), run)
    if item.get("model_package_arn"):
        lineage.link(lineage.add("model-package", item["model_package_arn"]), run)
    for name in ("predictions_uri", "decisions_uri"):
        if item.get(name):
            lineage.link(run, lineage.add("output", item[name], what=name.removesuffix("_uri")))


def from_items(items: list[dict[str, Any]]) -> Lineage:
    """The lineage in the metadata table's items (raw DynamoDB items or flat ones)."""
    lineage = Lineage()
    for item in map(_flat, items):
        pipeline = item.get("pk", "").rpartition("#")[2]
        if pipeline == "training":
            _add_training(lineage, item)
        elif pipeline == "batch-inference":
            _add_batch(lineage, item)
    return lineage


def scan(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    """Every item of the metadata table (paginated)."""
    items: list[dict[str, Any]] = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=table):
        items += page["Items"]
    return items


def describe_packages(lineage: Lineage, sagemaker: Any) -> None:
    """Image, model data and approval of each package; its source when it was promoted."""
    for node in [n for n in lineage.nodes.values() if n.kind == "model-package"]:
        package = sagemaker.describe_model_package(ModelPackageName=node.id)
        container = package["InferenceSpecification"]["Containers"][0]
        metadata = package.get("CustomerMetadataProperties") or {}
        node.details.update(
            image=container.get("Image", ""),
            model_data=container.get("ModelDataUrl", ""),
            status=package.get("ModelApprovalStatus", ""),
        )
        if source := metadata.get("promoted_from"):
            lineage.link(lineage.add("model-package", source, note="promoted from (another stage's registry)"), node.id)
            node.details["promoted_by"] = f"{metadata.get('promoted_by', '')} at {metadata.get('promoted_at', '')}"


def _served_packages(sagemaker: Any, config: dict[str, Any]) -> dict[str, str]:
    """The package each variant of an endpoint configuration serves, by variant name."""
    found = {}
    for variant in config["ProductionVariants"] + config.get("ShadowProductionVariants", []):
        container = sagemaker.describe_model(ModelName=variant["ModelName"]).get("PrimaryContainer") or {}
        if container.get("ModelPackageName"):
            found[variant["VariantName"]] = str(container["ModelPackageName"])
    return found


def deployments(s3: Any, capture: str, endpoint: str) -> list[tuple[datetime, dict[str, Any]]]:
    """Every version of the endpoint's deployment record (modules/realtime-endpoint writes
    `<capture>/deployments/<endpoint>.json` at each deployment), oldest first, with its time."""
    bucket, _, prefix = capture.removeprefix("s3://").partition("/")
    key = "/".join(part for part in (prefix.strip("/"), DEPLOYMENTS, f"{endpoint}.json") if part)
    listed = s3.list_object_versions(Bucket=bucket, Prefix=key).get("Versions", [])
    found = []
    for version in sorted((v for v in listed if v["Key"] == key), key=lambda v: v["LastModified"]):
        body = s3.get_object(Bucket=bucket, Key=key, VersionId=version["VersionId"])["Body"].read()
        found.append((version["LastModified"], dict(json.loads(body))))
    return found


def _served_then(record: dict[str, Any]) -> dict[str, str]:
    variants = record.get("variants") or {}
    return {name: str(v["model_package_arn"]) for name, v in variants.items() if v.get("model_package_arn")}


def _short(package: str) -> str:
    return package.rsplit("/", 2)[-2] + "/" + package.rsplit("/", 1)[-1]


def add_deployment(
    lineage: Lineage, endpoint: dict[str, Any], capture: str, served: dict[str, str], **facts: str
) -> None:
    """One deployment of the endpoint: linked from each package it served, to that variant's traffic."""
    packages = {n.id for n in lineage.nodes.values() if n.kind == "model-package"}
    if not packages & set(served.values()):
        return
    suffix = f"@{facts['deployed']}" if facts.get("until") else ""  # the current one is the endpoint itself
    node = lineage.add(
        "endpoint",
        endpoint["EndpointArn"] + suffix,
        name=endpoint["EndpointName"],
        **facts,
        **{f"variant {variant}": _short(package) for variant, package in served.items()},
    )
    for variant, package in served.items():
        if package in packages:
            lineage.link(package, node)
            if capture:
                traffic = lineage.add(
                    "output", f"{capture.rstrip('/')}/{endpoint['EndpointName']}/{variant}/", what="captured traffic"
                )
                lineage.link(node, traffic)


def describe_endpoints(lineage: Lineage, sagemaker: Any, s3: Any | None = None) -> None:
    """Every endpoint serving a package of the lineage now, with its variants and deployment time,
    and, given `s3`, each earlier deployment its record's versions tell of; what it captured is its
    predictions (`<capture>/<endpoint>/<variant>/`), made with the package of the time."""
    names = [e["EndpointName"] for p in sagemaker.get_paginator("list_endpoints").paginate() for e in p["Endpoints"]]
    for name in sorted(names):
        endpoint = sagemaker.describe_endpoint(EndpointName=name)
        config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
        capture = (config.get("DataCaptureConfig") or {}).get("DestinationS3Uri", "")
        history = deployments(s3, capture, name) if s3 is not None and capture else []
        for (when, record), following in zip(history, [*history[1:], None], strict=True):
            if following is not None:
                facts = {"deployed": f"{when:%Y-%m-%dT%H:%M:%SZ}", "until": f"{following[0]:%Y-%m-%dT%H:%M:%SZ}"}
                add_deployment(lineage, endpoint, capture, _served_then(record), **facts)
        add_deployment(
            lineage,
            endpoint,
            capture,
            _served_packages(sagemaker, config),
            configuration=endpoint["EndpointConfigName"],
            status=endpoint["EndpointStatus"],
            deployed=f"{history[-1][0]:%Y-%m-%dT%H:%M:%SZ}" if history else str(endpoint.get("LastModifiedTime", "")),
        )


def credit_capture(lineage: Lineage, s3: Any, query: str, traffic: Node) -> Node:
    """A captured object as its own node, made by the one deployment of its endpoint in force
    when SageMaker wrote it (by the deployments' `deployed`/`until` times)."""
    makers = [lineage.nodes[u] for u in lineage.upstream(traffic.id) if lineage.nodes[u].kind == "endpoint"]
    if len(makers) < 2:
        return traffic
    bucket, _, key = query.removeprefix("s3://").partition("/")
    written = f"{s3.head_object(Bucket=bucket, Key=key)['LastModified']:%Y-%m-%dT%H:%M:%SZ}"
    maker = next(
        (m for m in makers if m.details.get("deployed", "") <= written < m.details.get("until", "9999")),
        max(makers, key=lambda m: m.details.get("deployed", "")),
    )
    node = lineage.add("output", query, what="captured request", written=written)
    lineage.link(maker.id, node)
    return lineage.nodes[node]


def describe_data(lineage: Lineage, s3: Any, limit: int = 20) -> None:
    """The objects under each data prefix now, with their ETag and version id (the data-load
    profile's content hash identifies what a job read; these say what is there today)."""
    for node in [n for n in lineage.nodes.values() if n.kind == "data"]:
        bucket, _, prefix = node.id.removeprefix("s3://").partition("/")
        listed = s3.list_object_versions(Bucket=bucket, Prefix=prefix, MaxKeys=limit).get("Versions", [])
        for version in (v for v in listed if v.get("IsLatest")):
            node.details[f"object {version['Key']}"] = (
                f"etag {version['ETag'].strip(chr(34))} version {version['VersionId']}"
            )


def _as_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def versions_at(s3: Any, uri: str, moment: datetime, limit: int = 1000) -> dict[str, tuple[dict[str, Any], bool]]:
    """Each object under `uri` as it was at `moment` (the newest version written by then, unless
    deleted by then), and whether it was replaced or deleted since: a versioned bucket keeps every
    version, so this is the exact object a job that started at `moment` found there."""
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    listed = s3.list_object_versions(Bucket=bucket, Prefix=prefix, MaxKeys=limit)
    events = [(v, False) for v in listed.get("Versions", [])] + [(d, True) for d in listed.get("DeleteMarkers", [])]
    found: dict[str, tuple[dict[str, Any], bool]] = {}
    for key in sorted({e["Key"] for e, _ in events}):
        history = sorted((e for e in events if e[0]["Key"] == key), key=lambda e: e[0]["LastModified"])
        before = [e for e in history if e[0]["LastModified"] <= moment]
        if before and not before[-1][1]:
            found[key] = (before[-1][0], len(before) < len(history))
    return found


def describe_reads(lineage: Lineage, s3: Any) -> None:
    """On each execution, the version and ETag of every object under its input data prefix when it
    started (`read <key>`), marked when it has been replaced or deleted since."""
    for run in [n for n in lineage.nodes.values() if n.kind in ("training", "batch-inference")]:
        started = _as_time(run.details.get("started", ""))
        if started is None:
            continue
        for source in [s for s in lineage.upstream(run.id) if lineage.nodes[s].kind == "data"]:
            for key, (version, changed) in versions_at(s3, source, started).items():
                note = " (replaced or deleted since)" if changed else ""
                run.details[f"read {key}"] = (
                    f"version {version['VersionId']} etag {version['ETag'].strip(chr(34))}{note}"
                )


def resolve(lineage: Lineage, query: str) -> Node:
    """The node the query names: its id, or an S3 object under an output or data prefix."""
    if query in lineage.nodes:
        return lineage.nodes[query]
    if query.startswith("s3://"):
        holders = [n for n in lineage.nodes.values() if n.kind in ("output", "data") and query.startswith(n.id)]
        if holders:
            return max(holders, key=lambda n: len(n.id))
    by_name = [  # an execution by its name, a package by group/version
        n
        for n in lineage.nodes.values()
        if (n.kind == "model-package" and n.id.endswith(f"/{query}"))
        or (n.kind != "data" and n.id.endswith(f":{query}"))
    ]
    if len(by_name) == 1:
        return by_name[0]
    raise LineageNotFound(
        f"{query}: the metadata store knows nothing by that name ({len(lineage.nodes)} items of lineage); give a "
        "model package ARN, an execution name, or an s3:// URI of an input object or a prediction output"
    )


def _walk(
    lineage: Lineage, node_id: str, step: Callable[[str], list[str]], depth: int, seen: set[str]
) -> Iterator[str]:
    for neighbour in step(node_id):
        node = lineage.nodes[neighbour]
        listed = sorted(node.details.items())
        facts = ", ".join(f"{k} {v}" for k, v in listed if not k.startswith(("object ", "read ")))
        yield f"{'    ' * depth}{node.kind:<16} {node.id}" + (f"  ({facts})"[:400] if facts else "")
        yield from (f"{'    ' * depth}    {k}: {v}" for k, v in listed if k.startswith("read "))
        if neighbour not in seen:
            seen.add(neighbour)
            yield from _walk(lineage, neighbour, step, depth + 1, seen)


def render(lineage: Lineage, node: Node) -> str:
    """The chain both ways from `node`, as indented text."""
    lines = [f"{node.kind} {node.id}"]
    lines += [f"    {k}: {v}" for k, v in sorted(node.details.items())]
    lines.append("made from (upstream):")
    lines += [f"    {line}" for line in _walk(lineage, node.id, lineage.upstream, 0, {node.id})] or ["    nothing"]
    lines.append("used by (downstream):")
    lines += [f"    {line}" for line in _walk(lineage, node.id, lineage.downstream, 0, {node.id})] or ["    nothing"]
    return "\n".join(lines)


def connected(lineage: Lineage, node_id: str) -> set[str]:
    """Every node upstream or downstream of `node_id`, and itself."""
    found = {node_id}
    for step in (lineage.upstream, lineage.downstream):
        queue = [node_id]
        while queue:
            for neighbour in step(queue.pop()):
                if neighbour not in found:
                    found.add(neighbour)
                    queue.append(neighbour)
    return found


def draw(lineage: Lineage, node: Node, target: Path) -> Path:
    """The chain through `node` as a PNG: one column per kind, arrows from source to product."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = connected(lineage, node.id)
    columns = {kind: sorted(i for i in shown if lineage.nodes[i].kind == kind) for kind in KINDS}
    place = {i: (x, -y) for x, kind in enumerate(KINDS) for y, i in enumerate(columns[kind])}
    figure, axes = plt.subplots(figsize=(3.2 * len(KINDS), 1.2 + 0.9 * max(map(len, columns.values()))))
    for source, product in (e for e in lineage.edges if e[0] in shown and e[1] in shown):
        axes.annotate("", place[product], place[source], arrowprops={"arrowstyle": "->", "color": "#607d8b"})
    for node_id, (x, y) in place.items():
        label = node_id.rsplit("/", 3)[-3:] if node_id.startswith("s3://") else node_id.rsplit(":", 1)[-1:]
        colour = "#ffe082" if node_id == node.id else "#e3f2fd"
        axes.text(x, y, "\n".join(label)[:80], ha="center", va="center", fontsize=7, bbox={"fc": colour})
    axes.set_xticks(range(len(KINDS)), KINDS)
    axes.set_yticks([])
    axes.set_xlim(-0.6, len(KINDS) - 0.4)
    axes.set_title(f"lineage of {node.id.rsplit(':', 1)[-1]}")
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target, dpi=110, bbox_inches="tight")
    plt.close(figure)
    return target
