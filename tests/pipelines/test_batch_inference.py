"""Batch Transform semantics of the batch-inference engine."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from pipelines_src.steps import artifacts
from pipelines_src.steps import batch_inference as bi
from pipelines_src.steps.container import StepError

CSV = bi.TransformConfig(input_filter="$[1:]", join_source="Input")


@pytest.fixture(scope="module")
def model_dir(trained: dict[str, Path]) -> Path:
    return trained["candidate-0"]


@pytest.fixture(scope="module")
def width(model_dir: Path) -> int:
    return int(artifacts.load_model(model_dir).num_features())


def _write_rows(path: Path, rows: int, width: int, start_id: int = 1, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    lines = [",".join([str(start_id + i), *(f"{v:.4f}" for v in rng.normal(size=width))]) for i in range(rows)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return lines


@pytest.mark.parametrize(
    ("path", "record", "expected"),
    [
        ("$", [1, 2, 3], [1, 2, 3]),
        ("$[1:]", [1, 2, 3], [2, 3]),
        ("$[0,-1]", [1, 2, 3], [1, 3]),
        ("$[1]", [1, 2, 3], 2),
        ("$.features", {"features": [1, 2], "id": 7}, [1, 2]),
        ("$['id','score']", {"id": 7, "score": 0.5, "x": 1}, {"id": 7, "score": 0.5}),
    ],
)
def test_jsonpath_filters(path: str, record: object, expected: object) -> None:
    assert bi.select(path, record) == expected


def test_unsupported_filter_names_the_supported_forms() -> None:
    with pytest.raises(StepError, match=r"use \$, \$\[i\]"):
        bi.select("$..deep", [1])


def test_multirecord_batches_respect_max_payload(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("".join(f"{i:09d},{'x' * 90}\n" for i in range(100)))  # 101 bytes a line
    config = bi.TransformConfig(max_payload_mb=1010 / 1024 / 1024)
    with path.open() as lines:
        sizes = [len(b) for b in bi.batches(lines, config)]
    assert sizes == [10] * 10
    with path.open() as lines:
        assert all(len(b) == 1 for b in bi.batches(lines, bi.TransformConfig(batch_strategy="SingleRecord")))
    with path.open() as lines, pytest.raises(StepError, match="line 1 is 101 bytes, larger than MaxPayloadInMB"):
        list(bi.batches(lines, bi.TransformConfig(max_payload_mb=50 / 1024 / 1024)))


def test_rows_out_equal_rows_in_in_order_joined_with_input(model_dir: Path, width: int, tmp_path: Path) -> None:
    lines = _write_rows(tmp_path / "in" / "part-1.csv", 2500, width)
    totals = bi.transform(
        model_dir,
        tmp_path / "in",
        tmp_path / "out",
        bi.TransformConfig(input_filter="$[1:]", join_source="Input", max_payload_mb=0.05),
    )
    output = (tmp_path / "out" / "part-1.csv.out").read_text().splitlines()
    assert totals == {"objects": 1, "rows": 2500, "rejected": 0} and len(output) == 2500
    assert [o.rsplit(",", 1)[0] for o in output] == lines, "each output line is its input line plus the prediction"
    assert all(0.0 <= float(o.rsplit(",", 1)[1]) <= 1.0 for o in output)


def test_output_filter_keeps_id_and_prediction(model_dir: Path, width: int, tmp_path: Path) -> None:
    _write_rows(tmp_path / "in" / "a.csv", 20, width, start_id=100)
    bi.transform(
        model_dir,
        tmp_path / "in",
        tmp_path / "out",
        bi.TransformConfig(input_filter="$[1:]", join_source="Input", output_filter="$[0,-1]"),
    )
    first = (tmp_path / "out" / "a.csv.out").read_text().splitlines()[0].split(",")
    assert first[0] == "100" and len(first) == 2


def test_sharded_by_key_hosts_score_disjoint_objects(model_dir: Path, width: int, tmp_path: Path) -> None:
    for index in range(5):
        _write_rows(tmp_path / "in" / f"part-{index}.csv", 10, width, seed=index)
    done = []
    for host in range(2):
        bi.transform(model_dir, tmp_path / "in", tmp_path / f"host-{host}", CSV, host_index=host, host_count=2)
        done.append({p.name for p in (tmp_path / f"host-{host}").glob("*.out")})
    assert not done[0] & done[1] and len(done[0] | done[1]) == 5
    with pytest.raises(StepError, match="--host-index 2 must be between 0 and --host-count - 1"):
        bi.shard([], 2, 2)


def test_malformed_line_fails_with_object_line_and_reason(model_dir: Path, width: int, tmp_path: Path) -> None:
    lines = _write_rows(tmp_path / "in" / "bad.csv", 30, width)
    lines[16] = lines[16].rsplit(",", 1)[0] + ",oops"
    (tmp_path / "in" / "bad.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(StepError, match=r"bad.csv line 17: non-numeric .* --on-malformed reject"):
        bi.transform(model_dir, tmp_path / "in", tmp_path / "out", CSV)
    assert not (tmp_path / "out" / "bad.csv.out").exists(), "no partial output on failure"


def test_rejected_lines_are_kept_never_silently_dropped(model_dir: Path, width: int, tmp_path: Path) -> None:
    lines = _write_rows(tmp_path / "in" / "bad.csv", 30, width)
    lines[3] = lines[3] + ",9.9"  # one field too many
    lines[20] = lines[20].replace(",", ",x", 1)
    (tmp_path / "in" / "bad.csv").write_text("\n".join(lines) + "\n")
    totals = bi.transform(
        model_dir,
        tmp_path / "in",
        tmp_path / "out",
        bi.TransformConfig(input_filter="$[1:]", join_source="Input", on_malformed="reject"),
    )
    rejects = (tmp_path / "out" / "bad.csv.rejects").read_text().splitlines()
    assert totals["rows"] == 28 and totals["rejected"] == 2
    assert [r.split("\t")[0] for r in rejects] == ["4", "21"]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e39"], ids=["nan", "inf", "-inf", "beyond-float32"])
def test_non_finite_features_are_malformed_never_scored(
    model_dir: Path, width: int, tmp_path: Path, value: str
) -> None:
    """A nan/inf feature gives a garbage score: the run fails naming the line, or rejects it."""
    lines = _write_rows(tmp_path / "in" / "bad.csv", 40, width)
    cells = lines[9].split(",")
    cells[2] = value
    lines[9] = ",".join(cells)
    (tmp_path / "in" / "bad.csv").write_text("\n".join(lines) + "\n")
    config = bi.TransformConfig(input_filter="$[1:]", join_source="Input")
    with pytest.raises(StepError, match=r"bad.csv line 10: non-finite value \(nan or inf\) in model feature 1"):
        bi.transform(model_dir, tmp_path / "in", tmp_path / "failed", config)
    rejecting = bi.TransformConfig(input_filter="$[1:]", join_source="Input", on_malformed="reject")
    totals = bi.transform(model_dir, tmp_path / "in", tmp_path / "out", rejecting)
    assert totals["rows"] == 39 and totals["rejected"] == 1
    assert (tmp_path / "out" / "bad.csv.rejects").read_text().split("\t")[0] == "10"


def test_resume_after_crash_neither_duplicates_nor_drops(model_dir: Path, width: int, tmp_path: Path) -> None:
    for index in range(3):
        _write_rows(tmp_path / "in" / f"part-{index}.csv", 50, width, start_id=index * 50, seed=index)
    bi.transform(model_dir, tmp_path / "in", tmp_path / "reference", CSV)
    out = tmp_path / "out"
    bi.transform(model_dir, tmp_path / "in", out, CSV)
    # Simulate a crash while part-2 was being written: its marker and output are gone, a partial remains.
    assert sorted(p.name for p in out.iterdir()) == [f"part-{i}.csv.out" for i in range(3)], "predictions only"
    (bi.progress_dir(out) / "part-2.csv.out.done").unlink()
    (out / "part-2.csv.out").rename(out / "part-2.csv.out.partial")
    first_object = (out / "part-0.csv.out").stat().st_mtime_ns
    bi.transform(model_dir, tmp_path / "in", out, CSV)
    assert (out / "part-0.csv.out").stat().st_mtime_ns == first_object, "finished objects are not scored again"
    for index in range(3):
        assert (out / f"part-{index}.csv.out").read_text() == (
            tmp_path / "reference" / f"part-{index}.csv.out"
        ).read_text()
    assert not list(out.glob("*.partial"))


KILLED_RUN = """
import sys
from pathlib import Path
from pipelines_src.steps import batch_inference as bi
config = bi.TransformConfig(input_filter="$[1:]", join_source="Input", max_payload_mb=0.05)
bi.transform(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), config)
"""


def test_killed_mid_object_resumes_with_every_row_once(model_dir: Path, width: int, tmp_path: Path) -> None:
    """A real SIGKILL while an object is being scored (the job process killed, the instance lost),
    then the same job again: every input row is in the output exactly once, in order."""
    import signal
    import subprocess
    import sys
    import time

    rows = 60_000
    _write_rows(tmp_path / "in" / "big.csv", rows, width, seed=4)
    bi.transform(model_dir, tmp_path / "in", tmp_path / "reference", CSV)
    out = tmp_path / "out"
    args = [sys.executable, "-c", KILLED_RUN, str(model_dir), str(tmp_path / "in"), str(out)]
    runner = subprocess.Popen(args)
    deadline = time.monotonic() + 120
    while not any(p.stat().st_size > 0 for p in out.glob("*.partial")) and time.monotonic() < deadline:
        assert runner.poll() is None, "finished before it could be killed: give it more rows"
        time.sleep(0.01)
    runner.send_signal(signal.SIGKILL)
    runner.wait(10)
    assert not (out / "big.csv.out").exists(), "killed mid-object: no finished output yet"
    totals = bi.transform(model_dir, tmp_path / "in", out, CSV)
    assert totals["rows"] == rows
    assert (out / "big.csv.out").read_bytes() == (tmp_path / "reference" / "big.csv.out").read_bytes()
    assert not list(out.glob("*.partial"))


def test_json_lines(model_dir: Path, width: int, tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    records = [{"id": i, "features": rng.normal(size=width).round(4).tolist()} for i in range(12)]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "r.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    config = bi.TransformConfig(
        content_type="application/jsonlines",
        input_filter="$.features",
        join_source="Input",
        output_filter="$['id','SageMakerOutput']",
    )
    bi.transform(model_dir, tmp_path / "in", tmp_path / "out", config)
    rows = [json.loads(line) for line in (tmp_path / "out" / "r.jsonl.out").read_text().splitlines()]
    assert [r["id"] for r in rows] == list(range(12)) and all(set(r) == {"id", "SageMakerOutput"} for r in rows)


# ----------------------------------------------------------------------------- streaming fast path
def test_fast_path_writes_the_same_bytes_as_record_by_record(model_dir: Path, width: int, tmp_path: Path) -> None:
    """Many small MultiRecord payloads through Arrow and the parse-ahead thread, against
    SingleRecord (the record-by-record path): identical output, rows in order."""
    _write_rows(tmp_path / "in" / "big.csv", 2500, width, seed=3)
    fast = bi.TransformConfig(input_filter="$[1:]", join_source="Input", max_payload_mb=0.01)
    slow = bi.TransformConfig(input_filter="$[1:]", join_source="Input", batch_strategy="SingleRecord")
    assert bi.transform(model_dir, tmp_path / "in", tmp_path / "fast", fast)["rows"] == 2500
    bi.transform(model_dir, tmp_path / "in", tmp_path / "slow", slow)
    assert (tmp_path / "fast" / "big.csv.out").read_bytes() == (tmp_path / "slow" / "big.csv.out").read_bytes()


def test_stream_blocks_are_whole_lines_within_the_payload_limit(tmp_path: Path) -> None:
    import io

    from pipelines_src.steps import streaming

    data = b"".join(b"%d,%s\n" % (i, b"x" * (i % 37)) for i in range(3000))
    found = list(streaming.blocks(io.BytesIO(data), 1024))
    assert all(len(b.data) <= 1024 and b.data.endswith(b"\n") for b in found)
    assert b"".join(b.data for b in found) == data
    assert [b.first_line for b in found] == [1 + sum(x.data.count(b"\n") for x in found[:i]) for i in range(len(found))]
    tail = list(streaming.blocks(io.BytesIO(b"1,2\n3,4"), 1024))
    assert b"".join(b.data for b in tail) == b"1,2\n3,4\n", "a last line without newline is kept"
    with pytest.raises(streaming.LineTooLong):
        list(streaming.blocks(io.BytesIO(b"y" * 2048 + b"\n"), 1024))
    small = list(streaming.blocks(io.BytesIO(data), 1024, 256))  # the fast path's blocks: below the limit
    assert b"".join(b.data for b in small) == data and all(len(b.data) <= 256 for b in small)
    long_line = b"1,2\n" + b"3" * 600 + b"\n4,5\n"
    found = list(streaming.blocks(io.BytesIO(long_line), 1024, 256))
    assert b"".join(b.data for b in found) == long_line and any(b"3" * 600 + b"\n" in b.data for b in found)
    with pytest.raises(streaming.LineTooLong):
        list(streaming.blocks(io.BytesIO(b"1\n" + b"y" * 2048 + b"\n"), 1024, 256))


def test_fast_path_names_the_line_of_a_malformed_record_in_a_later_block(
    model_dir: Path, width: int, tmp_path: Path
) -> None:
    lines = _write_rows(tmp_path / "in" / "bad.csv", 800, width)
    lines[700] = lines[700].rsplit(",", 1)[0]  # one field short
    (tmp_path / "in" / "bad.csv").write_text("\n".join(lines) + "\n")
    config = bi.TransformConfig(input_filter="$[1:]", join_source="Input", max_payload_mb=0.01)
    with pytest.raises(StepError, match=r"bad.csv line 701: expected \d+ model features"):
        bi.transform(model_dir, tmp_path / "in", tmp_path / "out", config)
    rejecting = bi.TransformConfig(
        input_filter="$[1:]", join_source="Input", max_payload_mb=0.01, on_malformed="reject"
    )
    totals = bi.transform(model_dir, tmp_path / "in", tmp_path / "out", rejecting)
    assert (totals["rows"], totals["rejected"]) == (799, 1)
    assert (tmp_path / "out" / "bad.csv.rejects").read_text().split("\t")[0] == "701"


@pytest.mark.parametrize(
    ("input_filter", "expected"), [("$", slice(None)), ("$[1:]", slice(1, None)), ("$[0,2]", [0, 2]), ("$.x", None)]
)
def test_fast_path_column_filters(input_filter: str, expected: object) -> None:
    from pipelines_src.steps import streaming

    assert streaming.columns_of(input_filter) == expected


def test_vectorised_scores_are_printf_six_decimals() -> None:
    """Ties at the 7th decimal, both ends of [0, 10), and random scores: the byte matrix equals
    Python's %.6f; values it does not write (negative, -0.0, 10 and up, nan) fall back."""
    from pipelines_src.steps import streaming

    ties = np.array([0.5, 0.0000005, 0.0000015, 0.0000025, 0.125, 0.1234565, 2**-21, 2**-20 * 3], dtype=np.float32)
    rng = np.random.default_rng(4)
    scores = np.concatenate(
        [
            ties,
            np.array([0, 1, np.nextafter(np.float32(10), 0)], dtype=np.float32),
            rng.random(50_000, dtype=np.float32),
        ]
    )
    fixed = streaming._fixed_lines(scores, b",", b"\n")
    assert fixed is not None and fixed.tobytes() == b"".join(b",%.6f\n" % s for s in scores.tolist())
    for outside in ([-0.0], [-1e-9], [10.0], [12.5], [np.nan]):
        assert streaming._fixed_lines(np.array(outside, dtype=np.float32), b"", b"\n") is None
    path = streaming.FastPath(slice(None), None, join_input=False)
    block = streaming.Block(1, b"1\n2\n", 2)
    assert streaming.render(block, np.array([-0.0, 12.5], dtype=np.float32), path) == b"-0.000000\n12.500000\n"


def _write_json_records(path: Path, rows: int, width: int, seed: int = 2, arrays: bool = False) -> list[str]:
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(rows, width)).round(4).tolist()
    records = [f if arrays else {"id": i, "features": f, "note": "x"} for i, f in enumerate(features)]
    lines = [json.dumps(r) for r in records]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return lines


@pytest.mark.parametrize("join", ["None", "Input"])
def test_json_lines_fast_path_writes_the_same_bytes_as_record_by_record(
    model_dir: Path, width: int, tmp_path: Path, join: str
) -> None:
    lines = _write_json_records(tmp_path / "in" / "r.jsonl", 3000, width)
    fast = bi.TransformConfig("application/jsonlines", "MultiRecord", 0.05, "$.features", "$", join)
    slow = bi.TransformConfig("application/jsonlines", "SingleRecord", 6, "$.features", "$", join)
    assert bi._fast_path(fast) is not None and bi._fast_path(slow) is None
    assert bi.transform(model_dir, tmp_path / "in", tmp_path / "fast", fast)["rows"] == 3000
    bi.transform(model_dir, tmp_path / "in", tmp_path / "slow", slow)
    written = (tmp_path / "fast" / "r.jsonl.out").read_bytes()
    assert written == (tmp_path / "slow" / "r.jsonl.out").read_bytes()
    rows = [json.loads(line) for line in written.decode().splitlines()]
    assert len(rows) == 3000 and all(0 <= r["SageMakerOutput"] <= 1 for r in rows)
    if join == "Input":
        assert written.decode().splitlines()[7].startswith(lines[7][:-1] + ', "SageMakerOutput": ')
        assert [r["id"] for r in rows] == list(range(3000))
    else:
        assert set(rows[0]) == {"SageMakerOutput"} and re.fullmatch(
            rb'\{"SageMakerOutput": \d\.\d{6}\}\n', written[:30]
        )


def test_json_lines_arrays_joined_go_under_sagemaker_input(model_dir: Path, width: int, tmp_path: Path) -> None:
    _write_json_records(tmp_path / "in" / "a.jsonl", 5, width, arrays=True)
    config = bi.TransformConfig(content_type="application/jsonlines", join_source="Input")
    bi.transform(model_dir, tmp_path / "in", tmp_path / "out", config)
    rows = [json.loads(line) for line in (tmp_path / "out" / "a.jsonl.out").read_text().splitlines()]
    assert len(rows) == 5 and all(set(r) == {"SageMakerInput", "SageMakerOutput"} for r in rows)
    assert all(len(r["SageMakerInput"]) == width for r in rows)


def test_json_lines_fast_path_names_a_record_without_features(model_dir: Path, width: int, tmp_path: Path) -> None:
    lines = _write_json_records(tmp_path / "in" / "r.jsonl", 900, width)
    lines[650] = json.dumps({"id": 650, "feature": [1.0] * width})  # the key misspelt
    (tmp_path / "in" / "r.jsonl").write_text("\n".join(lines) + "\n")
    config = bi.TransformConfig(content_type="application/jsonlines", input_filter="$.features", max_payload_mb=0.05)
    with pytest.raises(StepError, match=r"r.jsonl line 651: .*features"):
        bi.transform(model_dir, tmp_path / "in", tmp_path / "out", config)
