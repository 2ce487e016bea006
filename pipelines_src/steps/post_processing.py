"""post-processing (processing): turn scored rows into business decisions with pluggable rules.

Input:  processing/input/predictions/*.out (id first, features..., probability last: the output
        of batch-inference with JoinSource=Input); processing/input/model/ (optional): the
        model package's artefact, whose operating-point.json holds the decision threshold
Output: processing/output/decisions/decisions.csv (id, probability, action) and summary.json
Rules:  `--rules package.module:function`, a function (probability array, threshold) -> action
        array; the default schedules maintenance above the threshold.
Threshold: `--threshold` when given, else the model's decision threshold, else 0.5 (a model
        registered before thresholds were chosen; the summary says which applied).
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipelines_src.steps.artifacts import DEFAULT_DECISION_THRESHOLD, load_decision_threshold, single_model_dir
from pipelines_src.steps.container import Paths, StepError, atomic_directory, base_parser, run, write_json
from pipelines_src.steps.feature_engineering import import_spec

Rules = Callable[[np.ndarray[Any, Any], float], np.ndarray[Any, Any]]


def maintenance_rules(probability: np.ndarray[Any, Any], threshold: float) -> np.ndarray[Any, Any]:
    """Default rules: stop the machine when failure is near certain, schedule maintenance above
    the threshold, otherwise carry on."""
    return np.select([probability >= 0.9, probability >= threshold], ["stop-and-inspect", "schedule-maintenance"], "ok")


def decide(predictions: pd.DataFrame, rules: Rules, threshold: float) -> pd.DataFrame:
    probability = predictions.iloc[:, -1].astype(float).to_numpy()
    return pd.DataFrame(
        {"id": predictions.iloc[:, 0].to_numpy(), "probability": probability, "action": rules(probability, threshold)}
    )


def decision_threshold(paths: Paths, given: float | None) -> tuple[float, str]:
    """(threshold, where it came from)."""
    if given is not None:
        if not 0 <= given <= 1:
            raise StepError(f"--threshold {given}: give a number from 0 to 1")
        return given, "--threshold"
    model = paths.processing_input("model")
    if model.is_dir() and any(model.iterdir()):
        with tempfile.TemporaryDirectory() as scratch:
            threshold = load_decision_threshold(single_model_dir(model, Path(scratch)))
        if threshold is not None:
            return threshold, "model"
    return DEFAULT_DECISION_THRESHOLD, f"default {DEFAULT_DECISION_THRESHOLD} (the model carries no decision threshold)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--rules", default="pipelines_src.steps.post_processing:maintenance_rules")
    parser.add_argument("--threshold", type=float, default=None, help="overrides the model's decision threshold")
    args = parser.parse_args(argv)
    paths = Paths(args.base_dir)
    threshold, source = decision_threshold(paths, args.threshold)
    files = sorted(paths.processing_input("predictions").rglob("*.out"))
    if not files:
        raise StepError(f"no *.out file under {paths.processing_input('predictions')}: pass the batch-inference output")
    predictions = pd.concat([pd.read_csv(f, header=None) for f in files], ignore_index=True)
    rules: Rules = import_spec(args.rules)  # same import-by-spec as the pluggable transformer
    decisions = decide(predictions, rules, threshold)
    summary = {
        "rows": len(decisions),
        "actions": decisions["action"].value_counts().to_dict(),
        "threshold": threshold,
        "threshold_source": source,
    }
    with atomic_directory(paths.processing_output("decisions")) as out:
        decisions.to_csv(out / "decisions.csv", index=False)
        write_json(out / "summary.json", summary)
    print(f"post-processing: {len(decisions)} decisions at threshold {threshold} ({source})")
    return 0


if __name__ == "__main__":
    sys.exit(run(main, sys.argv[1:], "processing"))
