"""batch-inference (transform semantics, run as a processing job or by the local Transform runner).

SageMaker Batch Transform's contract, streamed: every input object is split into lines
(SplitType=Line), lines are grouped into MultiRecord batches no larger than MaxPayloadInMB, the
InputFilter (JSONPath) selects what the model sees, predictions are joined with the input record
(JoinSource=Input), the OutputFilter selects what is kept, and results are assembled by line into
`<object>.out`. Objects are split across hosts by key (ShardedByS3Key). Each finished object gets
a completion marker, written atomically, so an interrupted run resumes without duplicating or
dropping rows; the markers live beside the output folder (`.<output>.progress/`), never in it, so
a reader of the output prefix (Athena, a downstream job) sees predictions only. A malformed
line (not numbers, the wrong count, nan or inf) fails the run with object, line and reason, or,
with `--on-malformed reject`, goes to `<object>.rejects` and the run continues.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from pipelines_src.steps import streaming
from pipelines_src.steps.artifacts import load_model, model_width, single_model_dir
from pipelines_src.steps.container import Paths, StepError, base_parser, run
from pipelines_src.steps.training import predict_proba

DONE_SUFFIX = ".done"
# Stands in for the score while json.dumps renders a record, then replaced by its six-decimal text
# (json.dumps would write 0.5, not 0.500000); random per process, so no input string is it.
_SCORE_SLOT = f"\x00score-{uuid.uuid4().hex}\x00"
_INDEX = re.compile(r"^\$\[(?P<body>[^\]]*)\]$")


@dataclass(frozen=True)
class TransformConfig:
    content_type: str = "text/csv"  # or application/jsonlines
    batch_strategy: str = "MultiRecord"  # or SingleRecord
    max_payload_mb: float = 6.0
    input_filter: str = "$"
    output_filter: str = "$"
    join_source: str = "None"  # or Input
    on_malformed: str = "fail"  # or reject


class MalformedRecord(ValueError):
    pass


# ----------------------------------------------------------------------------- JSONPath subset
def select(path: str, record: Any) -> Any:
    """The subset of JSONPath Batch Transform filters use: `$`, `$[i]`, `$[i:j]`, `$[a,b]` on
    arrays (CSV records), `$.key` and `$['a','b']` on objects (JSON lines)."""
    if path == "$":
        return record
    if path.startswith("$.") and isinstance(record, dict):
        value = record
        for key in path[2:].split("."):
            value = value[key]
        return value
    match = _INDEX.match(path)
    if match is None:
        raise StepError(f"filter {path!r} is not supported: use $, $[i], $[i:j], $[a,b], $.key or $['a','b']")
    body = match["body"]
    if isinstance(record, dict):
        return {k.strip().strip("'\""): record[k.strip().strip("'\"")] for k in body.split(",")}
    if ":" in body:
        start, _, stop = body.partition(":")
        return record[int(start) if start else None : int(stop) if stop else None]
    picked = [record[int(i)] for i in body.split(",")]
    return picked if "," in body else picked[0]


# ----------------------------------------------------------------------------- parsing
def parse_line(line: str, config: TransformConfig) -> Any:
    if config.content_type == "application/jsonlines":
        try:
            return json.loads(line)
        except ValueError as exc:
            raise MalformedRecord(f"not JSON ({exc.args[0]})") from exc
    return line.rstrip("\r\n").split(",")


def model_input(records: list[Any], config: TransformConfig, width: int | None) -> np.ndarray[Any, Any]:
    rows = []
    for record in records:
        try:
            selected = select(config.input_filter, record)
        except (KeyError, IndexError, TypeError) as exc:
            raise MalformedRecord(
                f"the InputFilter {config.input_filter} selects nothing in this record ({exc!r})"
            ) from exc
        values = (
            selected
            if isinstance(selected, list)
            else list(selected.values())
            if isinstance(selected, dict)
            else [selected]
        )
        rows.append(values)
    try:
        with np.errstate(over="ignore"):  # beyond float32 becomes inf, refused below
            matrix = np.asarray(rows, dtype=np.float32)
    except ValueError as exc:
        raise MalformedRecord(f"non-numeric or ragged values ({exc})") from exc
    if matrix.ndim != 2 or (width is not None and matrix.shape[1] != width):
        raise MalformedRecord(
            f"expected {width} model features, got {matrix.shape[-1] if matrix.ndim == 2 else 'ragged rows'}"
        )
    if not np.isfinite(matrix).all():  # nan, inf, or a number beyond float32: a score of garbage
        column = int(np.argwhere(~np.isfinite(matrix))[0][1])
        raise MalformedRecord(f"non-finite value (nan or inf) in model feature {column}")
    return matrix


def render(record: Any, text: str, prediction: float, config: TransformConfig) -> str:
    """One output line, byte for byte what the fast path (streaming.render) writes for it."""
    score = streaming.score_text(float(prediction))
    if config.content_type == "application/jsonlines":
        return _render_json(record, text, score, config)
    joined = [*record, score] if config.join_source == "Input" else [score]
    selected = select(config.output_filter, joined)
    return ",".join(selected) if isinstance(selected, list) else str(selected)


def _render_json(record: Any, text: str, score: str, config: TransformConfig) -> str:
    """Score only: {"SageMakerOutput": s}; joined: the input object's own text with the key
    appended (a non-object record goes under SageMakerInput, as Batch Transform does); an
    OutputFilter re-serialises what it selects. Scores keep their six decimals everywhere."""
    key = streaming.SCORE_KEY
    if config.join_source != "Input":
        joined: Any = {key: _SCORE_SLOT}
    elif isinstance(record, dict) and config.output_filter == "$" and record:
        return f'{text.rstrip()[:-1]}, "{key}": {score}}}'
    else:
        joined = (
            {**record, key: _SCORE_SLOT} if isinstance(record, dict) else {"SageMakerInput": record, key: _SCORE_SLOT}
        )
    return json.dumps(select(config.output_filter, joined)).replace(json.dumps(_SCORE_SLOT), score)


# ----------------------------------------------------------------------------- batching
def batches(lines: TextIO, config: TransformConfig) -> Iterator[list[tuple[int, str]]]:
    """(line number, line) groups within MaxPayloadInMB (one record each for SingleRecord)."""
    limit = int(config.max_payload_mb * 1024 * 1024)
    batch: list[tuple[int, str]] = []
    size = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        encoded = len(line.encode())
        if encoded > limit:
            raise StepError(
                f"line {number} is {encoded} bytes, larger than MaxPayloadInMB={config.max_payload_mb}: raise the limit"
            )
        if batch and (config.batch_strategy == "SingleRecord" or size + encoded > limit):
            yield batch
            batch, size = [], 0
        batch.append((number, line))
        size += encoded
    if batch:
        yield batch


def _score_batch(
    model: Any, batch: list[tuple[int, str]], config: TransformConfig, width: int | None
) -> tuple[list[str], list[tuple[int, str, str]]]:
    """Output lines of a batch and the rejected (line, text, reason); falls back to one record at a
    time only when the batch holds a malformed record."""
    try:
        records = [parse_line(text, config) for _, text in batch]
        scores = predict_proba(model, model_input(records, config, width))
        return [render(r, t, s, config) for r, (_, t), s in zip(records, batch, scores, strict=True)], []
    except MalformedRecord:
        if len(batch) == 1:
            raise
    outputs, rejected = [], []
    for number, text in batch:
        try:
            out, _ = _score_batch(model, [(number, text)], config, width)
            outputs += out
        except MalformedRecord as exc:
            rejected.append((number, text, str(exc)))
    return outputs, rejected


def _fast_path(config: TransformConfig) -> streaming.FastPath | None:
    return streaming.fast_path(
        config.content_type,
        config.batch_strategy,
        config.input_filter,
        config.output_filter,
        config.join_source == "Input",
    )


def _scored_blocks(
    model: Any, source: Path, config: TransformConfig, width: int | None, path: streaming.FastPath
) -> Iterator[tuple[streaming.Block, bytes | None]]:
    """Each block of the object with its output, scored on every core; None for a block the
    record path must score (a malformed record, or a feature count the model does not take)."""

    def score(block: streaming.Block) -> bytes | None:
        matrix = streaming.features(block, path)
        if matrix is None or (width is not None and matrix.shape[1] != width):
            return None
        return streaming.render(block, predict_proba(model, matrix), path)

    limit = int(config.max_payload_mb * 1024 * 1024)
    with source.open("rb") as handle:
        try:
            yield from streaming.ordered_map(
                score, streaming.blocks(handle, limit, streaming.BLOCK_BYTES), streaming.workers()
            )
        except streaming.LineTooLong as exc:
            raise StepError(
                f"{source.name} line {exc.line} is larger than MaxPayloadInMB={config.max_payload_mb}: raise the limit"
            ) from exc


def _pieces(
    model: Any, source: Path, config: TransformConfig, width: int | None
) -> Iterator[tuple[bytes, int] | list[tuple[int, str]]]:
    """The object's output in order: (bytes, rows) the fast path scored, or a batch of
    (line number, text) records the record path must score."""
    path = _fast_path(config)
    if path is None:
        with source.open() as lines:
            yield from batches(lines, config)
        return
    for block, scored in _scored_blocks(model, source, config, width, path):
        yield (scored, block.rows) if scored is not None else streaming.lines_of(block)


class _Rejects:
    """`<object>.rejects`, opened on the first rejected record only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: TextIO | None = None

    def write(self, rejected: list[tuple[int, str, str]]) -> None:
        self.handle = self.handle or self.path.open("w")
        self.handle.writelines(f"{n}\t{reason}\t{text.rstrip()}\n" for n, text, reason in rejected)

    def close(self) -> None:
        if self.handle:
            self.handle.close()


def _score_records(
    model: Any, batch: list[tuple[int, str]], source: Path, config: TransformConfig, width: int | None
) -> tuple[list[str], list[tuple[int, str, str]]]:
    try:
        outputs, rejected = _score_batch(model, batch, config, width)
    except MalformedRecord as exc:
        raise StepError(
            f"{source.name} line {batch[0][0]}: {exc}; fix the record or run with --on-malformed reject"
        ) from exc
    if rejected and config.on_malformed != "reject":
        number, _, reason = rejected[0]
        raise StepError(f"{source.name} line {number}: {reason}; fix the record or run with --on-malformed reject")
    return outputs, rejected


def progress_dir(outputs: Path) -> Path:
    """Where the completion markers of an output folder live: beside it, not in it."""
    return outputs.parent / f".{outputs.name}.progress"


def transform_object(
    model: Any, source: Path, target_dir: Path, config: TransformConfig, width: int | None
) -> tuple[int, int]:
    """Score one input object into `<name>.out`; (rows written, rows rejected). Skipped when its
    completion marker exists (resume)."""
    output = target_dir / f"{source.name}.out"
    marker = progress_dir(target_dir) / f"{source.name}.out{DONE_SUFFIX}"
    if marker.exists():
        done = json.loads(marker.read_text())
        return done["rows"], done["rejected"]
    partial = output.with_name(output.name + ".partial")
    written = rejected_count = 0
    rejects = _Rejects(target_dir / f"{source.name}.rejects")
    with partial.open("wb") as out:
        for piece in _pieces(model, source, config, width):
            if isinstance(piece, tuple):
                out.write(piece[0])
                written += piece[1]
                continue
            outputs, rejected = _score_records(model, piece, source, config, width)
            if rejected:
                rejects.write(rejected)
            out.write("".join(line + "\n" for line in outputs).encode())
            written += len(outputs)
            rejected_count += len(rejected)
    rejects.close()
    partial.replace(output)
    _write_atomically(marker, json.dumps({"rows": written, "rejected": rejected_count}))
    return written, rejected_count


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def shard(objects: list[Path], host_index: int, host_count: int) -> list[Path]:
    """ShardedByS3Key: each host scores a disjoint set of objects."""
    if not 0 <= host_index < host_count:
        raise StepError(f"--host-index {host_index} must be between 0 and --host-count - 1 ({host_count - 1})")
    return [o for i, o in enumerate(sorted(objects)) if i % host_count == host_index]


def transform(
    model_dir: Path, inputs: Path, outputs: Path, config: TransformConfig, *, host_index: int = 0, host_count: int = 1
) -> dict[str, int]:
    objects = [p for p in inputs.rglob("*") if p.is_file() and not p.name.startswith(".")]
    if not objects:
        raise StepError(f"no input object under {inputs}: check the transform input")
    model = load_model(model_dir)
    width = model_width(model)
    outputs.mkdir(parents=True, exist_ok=True)
    totals = {"objects": 0, "rows": 0, "rejected": 0}
    for source in shard(objects, host_index, host_count):
        rows, rejected = transform_object(model, source, outputs, config, width)
        totals["objects"] += 1
        totals["rows"] += rows
        totals["rejected"] += rejected
    return totals


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--content-type", choices=["text/csv", "application/jsonlines"], default="text/csv")
    parser.add_argument("--batch-strategy", choices=["MultiRecord", "SingleRecord"], default="MultiRecord")
    parser.add_argument("--max-payload-mb", type=float, default=6.0)
    parser.add_argument("--input-filter", default="$")
    parser.add_argument("--output-filter", default="$")
    parser.add_argument("--join-source", choices=["None", "Input"], default="None")
    parser.add_argument("--on-malformed", choices=["fail", "reject"], default="fail")
    parser.add_argument("--host-index", type=int, default=0)
    parser.add_argument("--host-count", type=int, default=1)
    args = parser.parse_args(argv)
    paths = Paths(args.base_dir)
    config = TransformConfig(
        args.content_type,
        args.batch_strategy,
        args.max_payload_mb,
        args.input_filter,
        args.output_filter,
        args.join_source,
        args.on_malformed,
    )
    with tempfile.TemporaryDirectory() as scratch:
        model_dir = single_model_dir(paths.processing_input("model"), Path(scratch))
        totals = transform(
            model_dir,
            paths.processing_input("data"),
            paths.processing_output("predictions"),
            config,
            host_index=args.host_index,
            host_count=args.host_count,
        )
    print(f"batch-inference: {totals}")
    return 0


if __name__ == "__main__":
    sys.exit(run(main, sys.argv[1:], "processing"))
