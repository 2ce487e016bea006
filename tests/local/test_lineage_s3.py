"""Lineage from versioned S3 (pipelines_src/lineage.py): the exact objects an execution read (the
versions current when it started), and the deployment a captured request was made by (the
versions of the endpoint's deployment record)."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from pipelines_src import lineage
from pipelines_src.local import emulator


def test_an_execution_is_given_the_versions_there_when_it_started(local_emulator: emulator.Emulator) -> None:
    s3 = local_emulator.client("s3")
    bucket = "lineage-reads"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=bucket, Key="raw/cycles.csv", Body=b"a,b\n1,2\n")["VersionId"]
    kept = s3.put_object(Bucket=bucket, Key="raw/parts.csv", Body=b"p\n1\n")["VersionId"]
    s3.put_object(Bucket=bucket, Key="raw/gone.csv", Body=b"g\n")
    started = s3.head_object(Bucket=bucket, Key="raw/gone.csv")["LastModified"] + timedelta(milliseconds=500)
    time.sleep(1.5)
    s3.put_object(Bucket=bucket, Key="raw/cycles.csv", Body=b"a,b\n3,4\n")  # replaced after the start
    s3.delete_object(Bucket=bucket, Key="raw/gone.csv")
    s3.put_object(Bucket=bucket, Key="raw/later.csv", Body=b"l\n")  # not there at the start

    found = lineage.versions_at(s3, f"s3://{bucket}/raw/", started)
    assert {key: (v["VersionId"], changed) for key, (v, changed) in found.items() if key != "raw/gone.csv"} == {
        "raw/cycles.csv": (first, True),
        "raw/parts.csv": (kept, False),
    }
    assert found["raw/gone.csv"][1], "deleted since: read then, marked"

    graph = lineage.Lineage()
    run = graph.add(
        "training", "arn:aws:states:eu-central-1:123456789012:execution:t:run-1", started=started.isoformat()
    )
    graph.link(graph.add("data", f"s3://{bucket}/raw/"), run)
    lineage.describe_reads(graph, s3)
    assert graph.nodes[run].details["read raw/cycles.csv"].startswith(f"version {first} etag ")
    assert graph.nodes[run].details["read raw/cycles.csv"].endswith("(replaced or deleted since)")
    assert "read raw/later.csv" not in graph.nodes[run].details
    assert "    read raw/parts.csv: version" in lineage.render(graph, graph.nodes[f"s3://{bucket}/raw/"])


def test_a_captured_request_is_credited_to_the_deployment_that_served_it(local_emulator: emulator.Emulator) -> None:
    """modules/realtime-endpoint's deployment record, one version per deployment: the history
    read back oldest first, and a request captured under the first deployment credited to its
    package, not to the one serving now."""
    s3 = local_emulator.client("s3")
    bucket, capture = "lineage-capture", "s3://lineage-capture/quality/capture/"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    first, second = (f"arn:aws:sagemaker:eu-central-1:123456789012:model-package/quality/{n}" for n in (1, 2))
    record = "quality/capture/deployments/scoring.json"
    early = "quality/capture/scoring/primary/2026/12/04/18/early.jsonl"
    for key, body in ((record, first), (early, "{}"), (record, second), (early.replace("early", "late"), "{}")):
        served = {"endpoint": "scoring", "variants": {"primary": {"model_package_arn": body}}}
        s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(served).encode() if key == record else b"{}")
        time.sleep(1.1)  # S3 dates to the second

    history = lineage.deployments(s3, capture, "scoring")
    assert [r["variants"]["primary"]["model_package_arn"] for _, r in history] == [first, second]
    graph = lineage.Lineage()
    for package in (first, second):
        graph.add("model-package", package)
    endpoint = {
        "EndpointArn": "arn:aws:sagemaker:eu-central-1:123456789012:endpoint/scoring",
        "EndpointName": "scoring",
    }
    (then, _), (now, _) = history
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    lineage.add_deployment(
        graph, endpoint, capture, {"primary": first}, deployed=f"{then:{stamp}}", until=f"{now:{stamp}}"
    )
    lineage.add_deployment(graph, endpoint, capture, {"primary": second}, deployed=f"{now:{stamp}}")
    traffic = lineage.resolve(graph, f"s3://{bucket}/{early}")
    assert traffic.id == f"{capture}scoring/primary/" and len(graph.upstream(traffic.id)) == 2
    for key, package in ((early, first), (early.replace("early", "late"), second)):
        credited = lineage.credit_capture(graph, s3, f"s3://{bucket}/{key}", traffic)
        (maker,) = graph.upstream(credited.id)
        assert graph.upstream(maker) == [package], f"{key} was served by {package}"
