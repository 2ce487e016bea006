"""model-evaluation (processing): choose every candidate's decision threshold on the validation
split, score it on the test split at that threshold, pick the best by the chosen metric, and
write the report in the format the model registry attaches as model quality metrics
(`binary_classification_metrics`, as SageMaker Model Monitor writes them).

Inputs:  processing/input/models/<candidate>/model.tar.gz (or an unpacked model folder),
         processing/input/validation/validation.csv, processing/input/test/test.csv
Outputs: processing/output/evaluation/evaluation.json (best candidate, with the
         `decision_threshold` its metrics were measured at), decision.json,
         candidates.json, evaluation.html, model/model.tar.gz (the best candidate's artefact
         with its operating-point.json: what the registry registers, so batch and real-time
         scoring apply the threshold chosen here)
A best model below `--threshold` on the metric, or below `--min-precision` / `--min-recall` at
its decision threshold, fails the step with the figures named, after nothing is written.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pipelines_src.contracts import DEFAULT_BETA, METRICS, ContractError, EvaluationPolicy
from pipelines_src.steps import reports
from pipelines_src.steps.artifacts import OPERATING_POINT, check_width, load_model, model_dirs, pack_model
from pipelines_src.steps.container import Paths, StepError, atomic_directory, base_parser, run, write_json
from pipelines_src.steps.training import predict_proba, read_channel

Split = tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]


def _auc(labels: np.ndarray[Any, Any], scores: np.ndarray[Any, Any]) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores)) if len(np.unique(labels)) == 2 else float("nan")


def _curves(labels: np.ndarray[Any, Any], scores: np.ndarray[Any, Any]) -> dict[str, Any]:
    from sklearn.metrics import precision_recall_curve, roc_curve

    fpr, tpr, _ = roc_curve(labels, scores)
    precisions, recalls, _ = precision_recall_curve(labels, scores)
    return {
        "receiver_operating_characteristic_curve": {
            "false_positive_rates": [round(float(x), 5) for x in fpr],
            "true_positive_rates": [round(float(x), 5) for x in tpr],
        },
        "precision_recall_curve": {
            "precisions": [round(float(x), 5) for x in precisions],
            "recalls": [round(float(x), 5) for x in recalls],
        },
    }


def binary_metrics(labels: np.ndarray[Any, Any], scores: np.ndarray[Any, Any], cutoff: float = 0.5) -> dict[str, Any]:
    """Model-quality metrics in Model Monitor's `binary_classification_metrics` shape, the
    threshold-dependent ones (accuracy, precision, recall, f1, the matrix) at `cutoff`."""
    predicted = (scores >= cutoff).astype(int)
    tp = int(((predicted == 1) & (labels == 1)).sum())
    fp = int(((predicted == 1) & (labels == 0)).sum())
    fn = int(((predicted == 0) & (labels == 1)).sum())
    tn = int(((predicted == 0) & (labels == 0)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    value = {
        "auc": _auc(labels, scores),
        "accuracy": (tp + tn) / len(labels),
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }
    result: dict[str, Any] = {name: {"value": round(v, 6), "standard_deviation": "NaN"} for name, v in value.items()}
    result["confusion_matrix"] = {"0": {"0": tn, "1": fp}, "1": {"0": fn, "1": tp}}
    return {"binary_classification_metrics": {**result, **_curves(labels, scores)}}


def decision_threshold(labels: np.ndarray[Any, Any], scores: np.ndarray[Any, Any], beta: float = DEFAULT_BETA) -> float:
    """The score cut-off that maximises F-beta on these labels (ties: the higher cut-off, fewer
    alarms). Chosen on the validation split, so the test split's figures at it stay honest."""
    from sklearn.metrics import precision_recall_curve

    if labels.sum() == 0:
        raise StepError("the validation split holds no failure: a decision threshold cannot be chosen; use more data")
    precisions, recalls, cutoffs = precision_recall_curve(labels, scores)
    precisions, recalls = precisions[:-1], recalls[:-1]  # the last point has no cut-off
    weight = beta**2
    f_beta = (1 + weight) * precisions * recalls / np.maximum(weight * precisions + recalls, 1e-12)
    best = np.flatnonzero(f_beta == f_beta.max())[-1]
    return round(float(cutoffs[best]), 6)


def trivial_baseline(labels: np.ndarray[Any, Any]) -> dict[str, float]:
    """What always predicting the majority class scores: the bar a model has to clear."""
    majority = float(labels.mean() >= 0.5)
    hits = float(majority == 1.0)  # predicting "no failure" for all finds none
    return {
        "auc": 0.5,
        "accuracy": float((labels == majority).mean()),
        "precision": hits * float(labels.mean()),
        "recall": hits,
        "f1": hits * 2 * float(labels.mean()) / (1 + float(labels.mean())),
    }


def candidate_index(name: str) -> int:
    """Position of a candidate in the pipeline's Map results ('candidate-3' -> 3; a lone model -> 0)."""
    suffix = name.rsplit("-", 1)[-1]
    return int(suffix) if name.startswith("candidate-") and suffix.isdigit() else 0


def evaluate(
    models: dict[str, Path], validation: Split, test: Split, metric: str, beta: float = DEFAULT_BETA
) -> tuple[str, dict[str, dict[str, Any]], dict[str, float]]:
    """(best candidate, test metrics of every candidate at its own threshold, the thresholds)."""
    scored, thresholds = {}, {}
    for name, folder in models.items():
        model = load_model(folder)
        check_width(model, validation[0].shape[1], f"the validation split (candidate {name})")
        check_width(model, test[0].shape[1], f"the test split (candidate {name})")
        thresholds[name] = decision_threshold(validation[1], predict_proba(model, validation[0]), beta)
        scored[name] = binary_metrics(test[1], predict_proba(model, test[0]), thresholds[name])
    best = max(scored, key=lambda n: scored[n]["binary_classification_metrics"][metric]["value"])
    return best, scored, thresholds


def gate_problems(metrics: dict[str, Any], metric: str, threshold: float, policy: EvaluationPolicy) -> list[str]:
    """Why the best model may not be registered (empty: it may)."""
    values = {name: metrics["binary_classification_metrics"][name]["value"] for name in METRICS}
    problems = []
    if values[metric] < threshold:
        problems.append(f"{metric}={values[metric]:.4f} is below evaluation_threshold {threshold}")
    for name, minimum in (("precision", policy.min_precision), ("recall", policy.min_recall)):
        if values[name] < minimum:
            problems.append(f"{name}={values[name]:.4f} at its decision threshold is below min_{name} {minimum}")
    return problems


def _policy(args: Any) -> EvaluationPolicy:
    try:
        return EvaluationPolicy(beta=args.beta, min_precision=args.min_precision, min_recall=args.min_recall)
    except ContractError as exc:
        raise StepError(str(exc)) from exc


def _decision(best: str, args: Any, metrics: dict[str, Any], cutoff: float, policy: EvaluationPolicy) -> dict[str, Any]:
    values = metrics["binary_classification_metrics"]
    return {
        "best_candidate": best,
        "best_index": candidate_index(best),
        "metric": args.metric,
        "value": values[args.metric]["value"],
        "threshold": args.threshold,
        "passed": True,
        "operating_point": {
            "threshold": cutoff,
            "beta": policy.beta,
            "chosen_on": "validation",
            "precision": values["precision"]["value"],
            "recall": values["recall"]["value"],
            "measured_on": "test",
        },
        "policy": {"min_precision": policy.min_precision, "min_recall": policy.min_recall},
    }


def _write(out: Path, model: Path, scored: dict[str, dict[str, Any]], decision: dict[str, Any]) -> None:
    best = decision["best_candidate"]
    # the decision threshold beside the metrics measured at it: what the endpoint monitors cut at
    write_json(out / "evaluation.json", scored[best] | {"decision_threshold": decision["operating_point"]["threshold"]})
    write_json(
        out / "candidates.json",
        {n: s["binary_classification_metrics"][decision["metric"]]["value"] for n, s in scored.items()},
    )
    write_json(out / "decision.json", decision)
    reports.write_evaluation_html(out / "evaluation.html", scored[best], decision)
    pack_model(model, out / "model" / "model.tar.gz", {OPERATING_POINT: decision["operating_point"]})


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--metric", choices=METRICS, default="auc")
    parser.add_argument("--threshold", type=float, default=0.75)
    parser.add_argument("--beta", type=float, default=DEFAULT_BETA)
    parser.add_argument("--min-precision", type=float, default=EvaluationPolicy.min_precision)
    parser.add_argument("--min-recall", type=float, default=EvaluationPolicy.min_recall)
    args = parser.parse_args(argv)
    policy, paths = _policy(args), Paths(args.base_dir)
    validation, test = (read_channel(paths.processing_input(split)) for split in ("validation", "test"))
    with tempfile.TemporaryDirectory() as scratch:
        models = model_dirs(paths.processing_input("models"), Path(scratch))
        best, scored, thresholds = evaluate(models, validation, test, args.metric, policy.beta)
        problems = gate_problems(scored[best], args.metric, args.threshold, policy)
        if problems:
            raise StepError(
                f"best model ({best}, decision threshold {thresholds[best]}): " + "; ".join(problems) + ": improve "
                "features or hyperparameters, or lower the threshold or the evaluation policy's minimums deliberately"
            )
        decision = _decision(best, args, scored[best], thresholds[best], policy)
        decision["trivial_baseline"] = baseline = trivial_baseline(test[1])
        with atomic_directory(paths.processing_output("evaluation")) as out:
            _write(out, models[best], scored, decision)
    point = decision["operating_point"]
    print(
        f"model-evaluation: best {best} {args.metric}={decision['value']:.4f} (trivial baseline "
        f"{baseline[args.metric]:.4f}); at threshold {point['threshold']}: precision {point['precision']:.3f}, "
        f"recall {point['recall']:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(run(main, sys.argv[1:], "processing"))
