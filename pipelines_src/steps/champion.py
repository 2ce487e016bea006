"""champion-challenger (processing): the model in production (the champion: the latest Approved
package of the use case's group) and the candidate model-evaluation chose (the challenger),
scored on the same hold-out rows, each through its own transformer and at its own decision
threshold. The challenger goes on to registration only when it beats the champion by `--margin`
on `--metric`; otherwise the outcome is "champion-kept" and the pipeline registers nothing.

Inputs:  processing/input/champion/ (the champion's model.tar.gz), processing/input/challenger/
         (model-evaluation's model/model.tar.gz), processing/input/holdout/ (validation.parquet,
         test.parquet: raw records, as feature-engineering writes them)
Outputs: processing/output/comparison/comparison.json (outcome, both models' figures),
         comparison.html (side by side, ROC and precision-recall curves of both)
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipelines_src.contracts import DEFAULT_BETA, METRICS, DatasetSchema
from pipelines_src.steps import reports
from pipelines_src.steps.artifacts import (
    check_width,
    load_decision_threshold,
    load_model,
    load_transformer,
    single_model_dir,
)
from pipelines_src.steps.container import Paths, StepError, atomic_directory, base_parser, run, write_json
from pipelines_src.steps.evaluation import binary_metrics, decision_threshold
from pipelines_src.steps.training import predict_proba

CHAMPION_KEPT, CHALLENGER_BETTER = "champion-kept", "challenger-better"


def holdout(folder: Path) -> dict[str, pd.DataFrame]:
    """The raw validation and test rows feature-engineering kept aside."""
    found = {split: folder / f"{split}.parquet" for split in ("validation", "test")}
    missing = [str(path) for path in found.values() if not path.exists()]
    if missing:
        raise StepError(f"{', '.join(missing)} missing: feed feature-engineering's holdout/ output as 'holdout'")
    return {split: pd.read_parquet(path) for split, path in found.items()}


def _scores(model_dir: Path, rows: pd.DataFrame, who: str) -> np.ndarray[Any, Any]:
    transformer = load_transformer(model_dir)
    if transformer is None:
        raise StepError(f"the {who}'s artefact has no transformer/: both models must prepare the same raw rows")
    features = transformer.transform(rows).to_numpy(dtype=np.float32)
    model = load_model(model_dir)
    check_width(model, features.shape[1], f"the hold-out rows prepared by the {who}'s transformer")
    return predict_proba(model, features)


def score(model_dir: Path, rows: dict[str, pd.DataFrame], target: str, who: str, beta: float) -> dict[str, Any]:
    """Test metrics at the model's own decision threshold (chosen on validation when its artefact
    predates stored thresholds)."""
    stored = load_decision_threshold(model_dir)
    labels = {split: frame[target].to_numpy(dtype=np.float32) for split, frame in rows.items()}
    threshold = stored
    if threshold is None:
        threshold = decision_threshold(labels["validation"], _scores(model_dir, rows["validation"], who), beta)
    metrics = binary_metrics(labels["test"], _scores(model_dir, rows["test"], who), threshold)
    return {"threshold": threshold, "threshold_source": "stored" if stored is not None else "validation", **metrics}


def compare(champion: dict[str, Any], challenger: dict[str, Any], metric: str, margin: float) -> dict[str, Any]:
    values = [m["binary_classification_metrics"][metric]["value"] for m in (champion, challenger)]
    better = values[1] >= values[0] + margin
    return {
        "outcome": CHALLENGER_BETTER if better else CHAMPION_KEPT,
        "metric": metric,
        "margin": margin,
        "champion_value": values[0],
        "challenger_value": values[1],
        "improvement": round(values[1] - values[0], 6),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--metric", choices=METRICS, default="auc")
    parser.add_argument("--margin", type=float, default=0.01)
    parser.add_argument("--beta", type=float, default=DEFAULT_BETA)
    parser.add_argument("--champion-package", default="", help="the champion's model package ARN, for the report")
    args = parser.parse_args(argv)
    if not 0 <= args.margin <= 1:
        raise StepError(f"--margin {args.margin}: give a number from 0 to 1")
    paths = Paths(args.base_dir)
    rows = holdout(paths.processing_input("holdout"))
    with tempfile.TemporaryDirectory() as scratch:
        models = {
            who: single_model_dir(paths.processing_input(who), Path(scratch) / who)
            for who in ("champion", "challenger")
        }
        schema = _schema(models["challenger"])
        scored = {who: score(folder, rows, schema.target, who, args.beta) for who, folder in models.items()}
    comparison = {**compare(scored["champion"], scored["challenger"], args.metric, args.margin), **scored}
    comparison["champion_package"] = args.champion_package
    with atomic_directory(paths.processing_output("comparison")) as out:
        write_json(out / "comparison.json", comparison)
        reports.write_comparison_html(out / "comparison.html", comparison)
    print(
        f"champion-challenger: {comparison['outcome']} ({args.metric} champion {comparison['champion_value']:.4f}, "
        f"challenger {comparison['challenger_value']:.4f}, margin {args.margin})"
    )
    return 0


def _schema(model_dir: Path) -> DatasetSchema:
    path = model_dir / "transformer" / "schema.json"
    if not path.exists():
        raise StepError(f"the challenger's artefact has no {path.relative_to(model_dir)}: re-run feature-engineering")
    return DatasetSchema.load(path)


if __name__ == "__main__":
    sys.exit(run(main, sys.argv[1:], "processing"))
