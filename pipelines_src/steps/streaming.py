"""The fast path of batch inference: CSV objects scored in MultiRecord payloads without a Python
object per value.

An object is read in blocks of whole lines no larger than MaxPayloadInMB (one block = one
MultiRecord mini-batch, as Batch Transform sends them), a second thread parses the next block with
Arrow's CSV reader while the model predicts the current one (both release the GIL: two cores
busy), and each block's output is written as soon as it is scored. Memory is bounded by a few
blocks, whatever the object's size. Output lines are the input line's bytes (JoinSource=Input)
plus the score, so records come out exactly as they went in.

Blocks Arrow cannot read as finite numbers (a wrong field count, a non-numeric value, nan or
inf, CR line endings) return None: the caller scores that block record by record, which names the
line and the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

_SLICE = re.compile(r"^\$\[(?P<start>-?\d*):(?P<stop>-?\d*)\]$")
_LIST = re.compile(r"^\$\[(?P<items>-?\d+(?:\s*,\s*-?\d+)*)\]$")


@dataclass(frozen=True)
class Block:
    first_line: int  # number of the block's first line in the object (1-based)
    data: bytes  # whole lines, each ending in b"\n"


def columns_of(input_filter: str) -> slice | list[int] | None:
    """The model's columns for the filters a CSV fast path can apply, else None."""
    if input_filter == "$":
        return slice(None)
    if match := _SLICE.match(input_filter):
        return slice(int(match["start"]) if match["start"] else None, int(match["stop"]) if match["stop"] else None)
    if match := _LIST.match(input_filter):
        return [int(i) for i in match["items"].split(",")]
    return None


def blocks(handle: IO[bytes], limit: int) -> Iterator[Block]:
    """Whole lines in blocks of at most `limit` bytes; a line longer than `limit` raises."""
    carry = b""
    line = 1
    while True:
        chunk = handle.read(limit - len(carry))
        data = carry + chunk
        if not chunk:
            if data:
                yield Block(line, data if data.endswith(b"\n") else data + b"\n")
            return
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            if len(data) >= limit:
                raise LineTooLong(line, len(data))
            carry = data
            continue
        yield Block(line, data[:cut])
        line += data.count(b"\n", 0, cut)
        carry = data[cut:]


class LineTooLong(ValueError):
    def __init__(self, line: int, size: int) -> None:
        super().__init__(f"line {line} is longer than {size} bytes")
        self.line = line
        self.size = size


def parse(block: Block, columns: slice | list[int]) -> np.ndarray[Any, Any] | None:
    """The block's model features as float32 rows, or None when Arrow cannot read it as numbers."""
    import pyarrow as pa
    from pyarrow import csv

    if b"\r" in block.data or b"\n\n" in block.data or block.data.startswith(b"\n"):
        return None  # CR or blank lines: the record-by-record path keeps their exact semantics
    try:
        table = csv.read_csv(
            pa.py_buffer(block.data),
            read_options=csv.ReadOptions(autogenerate_column_names=True, use_threads=False),
            parse_options=csv.ParseOptions(newlines_in_values=False),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    picked = table.columns[columns] if isinstance(columns, slice) else [table.columns[i] for i in columns]
    if not picked or not all(pa.types.is_integer(c.type) or pa.types.is_floating(c.type) for c in picked):
        return None
    if any(c.null_count for c in picked):
        return None  # an empty field: not a number
    with np.errstate(over="ignore"):  # beyond float32 becomes inf, refused just below
        matrix = np.column_stack([c.to_numpy() for c in picked]).astype(np.float32, copy=False)
    return matrix if np.isfinite(matrix).all() else None  # nan/inf: named per record by the caller


def render(block: Block, scores: np.ndarray[Any, Any], join_input: bool) -> bytes:
    values = [b"%.6f" % s for s in scores.tolist()]
    if not join_input:
        return b"\n".join(values) + b"\n"
    lines = block.data[:-1].split(b"\n")
    return b"\n".join([line + b"," + value for line, value in zip(lines, values, strict=True)]) + b"\n"


def parsed_ahead(
    source: Iterator[Block], columns: slice | list[int]
) -> Iterator[tuple[Block, np.ndarray[Any, Any] | None]]:
    """Each block with its parsed features; the next block is parsed in a second thread while
    the caller scores the current one."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse") as pool:
        pending: tuple[Block, Future[np.ndarray[Any, Any] | None]] | None = None
        for block in source:
            future = pool.submit(parse, block, columns)
            if pending is not None:
                yield pending[0], pending[1].result()
            pending = (block, future)
        if pending is not None:
            yield pending[0], pending[1].result()


def lines_of(block: Block) -> list[tuple[int, str]]:
    """(line number, text) of a block's records, for the record-by-record path."""
    text = block.data.decode("utf-8", errors="replace")
    return [(block.first_line + i, line) for i, line in enumerate(text.split("\n")[:-1]) if line.strip()]
