"""model-evaluation (processing): score every candidate model on the test split, pick the best by
the chosen metric, and write the report in the format the model registry attaches as model
quality metrics (`binary_classification_metrics`, as SageMaker Model Monitor writes them).

Inputs:  processing/input/models/<candidate>/model.tar.gz (or an unpacked model folder),
         processing/input/test/test.csv
Outputs: processing/output/evaluation/evaluation.json (best candidate), decision.json,
         candidates.json, evaluation.html
A best model below `--threshold` fails the step with the metric named, after nothing is written.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pipelines_src.contracts import METRICS
from pipelines_src.steps import reports
from pipelines_src.steps.artifacts import check_width, load_model, model_dirs
from pipelines_src.steps.container import Paths, StepError, atomic_directory, base_parser, run, write_json
from pipelines_src.steps.training import predict_proba, read_channel


def _auc(labels: np.ndarray[Any, Any], scores: np.ndarray[Any, Any]) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores)) if len(np.unique(labels)) == 2 else float("nan")


def binary_metrics(labels: np.ndarray[Any, Any], scores: np.ndarray[Any, Any], cutoff: float = 0.5) -> dict[str, Any]:
    """Model-quality metrics in Model Monitor's `binary_classification_metrics` shape."""
    from sklearn.metrics import roc_curve

    predicted = (scores >= cutoff).astype(int)
    tp = int(((predicted == 1) & (labels == 1)).sum())
    fp = int(((predicted == 1) & (labels == 0)).sum())
    fn = int(((predicted == 0) & (labels == 1)).sum())
    tn = int(((predicted == 0) & (labels == 0)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    fpr, tpr, _ = roc_curve(labels, scores)
    value = {
        "auc": _auc(labels, scores),
        "accuracy": (tp + tn) / len(labels),
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }
    result: dict[str, Any] = {name: {"value": round(v, 6), "standard_deviation": "NaN"} for name, v in value.items()}
    result["confusion_matrix"] = {"0": {"0": tn, "1": fp}, "1": {"0": fn, "1": tp}}
    result["receiver_operating_characteristic_curve"] = {
        "false_positive_rates": [round(float(x), 5) for x in fpr],
        "true_positive_rates": [round(float(x), 5) for x in tpr],
    }
    return {"binary_classification_metrics": result}


def trivial_baseline(labels: np.ndarray[Any, Any]) -> dict[str, float]:
    """What always predicting the majority class scores: the bar a model has to clear."""
    majority = float(labels.mean() >= 0.5)
    return {"auc": 0.5, "accuracy": float((labels == majority).mean())}


def candidate_index(name: str) -> int:
    """Position of a candidate in the pipeline's Map results ('candidate-3' -> 3; a lone model -> 0)."""
    suffix = name.rsplit("-", 1)[-1]
    return int(suffix) if name.startswith("candidate-") and suffix.isdigit() else 0


def evaluate(models: dict[str, Path], test: tuple[Any, Any], metric: str) -> tuple[str, dict[str, dict[str, Any]]]:
    """(best candidate, metrics of every candidate)."""
    features, labels = test
    scored = {}
    for name, folder in models.items():
        model = load_model(folder)
        check_width(model, features.shape[1], f"the test split (candidate {name})")
        scored[name] = binary_metrics(labels, predict_proba(model, features))
    best = max(scored, key=lambda n: scored[n]["binary_classification_metrics"][metric]["value"])
    return best, scored


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--metric", choices=METRICS, default="auc")
    parser.add_argument("--threshold", type=float, default=0.75)
    args = parser.parse_args(argv)
    paths = Paths(args.base_dir)
    test = read_channel(paths.processing_input("test"))
    with tempfile.TemporaryDirectory() as scratch:
        best, scored = evaluate(model_dirs(paths.processing_input("models"), Path(scratch)), test, args.metric)
    value = scored[best]["binary_classification_metrics"][args.metric]["value"]
    baseline = trivial_baseline(test[1])
    if value < args.threshold:
        raise StepError(
            f"best model ({best}) has {args.metric}={value:.4f}, below the threshold {args.threshold}: "
            f"improve features or hyperparameters, or lower evaluation_threshold deliberately"
        )
    decision = {
        "best_candidate": best,
        "best_index": candidate_index(best),
        "metric": args.metric,
        "value": value,
        "threshold": args.threshold,
        "passed": True,
        "trivial_baseline": baseline,
    }
    with atomic_directory(paths.processing_output("evaluation")) as out:
        write_json(out / "evaluation.json", scored[best])
        write_json(
            out / "candidates.json",
            {n: s["binary_classification_metrics"][args.metric]["value"] for n, s in scored.items()},
        )
        write_json(out / "decision.json", decision)
        reports.write_evaluation_html(out / "evaluation.html", scored[best], decision)
    print(f"model-evaluation: best {best} {args.metric}={value:.4f} (trivial baseline {baseline[args.metric]:.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(run(main, sys.argv[1:], "processing"))
