"""`make bench`: the batch-inference engine in every mode against a competent baseline and the
machine's ceiling, measured in the same run.

Cells: 3 model/data shapes x CSV and JSON Lines x score only (the default) and joined with the
input (JoinSource=Input). In each cell:
- baseline: what a competent user writes with pandas and the model's own API, producing the
  same bytes as the engine (checked): read the whole object with pandas, one `inplace_predict`
  on every core, write the scores (joined: each input line plus its score);
- engine: `batch_inference.transform` as the step runs it;
- ceiling: the single-thread cost per row of parse (the faster of Arrow and pandas), predict
  (XGBoost, one thread) and format (the engine's own writer), spread over every core: the
  physical limit of this work on this machine.
Targets: engine >= 70 % of the ceiling and ahead of the baseline in every cell; engine peak RSS
flat in input size (4x the input: <= +10 %). Exit 1 when a target is missed, 2 when an engine and
its baseline wrote different bytes. Every measurement runs in its own process (its own RSS);
times exclude imports and model loading, which both sides pay alike.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CEILING_SHARE = 0.70
REPEAT = 3  # best of: the engine, its ceiling's stages and the baseline
RSS_GROWTH_4X = 0.10
FORMATS = ("csv", "jsonl")
MODES = ("score", "join")


@dataclass(frozen=True)
class Shape:
    features: int
    trees: int
    depth: int
    rows: int  # sized so that each engine run takes about a second here


SHAPES = {
    "10f-50t-d4": Shape(10, 50, 4, 400_000),
    "50f-500t-d8": Shape(50, 500, 8, 30_000),
    "200f-100t-d6": Shape(200, 100, 6, 30_000),
}


# ----------------------------------------------------------------------------- set-up
def make_model(model_dir: Path, shape: Shape, seed: int = 5) -> Path:
    """An XGBoost binary classifier of the shape's trees and depth on its feature count."""
    import numpy as np
    import xgboost as xgb

    if (model_dir / "xgboost-model").exists():
        return model_dir
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(20_000, shape.features)).astype(np.float32)
    labels = (features[:, :5].sum(axis=1) + rng.normal(scale=0.5, size=len(features)) > 0).astype(int)
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": shape.depth, "eta": 0.1, "nthread": 2},
        xgb.DMatrix(features, label=labels),
        num_boost_round=shape.trees,
    )
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / "xgboost-model").write_bytes(bytes(booster.save_raw("ubj")))
    return model_dir


def make_input(path: Path, shape: Shape, rows: int, fmt: str, seed: int = 11) -> Path:
    """Header-less numeric CSV, or JSON Lines {"id": n, "features": [...]}, 4 decimals."""
    import numpy as np

    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as out:
        for start in range(0, rows, 50_000):
            block = rng.normal(size=(min(50_000, rows - start), shape.features)).round(4)
            texts = [",".join(f"{v:.4f}" for v in row) for row in block.tolist()]
            if fmt == "csv":
                out.writelines(f"{t}\n" for t in texts)
            else:
                out.writelines(f'{{"id": {start + i}, "features": [{t}]}}\n' for i, t in enumerate(texts))
    return path


def replicate(source: Path, folder: Path, copies: int) -> Path:
    """`copies` objects with the source's content (hard links: no extra disk)."""
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(copies):
        target = folder / f"part-{index}{source.suffix}"
        target.unlink(missing_ok=True)  # a link to an earlier run's input otherwise
        os.link(source, target)
    return folder


# ----------------------------------------------------------------------------- measurements (child side)
def _model(model_dir: Path, threads: int) -> Any:
    from pipelines_src.steps.artifacts import load_model

    model = load_model(model_dir)
    model.set_param({"nthread": threads})
    return model


def baseline(model_dir: Path, source: Path, out: Path, fmt: str, mode: str) -> dict[str, float]:

    model = _model(model_dir, os.cpu_count() or 1)  # one predict call on every core
    return {"rows": shape_rows(source), "seconds": _best(lambda: _baseline_run(model, source, out, fmt, mode), REPEAT)}


def shape_rows(source: Path) -> int:
    return source.read_bytes().count(b"\n")


def _baseline_run(model: Any, source: Path, out: Path, fmt: str, mode: str) -> None:
    import numpy as np
    import pandas as pd

    if fmt == "csv":
        features = pd.read_csv(source, header=None, dtype=np.float32).to_numpy()
    else:
        features = np.array(pd.read_json(source, lines=True)["features"].tolist(), dtype=np.float32)
    scores = model.inplace_predict(features).tolist()
    if mode == "score" and fmt == "csv":
        pd.DataFrame({"score": scores}).to_csv(out, header=False, index=False, float_format="%.6f")
    elif mode == "score":
        out.write_text("".join(f'{{"SageMakerOutput": {s:.6f}}}\n' for s in scores))
    else:
        lines = source.read_bytes().splitlines()
        tail = b",%.6f\n" if fmt == "csv" else b', "SageMakerOutput": %.6f}\n'
        cut = 0 if fmt == "csv" else -1  # a JSON object's closing brace moves behind the score
        out.write_bytes(b"".join(line[: len(line) + cut] + tail % s for line, s in zip(lines, scores, strict=True)))


def _config(fmt: str, mode: str) -> Any:
    from pipelines_src.steps import batch_inference as bi

    join = "Input" if mode == "join" else "None"
    if fmt == "csv":
        return bi.TransformConfig(join_source=join)
    return bi.TransformConfig(content_type="application/jsonlines", input_filter="$.features", join_source=join)


def _best(work: Any, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def engine(model_dir: Path, inputs: Path, out: Path, fmt: str, mode: str) -> dict[str, float]:
    """The engine's best of REPEAT runs, and the ceiling's stages measured in the same process
    between them (this machine's speed drifts by tens of percent from one minute to the next)."""
    from pipelines_src.steps import batch_inference as bi

    config = _config(fmt, mode)
    _model(model_dir, 1)  # imports XGBoost and Arrow outside the timed part, as the baseline's
    seconds, stages, rows = float("inf"), dict.fromkeys(("parse", "predict", "format"), float("inf")), 0
    for _ in range(REPEAT):
        started = time.perf_counter()
        rows = bi.transform(model_dir, inputs, _fresh(out), config)["rows"]
        seconds = min(seconds, time.perf_counter() - started)
        for stage, cost in _stages(model_dir, next(inputs.iterdir()), fmt, mode).items():
            stages[stage] = min(stages[stage], cost)
    return {"rows": rows, "seconds": seconds, **{k: v / rows for k, v in stages.items()}}


def _stages(model_dir: Path, source: Path, fmt: str, mode: str) -> dict[str, float]:
    """Single-thread seconds of parse, predict (XGBoost, one thread) and format (the engine's
    writer) on the engine's blocks: its payloads, whose size bounds its memory. Parse is the
    faster of Arrow (the engine's) and pandas' C parser on the same blocks."""
    import io

    import numpy as np
    import pandas as pd

    from pipelines_src.steps import streaming

    data = source.read_bytes()
    blocks = list(streaming.blocks(io.BytesIO(data), len(data) + 1, streaming.BLOCK_BYTES))
    key = None if fmt == "csv" else "features"
    path = streaming.FastPath(slice(None) if key is None else None, key, mode == "join")
    matrices = [streaming.features(b, path) for b in blocks]

    def pandas(block: streaming.Block) -> Any:
        if fmt == "csv":
            return pd.read_csv(io.BytesIO(block.data), header=None, dtype=np.float32).to_numpy()
        return np.array(pd.read_json(io.BytesIO(block.data), lines=True)[key].tolist(), dtype=np.float32)

    parse = min(
        _best(lambda: [streaming.features(b, path) for b in blocks], 1), _best(lambda: [pandas(b) for b in blocks], 1)
    )
    model = _model(model_dir, 1)
    predict = _best(lambda: [model.inplace_predict(m) for m in matrices], 1)
    scores = [model.inplace_predict(m) for m in matrices]
    fmt_cost = _best(lambda: [streaming.render(b, s, path) for b, s in zip(blocks, scores, strict=True)], 1)
    return {"parse": parse, "predict": predict, "format": fmt_cost}


CASES = {"baseline": baseline, "engine": engine}


# ----------------------------------------------------------------------------- driver (parent side)
def measure(case: str, model_dir: Path, source: Path, out: Path, *, fmt: str, mode: str) -> dict[str, float]:
    """Run one case in a child process: its figures and its own peak RSS (MiB)."""
    command = [sys.executable, "-m", "tools.bench", "--case", case, str(model_dir), str(source), str(out), fmt, mode]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    output = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"bench: {case} {fmt} {mode} failed")
    return {**json.loads(output.strip().splitlines()[-1]), "rss_mib": usage.ru_maxrss / 1024}


def _fresh(out: Path) -> Path:
    if out.is_dir():  # the engine resumes from earlier outputs otherwise
        shutil.rmtree(out)
        shutil.rmtree(out.parent / f".{out.name}.progress", ignore_errors=True)
    else:
        out.unlink(missing_ok=True)
    return out


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_cell(work: Path, name: str, shape: Shape, *, fmt: str, mode: str, cores: int) -> dict[str, Any]:
    """Baseline and engine of one cell, their outputs compared byte for byte."""
    cell = work / name / fmt
    model_dir = make_model(work / name / "model", shape)
    source = make_input(cell / f"input-{shape.rows}.{fmt}", shape, shape.rows, fmt)
    inputs = replicate(source, cell / "in-1x", 1)
    base = measure("baseline", model_dir, source, _fresh(cell / f"baseline-{mode}.out"), fmt=fmt, mode=mode)
    eng = measure("engine", model_dir, inputs, cell / f"engine-{mode}", fmt=fmt, mode=mode)
    same = _digest(cell / f"baseline-{mode}.out") == _digest(cell / f"engine-{mode}" / f"part-0.{fmt}.out")
    per_row = eng["parse"] + eng["predict"] + eng["format"]
    return {
        "cell": f"{name} {fmt} {mode}",
        "baseline": base["rows"] / base["seconds"],
        "engine": eng["rows"] / eng["seconds"],
        "ceiling": cores / per_row,
        "stages_us": {k: round(eng[k] * 1e6, 3) for k in ("parse", "predict", "format")},
        "same_bytes": same and base["rows"] == eng["rows"] == shape.rows,
    }


def rss_growth(work: Path, name: str, shape: Shape) -> tuple[float, float]:
    """Engine peak RSS on 1x and 4x the input (CSV joined)."""
    cell = work / name / "csv"
    model_dir = make_model(work / name / "model", shape)
    source = make_input(cell / f"input-{shape.rows}.csv", shape, shape.rows, "csv")
    one = measure("engine", model_dir, replicate(source, cell / "in-1x", 1), cell / "rss-1x", fmt="csv", mode="join")
    four = measure("engine", model_dir, replicate(source, cell / "in-4x", 4), cell / "rss-4x", fmt="csv", mode="join")
    return one["rss_mib"], four["rss_mib"]


def report(cells: list[dict[str, Any]], rss: tuple[float, float]) -> tuple[list[str], int]:
    head = f"{'cell':<26}{'baseline':>11}{'engine':>11}{'ceiling':>11}{'vs base':>9}{'of ceil':>9}  verdict"
    lines, missed, differ = [head], 0, 0
    for c in cells:
        speedup, share = c["engine"] / c["baseline"], c["engine"] / c["ceiling"]
        ok = speedup > 1 and share >= CEILING_SHARE
        missed += not ok
        differ += not c["same_bytes"]
        verdict = ("PASS" if ok else "MISS") + ("" if c["same_bytes"] else "  OUTPUTS DIFFER")
        lines.append(
            f"{c['cell']:<26}{c['baseline']:>11,.0f}{c['engine']:>11,.0f}{c['ceiling']:>11,.0f}"
            f"{speedup:>8.2f}x{share:>8.0%}  {verdict}"
        )
    growth = rss[1] / rss[0] - 1
    missed += growth > RSS_GROWTH_4X
    lines += [
        "",
        "rows/s; ceiling = cores / (parse + predict + format), single-thread microseconds per row:",
        *(f"  {c['cell']:<24}{c['stages_us']}" for c in cells),
        f"{'PASS' if growth <= RSS_GROWTH_4X else 'MISS'}  engine peak RSS {rss[0]:.0f} MiB at 1x, {rss[1]:.0f} MiB "
        f"at 4x the input ({growth:+.1%}, target <= +{RSS_GROWTH_4X:.0%})",
        f"targets: engine >= {CEILING_SHARE:.0%} of the ceiling and ahead of the baseline in every cell",
    ]
    return lines, 2 if differ else 1 if missed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", choices=sorted(CASES))
    parser.add_argument("args", nargs="*")
    parser.add_argument("--work", type=Path, default=Path(".local/bench"))
    parser.add_argument("--scale", type=float, default=1.0, help="rows per shape x this (a quick run: 0.05)")
    parser.add_argument("--only", default="", help="only the cells whose name contains this, e.g. 'csv join'")
    args = parser.parse_args(argv)
    if args.case:  # child: one measurement, its figures as the last line
        model_dir, source, out, fmt, mode = args.args
        print(json.dumps(CASES[args.case](Path(model_dir), Path(source), Path(out), fmt, mode)))
        return 0
    shapes = {k: Shape(s.features, s.trees, s.depth, max(2_000, int(s.rows * args.scale))) for k, s in SHAPES.items()}
    work = (args.work / f"scale-{args.scale:g}").resolve()
    cores = len(os.sched_getaffinity(0))
    print(f"bench: {cores} cores, {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print("shapes: " + "; ".join(f"{k} ({s.rows:,} rows)" for k, s in shapes.items()))
    cells = [
        run_cell(work, name, shape, fmt=fmt, mode=mode, cores=cores)
        for name, shape in shapes.items()
        for fmt in FORMATS
        for mode in MODES
        if args.only in f"{name} {fmt} {mode}"
    ]
    lines, code = report(cells, rss_growth(work, *next(iter(shapes.items()))))
    print("\n".join(lines))
    (work / "results.json").write_text(json.dumps(cells, indent=2))
    return code


if __name__ == "__main__":
    sys.exit(main())
