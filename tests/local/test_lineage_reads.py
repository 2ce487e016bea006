"""The exact objects an execution read (pipelines_src/lineage.py `versions_at`): in a versioned
bucket, the version current when it started, told apart from what was written or deleted since."""

from __future__ import annotations

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
