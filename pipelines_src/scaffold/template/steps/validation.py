"""data-validation (processing): this use case's own check between feature engineering and
training: enough rows, both classes, no missing values in the train and validation splits.

Inputs:  processing/input/train/*.csv, processing/input/validation/*.csv (label first, no header)
Output:  processing/output/report/report.json
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import pandas as pd

from pipelines_src.steps.container import Paths, StepError, atomic_directory, base_parser, run, write_json

MIN_ROWS = 100


def check(frame: pd.DataFrame, split: str) -> dict[str, Any]:
    if len(frame) < MIN_ROWS:
        raise StepError(f"{split}: {len(frame)} rows, fewer than {MIN_ROWS}: give the pipeline more data")
    labels = sorted(frame.iloc[:, 0].unique().tolist())
    if labels != [0, 1]:
        raise StepError(f"{split}: the label needs both classes 0 and 1, found {labels}")
    missing = int(frame.isna().sum().sum())
    if missing:
        raise StepError(f"{split}: {missing} missing feature values after feature engineering: fix the transformer")
    return {"rows": len(frame), "positive_rate": round(float(frame.iloc[:, 0].mean()), 4)}


def main(argv: Sequence[str] | None = None) -> int:
    paths = Paths(base_parser(__doc__ or "").parse_args(argv).base_dir)
    report = {}
    for split in ("train", "validation"):
        files = sorted(paths.processing_input(split).glob("*.csv"))
        if not files:
            raise StepError(f"no CSV under {paths.processing_input(split)}: feed the feature-engineering output")
        report[split] = check(pd.concat([pd.read_csv(f, header=None) for f in files]), split)
    with atomic_directory(paths.processing_output("report")) as out:
        write_json(out / "report.json", report)
    print(f"data-validation: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(run(main, sys.argv[1:], "processing"))
