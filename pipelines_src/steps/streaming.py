"""The fast path of batch inference: CSV and JSON Lines objects scored in MultiRecord payloads
without a Python object per value, on every core.

An object is read in blocks of whole lines (BLOCK_BYTES, never more than MaxPayloadInMB: each
block is a MultiRecord payload Batch Transform could send). Each block is parsed by Arrow, scored
and formatted by one of N worker threads (N = the cores this process may use; XGBoost predicts
with one thread per call); Arrow, XGBoost and NumPy release the GIL, so N blocks are in work at
once. Outputs are written in input order with at most 2N blocks in flight: memory is bounded by a
few blocks whatever the object's size. Scores are written by NumPy, not a Python loop; joined
output lines are the input line's own bytes plus the score, so records come out exactly as they
went in.

Blocks Arrow cannot read as finite numbers (a wrong field count, a non-numeric value, nan or
inf, CR line endings, a missing JSON key) come back unscored: the caller scores that block record
by record, which names the line and the reason, and writes the same bytes as this path.
"""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO, Any, TypeVar

import numpy as np

_SLICE = re.compile(r"^\$\[(?P<start>-?\d*):(?P<stop>-?\d*)\]$")
_LIST = re.compile(r"^\$\[(?P<items>-?\d+(?:\s*,\s*-?\d+)*)\]$")
# Blocks the fast path works on: small enough that every core gets several of an object (the last
# one does not leave the others idle for long) and that 2 per core in flight stay a few MiB, large
# enough that a call into Arrow or XGBoost costs nothing next to its work.
BLOCK_BYTES = 1 << 20
_KEY = re.compile(r"^\$\.(?P<key>[A-Za-z_][A-Za-z0-9_]*)$")
# What a score looks like in each output: the record path (batch_inference.render) writes the same.
SCORE_KEY = "SageMakerOutput"
_JSON_TAIL = (b'{"' + SCORE_KEY.encode() + b'": ', b"}\n")  # score only
_JSON_JOIN = (b', "' + SCORE_KEY.encode() + b'": ', b"}\n")  # appended to the input object
Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(frozen=True)
class Block:
    first_line: int  # number of the block's first line in the object (1-based)
    data: bytes  # whole lines, each ending in b"\n"
    rows: int  # how many (counted once: a scan of the block costs as much as formatting it)


@dataclass(frozen=True)
class FastPath:
    """How the fast path reads a block's features and writes its scores."""

    columns: slice | list[int] | None  # CSV: the model's columns
    key: str | None  # JSON Lines: the record's key holding the feature array
    join_input: bool


def fast_path(
    content_type: str, batch_strategy: str, input_filter: str, output_filter: str, join: bool
) -> FastPath | None:
    """The fast path for a transform's settings, or None when only the record path applies."""
    if batch_strategy != "MultiRecord" or output_filter != "$":
        return None
    if content_type == "text/csv":
        columns = columns_of(input_filter)
        return None if columns is None else FastPath(columns, None, join)
    match = _KEY.match(input_filter)
    return FastPath(None, match["key"], join) if match else None


def columns_of(input_filter: str) -> slice | list[int] | None:
    """The model's columns for the filters a CSV fast path can apply, else None."""
    if input_filter == "$":
        return slice(None)
    if match := _SLICE.match(input_filter):
        return slice(int(match["start"]) if match["start"] else None, int(match["stop"]) if match["stop"] else None)
    if match := _LIST.match(input_filter):
        return [int(i) for i in match["items"].split(",")]
    return None


def blocks(handle: IO[bytes], limit: int, size: int | None = None) -> Iterator[Block]:
    """Whole lines in blocks of about `size` bytes (default and at most `limit`); a line longer
    than `limit` raises."""
    size = min(size or limit, limit)
    carry = b""
    line = 1
    while True:
        room = (size if len(carry) < size else limit) - len(carry)  # a long line reads on to `limit`
        if room <= 0:
            raise LineTooLong(line, len(carry))
        chunk = handle.read(room)
        data = carry + chunk if carry else chunk
        if not chunk:
            if data:
                last = data if data.endswith(b"\n") else data + b"\n"
                yield Block(line, last, last.count(b"\n"))
            return
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            carry = data
            continue
        rows = data.count(b"\n", 0, cut)
        yield Block(line, data if cut == len(data) else data[:cut], rows)
        line += rows
        carry = data[cut:]


class LineTooLong(ValueError):
    def __init__(self, line: int, size: int) -> None:
        super().__init__(f"line {line} is longer than {size} bytes")
        self.line = line
        self.size = size


# ----------------------------------------------------------------------------- parsing
def features(block: Block, path: FastPath) -> np.ndarray[Any, Any] | None:
    """The block's model features as finite float32 rows, or None when Arrow cannot read them."""
    if b"\r" in block.data:
        return None  # CR line ends: the record-by-record path keeps their exact semantics
    matrix = _csv_features(block, path.columns) if path.key is None else _jsonl_features(block, path.key)
    if matrix is None or len(matrix) != block.rows:
        return None  # Arrow skips blank lines: the record path counts them as the lines they are
    return matrix if np.isfinite(matrix).all() else None  # nan/inf: named per record by the caller


def _csv_features(block: Block, columns: slice | list[int] | None) -> np.ndarray[Any, Any] | None:
    """The model's columns as numbers. Their names and types are given to Arrow (from the first
    line's field count): inferring 200 column types per 1 MiB block costs more than parsing it.
    No quoting, as the record path splits on every comma."""
    import pyarrow as pa
    from pyarrow import csv

    names = [f"f{i}" for i in range(block.data[: block.data.find(b"\n")].count(b",") + 1)]
    try:
        wanted = names[columns] if isinstance(columns, slice) else [names[i] for i in columns or []]
        table = csv.read_csv(
            pa.py_buffer(block.data),
            read_options=csv.ReadOptions(column_names=names, use_threads=False, block_size=len(block.data) + 1),
            parse_options=csv.ParseOptions(quote_char=False, newlines_in_values=False),
            convert_options=csv.ConvertOptions(
                column_types=dict.fromkeys(wanted, pa.float64()), include_columns=wanted
            ),
        )
    except (IndexError, pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # a filter beyond the fields, a wrong field count, a value that is no number
    if not wanted or not table.num_rows or any(c.null_count for c in table.columns):
        return None  # an empty field: not a number; blank lines only: the record path skips them
    (batch,) = table.to_batches()  # one chunk: block_size holds the whole block
    rows: np.ndarray[Any, Any] = np.asarray(batch.to_tensor(row_major=True))  # one call, not one per column
    with np.errstate(over="ignore"):  # beyond float32 becomes inf, refused by the caller
        return rows.astype(np.float32)


def _jsonl_features(block: Block, key: str) -> np.ndarray[Any, Any] | None:
    """`record[key]` of every line, when each is an array of numbers of one length."""
    import pyarrow as pa
    from pyarrow import json

    if block.data.count(b"}\n") != block.rows:
        return None  # not one object per line: the record path names the line
    try:
        table = json.read_json(
            pa.BufferReader(block.data),
            read_options=json.ReadOptions(use_threads=False, block_size=len(block.data) + 1),
            parse_options=json.ParseOptions(
                explicit_schema=pa.schema([(key, pa.list_(pa.float64()))]), unexpected_field_behavior="ignore"
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    column = table.column(key).combine_chunks()
    if column.null_count or len(column) == 0:
        return None  # a record without the key
    lengths = column.value_lengths().to_numpy()
    values = column.flatten()
    if values.null_count or (lengths != lengths[0]).any() or lengths[0] == 0:
        return None  # a null or ragged feature array
    flat: np.ndarray[Any, Any] = values.to_numpy()
    with np.errstate(over="ignore"):
        return flat.reshape(len(column), int(lengths[0])).astype(np.float32)


# ----------------------------------------------------------------------------- formatting
def score_text(score: float) -> str:
    """A score as every output writes it: six decimals (printf's %.6f, round half to even)."""
    return f"{score:.6f}"


def _fixed_lines(scores: np.ndarray[Any, Any], prefix: bytes, suffix: bytes) -> np.ndarray[Any, Any] | None:
    """prefix + %.6f + suffix per score as an (n, width) byte matrix, for float32 scores in
    [0, 10); None otherwise. A float32 times 1e6 is exact in float64 (24 + 20 bits), so rint
    rounds the exact value half to even, as printf does: the same bytes, without a Python loop."""
    if scores.dtype != np.float32 or not len(scores):
        return None
    if np.signbit(scores).any() or not (scores < 10).all():
        return None
    micro = np.rint(scores.astype(np.float64) * 1e6).astype(np.int64)  # the largest float32 < 10 stays < 1e7
    start = len(prefix)
    out = np.empty((len(scores), start + 8 + len(suffix)), dtype=np.uint8)
    out[:, :start] = np.frombuffer(prefix, dtype=np.uint8)
    out[:, start + 8 :] = np.frombuffer(suffix, dtype=np.uint8)
    out[:, start] = micro // 1_000_000 + 48
    out[:, start + 1] = ord(".")
    for place in range(7, 1, -1):
        out[:, start + place] = micro % 10 + 48
        micro //= 10
    return out


def _tails(
    scores: np.ndarray[Any, Any], prefix: bytes, suffix: bytes
) -> tuple[np.ndarray[Any, Any] | None, list[bytes]]:
    fixed = _fixed_lines(scores, prefix, suffix)
    if fixed is not None:
        return fixed, []
    return None, [prefix + score_text(s).encode() + suffix for s in scores.tolist()]


def render(block: Block, scores: np.ndarray[Any, Any], path: FastPath) -> bytes:
    """The output lines of a scored block: the score alone, or the input line plus the score."""
    if path.key is None:
        prefix, suffix, line_end = (b",", b"\n", b"\n") if path.join_input else (b"", b"\n", b"")
    else:
        (prefix, suffix), line_end = (_JSON_JOIN, b"}\n") if path.join_input else (_JSON_TAIL, b"")
    fixed, listed = _tails(scores, prefix, suffix)
    if not path.join_input:
        return fixed.tobytes() if fixed is not None else b"".join(listed)
    tails = fixed.view(f"S{fixed.shape[1]}").ravel().tolist() if fixed is not None else listed
    parts: list[bytes] = [b""] * (2 * len(tails))
    parts[0::2] = block.data[: -len(line_end)].split(line_end)  # each line without its end
    parts[1::2] = tails
    return b"".join(parts)


# ----------------------------------------------------------------------------- the pipeline
def workers() -> int:
    """The cores this process may run on (a container's CPU set, not the host's)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def ordered_map(work: Callable[[Item], Result], items: Iterator[Item], threads: int) -> Iterator[tuple[Item, Result]]:
    """(item, work(item)) in input order, `threads` items in work at once, at most 2x that in
    flight (bounded memory whatever the input's length)."""
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="score") as pool:
        pending: deque[tuple[Item, Future[Result]]] = deque()
        for item in items:
            pending.append((item, pool.submit(work, item)))
            if len(pending) >= 2 * threads:
                first, future = pending.popleft()
                yield first, future.result()
        while pending:
            first, future = pending.popleft()
            yield first, future.result()


def lines_of(block: Block) -> list[tuple[int, str]]:
    """(line number, text) of a block's records, for the record-by-record path."""
    text = block.data.decode("utf-8", errors="replace")
    return [(block.first_line + i, line) for i, line in enumerate(text.split("\n")[:-1]) if line.strip()]
