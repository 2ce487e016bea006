"""model-quality (Model Monitor's model-quality job, on an endpoint's captured traffic).

Inputs (processing inputs of the job):
- `capture`: what the endpoint captured, SageMaker's format: one JSON line per request with
  `captureData.endpointInput` / `endpointOutput` (`data`, `encoding` CSV/JSON/BASE64,
  `observedContentType`) and `eventMetadata.eventId`. The answer carries one score per record:
  CSV lines, or the JSON `predictions` list of the serving container.
- `ground-truth`: the labels the use case uploads later, SageMaker's ground-truth format: one
  JSON line per request, `{"groundTruthData": {"data": "0,1", "encoding": "CSV"},
  "eventMetadata": {"eventId": "<the capture's eventId>"}, "eventVersion": "0"}`, one label per
  record of the request, in its order.
- `baseline` (optional): `constraints.json` with Model Monitor's
  `binary_classification_constraints` (`{"recall": {"threshold": 0.5, "comparison_operator":
  "LessThanThreshold"}}`: a violation when recall is below 0.5).

Predictions and labels are merged by eventId, as Model Monitor merges them: a captured request
whose labels have not arrived, and a label whose request is not in this window's capture, are
counted and left out (ground truth comes later than predictions, and is uploaded by the hour it
was labelled); a label count that differs from the request's score count, or a label that is
not 0/1, is bad data and fails the job naming the file and line. Outputs, as Model Monitor writes them:
`statistics.json` (`binary_classification_metrics`, each `{"value", "standard_deviation"}`, the
deviation from bootstrap resamples) and `constraint_violations.json`.
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipelines_src.steps.container import Paths, StepError, atomic_directory, base_parser, run, write_json

BOOTSTRAP_RESAMPLES = 30
OPERATORS = {
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
}


@dataclass(frozen=True)
class Merged:
    scores: np.ndarray[Any, Any]
    labels: np.ndarray[Any, Any]
    requests: int  # captured requests with their labels
    unlabelled: int  # captured requests whose labels have not arrived
    unmatched: int  # labels whose request is not in the capture


def json_lines(folder: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, record) for every line of every file under the folder."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path.name} line {number}"
            try:
                yield where, json.loads(line)
            except ValueError as exc:
                raise StepError(f"{where}: not JSON ({exc.args[0]})") from exc


def capture_text(part: dict[str, Any]) -> str:
    data = str(part.get("data", ""))
    return base64.b64decode(data).decode() if part.get("encoding") == "BASE64" else data


def scores_of(capture: dict[str, Any], where: str) -> list[float]:
    output = capture["captureData"]["endpointOutput"]
    text = capture_text(output)
    if "json" in str(output.get("observedContentType", "")):
        return [float(s) for s in json.loads(text)["predictions"]]
    try:
        return [float(line) for line in text.splitlines() if line.strip()]
    except ValueError as exc:
        raise StepError(f"capture {where}: the answer is not one score per line ({exc})") from exc


def labels_of(truth: dict[str, Any], where: str) -> list[int]:
    text = capture_text(truth["groundTruthData"]).strip()
    values = json.loads(text) if text.startswith("[") else text.replace("\n", ",").split(",")
    try:
        labels = [int(float(v)) for v in values]
    except ValueError as exc:
        raise StepError(f"ground truth {where}: labels must be 0 or 1 ({exc})") from exc
    if not set(labels) <= {0, 1}:
        raise StepError(f"ground truth {where}: labels must be 0 or 1, got {sorted(set(labels))}")
    return labels


def merge(capture_dir: Path, truth_dir: Path) -> Merged:
    """Each captured request's scores beside its labels, matched by eventId."""
    captured = {c["eventMetadata"]["eventId"]: (where, c) for where, c in json_lines(capture_dir)}
    scores: list[float] = []
    labels: list[int] = []
    labelled: set[str] = set()
    unmatched = 0
    for where, truth in json_lines(truth_dir):
        event = truth.get("eventMetadata", {}).get("eventId")
        if event not in captured:
            unmatched += 1
            continue
        request_scores, request_labels = scores_of(captured[event][1], captured[event][0]), labels_of(truth, where)
        if len(request_scores) != len(request_labels):
            raise StepError(
                f"ground truth {where}: {len(request_labels)} label(s) for a request with {len(request_scores)} "
                "record(s): give one label per record, in order"
            )
        scores += request_scores
        labels += request_labels
        labelled.add(event)
    if not labelled:
        raise StepError(
            f"none of the {len(captured)} captured request(s) has ground truth ({unmatched} label(s) name other "
            "events): upload labels with the capture's eventMetadata.eventId"
        )
    return Merged(np.asarray(scores), np.asarray(labels), len(labelled), len(captured) - len(labelled), unmatched)


def _point_metrics(scores: np.ndarray[Any, Any], labels: np.ndarray[Any, Any], threshold: float) -> dict[str, float]:
    from sklearn.metrics import roc_auc_score

    predicted = scores >= threshold
    tp, fp = float(np.sum(predicted & (labels == 1))), float(np.sum(predicted & (labels == 0)))
    fn, tn = float(np.sum(~predicted & (labels == 1))), float(np.sum(~predicted & (labels == 0)))
    recall = tp / (tp + fn) if tp + fn else 0.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    return {
        "recall": recall,
        "precision": precision,
        "accuracy": (tp + tn) / len(labels),
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "true_positive_rate": recall,
        "false_positive_rate": fp / (fp + tn) if fp + tn else 0.0,
        "auc": float(roc_auc_score(labels, scores)) if len(set(labels.tolist())) == 2 else float("nan"),
    }


def binary_classification_metrics(merged: Merged, threshold: float) -> dict[str, Any]:
    """Model Monitor's binary_classification_metrics at the decision threshold."""
    point = _point_metrics(merged.scores, merged.labels, threshold)
    rng = np.random.default_rng(0)
    draws = [rng.integers(0, len(merged.labels), len(merged.labels)) for _ in range(BOOTSTRAP_RESAMPLES)]
    resampled = [_point_metrics(merged.scores[d], merged.labels[d], threshold) for d in draws]
    predicted = merged.scores >= threshold
    matrix = {
        str(actual): {
            str(guess): int(np.sum((merged.labels == actual) & (predicted == bool(guess)))) for guess in (0, 1)
        }
        for actual in (0, 1)
    }
    metrics: dict[str, Any] = {"confusion_matrix": matrix}
    for name, value in point.items():
        spread = [r[name] for r in resampled if not np.isnan(r[name])]
        metrics[name] = {"value": value, "standard_deviation": float(np.std(spread)) if spread else 0.0}
    return metrics


def constraint_violations(metrics: dict[str, Any], constraints: dict[str, Any]) -> list[dict[str, Any]]:
    """Each binary_classification_constraints entry the metrics break, worded as Model Monitor's."""
    found = []
    for name, rule in sorted((constraints.get("binary_classification_constraints") or {}).items()):
        operator = rule.get("comparison_operator")
        if operator not in OPERATORS or name not in metrics:
            raise StepError(
                f"constraints.json: {name} needs a known metric ({sorted(set(metrics) - {'confusion_matrix'})}) "
                f"and a comparison_operator of {sorted(OPERATORS)}"
            )
        value, threshold = metrics[name]["value"], float(rule["threshold"])
        if OPERATORS[operator](value, threshold):
            found.append(
                {
                    "constraint_check_type": operator,
                    "description": f"Metric {name} with {value:.4f} +/- {metrics[name]['standard_deviation']:.4f} "
                    f"was {operator} '{threshold}'",
                    "metric_name": name,
                }
            )
    return found


def _constraints(paths: Paths) -> dict[str, Any]:
    folder = paths.processing_input("baseline")
    found = sorted(folder.rglob("constraints.json")) if folder.is_dir() else []
    return dict(json.loads(found[0].read_text())) if found else {}


def report(merged: Merged, threshold: float, constraints: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """statistics.json's content and the violations of the constraints."""
    metrics = binary_classification_metrics(merged, threshold)
    dataset = {
        "item_count": len(merged.labels),
        "requests": merged.requests,
        "unlabelled": merged.unlabelled,
        "unmatched_labels": merged.unmatched,
    }
    statistics = {"version": 0.0, "dataset": dataset, "binary_classification_metrics": metrics}
    return statistics, constraint_violations(metrics, constraints)


def checked_threshold(value: float, field: str) -> float:
    if not 0 < value < 1:
        raise StepError(f"{field} {value}: give a decision threshold between 0 and 1")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--threshold", type=float, default=0.5, help="the decision threshold scores are cut at")
    args = parser.parse_args(argv)
    threshold = checked_threshold(args.threshold, "--threshold")
    paths = Paths(args.base_dir)
    merged = merge(paths.processing_input("capture"), paths.processing_input("ground-truth"))
    statistics, found = report(merged, threshold, _constraints(paths))
    with atomic_directory(paths.processing_output("monitoring")) as out:
        write_json(out / "statistics.json", statistics)
        write_json(out / "constraint_violations.json", {"violations": found})
    print(f"model-quality: {len(found)} violation(s) on {len(merged.labels)} labelled records")
    return 0


if __name__ == "__main__":
    sys.exit(run(main, sys.argv[1:], "processing"))
