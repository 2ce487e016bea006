"""model-bias and model-explainability (SageMaker Clarify's monitoring jobs, on an endpoint's
captured traffic).

Inputs (processing inputs of the job):
- `capture`: what the endpoint captured, in SageMaker's format (see model_quality). These
  monitors read the raw records of the application/json `{"instances": [{record}, ...]}`
  requests; text/csv requests carry the transformed features, in which the facet is no longer
  a column, and are left out (a window with none of the first fails, saying so).
- `ground-truth` (bias): the labels the use case uploaded, SageMaker's ground-truth format,
  merged by eventId as the model-quality monitor merges them.
- `baseline`: the training pipeline's `bias.json` (bias) or `explainability.json`
  (explainability), Clarify's analysis format, which is what the monitor compares with.
- `model` (explainability): the served model artefact (model.tar.gz with its transformer).

Bias: the predicted label is the captured probability at the decision threshold; the report is
Clarify's `analysis.json` (`post_training_bias_metrics`: DPPL, DI for each facet value against
the rest, each with the standard deviation of 30 bootstrap resamples). A `bias_drift_check`
violation is a metric further from fair (0, or 1 for DI) than the baseline's value, Clarify's
rule (a baseline DPPL of 0.2 allows -0.2..0.2), by more than two standard deviations: the
registry's addition, because an hour of traffic is a small sample (500 records give DPPL a
deviation of about 0.04) and Clarify's bare comparison alarms on noise.

Explainability: exact tree SHAP of the served model over the captured records (on AWS Clarify
runs Kernel SHAP against a shadow endpoint; tree SHAP is the exact value Kernel SHAP estimates),
reported as `analysis.json` (`explanations.<method>.label0.global_shap_values`, mean |SHAP|). A
`feature_attribution_drift_check` violation is an nDCG of the live ranking against the
baseline's below 0.9, Clarify's default threshold.
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipelines_src.steps import monitoring
from pipelines_src.steps.artifacts import load_model, load_transformer, single_model_dir
from pipelines_src.steps.container import Paths, StepError, atomic_directory, base_parser, run, write_json
from pipelines_src.steps.model_quality import capture_text, checked_threshold, json_lines, labels_of, scores_of

NDCG_THRESHOLD = 0.9  # Clarify's default for feature attribution drift
# A bias metric violates only when worse than its baseline by more than this many bootstrap
# standard deviations: an hour of traffic is a small sample, and the noise alone would alarm.
SIGNIFICANCE = 2.0
BOOTSTRAP_RESAMPLES = 30
FAIR_VALUE = {"DI": 1.0}  # every other bias metric is fair at 0
POST_TRAINING = "post_training_bias_metrics"


@dataclass(frozen=True)
class Traffic:
    """The captured records, row by row: the record, its score and its request's eventId."""

    records: pd.DataFrame
    scores: np.ndarray[Any, Any]
    events: tuple[str, ...]


def _instances(capture: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The raw records of a JSON request; None for text/csv, whose transformed features have lost the facet."""
    given = capture["captureData"]["endpointInput"]
    if "json" not in str(given.get("observedContentType", "")):
        return None
    body = json.loads(capture_text(given))
    rows = body.get("instances", [body]) if isinstance(body, dict) else body
    return [row for row in rows if isinstance(row, dict)]


def captured_traffic(capture_dir: Path) -> Traffic:
    """The records of the captured JSON requests (text/csv requests are counted and left out)."""
    records: list[dict[str, Any]] = []
    scores: list[float] = []
    events: list[str] = []
    skipped = 0
    for where, capture in json_lines(capture_dir):
        rows = _instances(capture)
        if rows is None:
            skipped += 1
            continue
        request_scores = scores_of(capture, where)
        if len(rows) != len(request_scores):
            raise StepError(f"capture {where}: {len(rows)} record(s) but {len(request_scores)} score(s)")
        records += rows
        scores += request_scores
        events += [capture["eventMetadata"]["eventId"]] * len(rows)
    if not records:
        raise StepError(
            f"no captured JSON requests ({skipped} text/csv): bias and explainability need the raw records, "
            'send application/json {"instances": [...]} to the endpoint'
        )
    return Traffic(pd.DataFrame(records), np.asarray(scores), tuple(events))


def labelled(traffic: Traffic, truth_dir: Path) -> tuple[Traffic, np.ndarray[Any, Any]]:
    """The records whose ground truth arrived, and their labels."""
    labels_by_event: dict[str, list[int]] = {}
    for where, truth in json_lines(truth_dir):
        event = truth.get("eventMetadata", {}).get("eventId")
        if event is not None:
            labels_by_event[event] = labels_of(truth, where)
    rows_by_event: dict[str, list[int]] = {}
    for row, event in enumerate(traffic.events):
        rows_by_event.setdefault(event, []).append(row)
    keep: list[int] = []
    labels: list[int] = []
    for event, rows in rows_by_event.items():
        if event in labels_by_event:
            if len(labels_by_event[event]) != len(rows):
                raise StepError(
                    f"ground truth of {event}: {len(labels_by_event[event])} label(s) for a request of {len(rows)} "
                    "record(s): give one label per record, in order"
                )
            keep += rows
            labels += labels_by_event[event]
    if not keep:
        raise StepError(
            "none of the captured requests has ground truth: upload labels with the capture's eventMetadata.eventId"
        )
    subset = Traffic(
        traffic.records.iloc[keep].reset_index(drop=True), traffic.scores[keep], tuple(traffic.events[i] for i in keep)
    )
    return subset, np.asarray(labels)


# ----------------------------------------------------------------------------- bias
def metric_values(analysis: dict[str, Any]) -> dict[tuple[str, str, str], float]:
    """Each post-training metric's value by (facet, facet value, metric name)."""
    facets = (analysis.get(POST_TRAINING) or {}).get("facets") or {}
    return {
        (facet, str(group["value_or_threshold"]), metric["name"]): float(metric["value"])
        for facet, groups in facets.items()
        for group in groups
        for metric in group["metrics"]
    }


def _with_spread(report: dict[str, Any], resampled: list[dict[str, Any]]) -> dict[str, Any]:
    """The report, each metric given the standard deviation of its bootstrap resamples."""
    draws: dict[tuple[str, str, str], list[float]] = {}
    for other in resampled:
        for key, value in metric_values(other).items():
            if not math.isnan(value):
                draws.setdefault(key, []).append(value)
    for facet, groups in report[POST_TRAINING]["facets"].items():
        for group in groups:
            for metric in group["metrics"]:
                spread = draws.get((facet, str(group["value_or_threshold"]), metric["name"]), [])
                metric["standard_deviation"] = round(float(np.std(spread)), 6) if spread else 0.0
    return report


def bias_analysis(
    traffic: Traffic, labels: np.ndarray[Any, Any], facet: str, label: str, threshold: float
) -> dict[str, Any]:
    if facet not in traffic.records:
        raise StepError(f"facet {facet!r} is not a field of the captured records ({sorted(map(str, traffic.records))})")
    predicted = (traffic.scores >= threshold).astype(int)
    values = traffic.records[facet].reset_index(drop=True)

    def analysed(rows: np.ndarray[Any, Any]) -> dict[str, Any]:
        report = monitoring.bias_report(values.iloc[rows], labels[rows], predicted[rows], facet, label)
        return {"version": "1.0", POST_TRAINING: report[POST_TRAINING]}

    rng = np.random.default_rng(0)
    resampled = [analysed(rng.integers(0, len(labels), len(labels))) for _ in range(BOOTSTRAP_RESAMPLES)]
    return _with_spread(analysed(np.arange(len(labels))), resampled)


def bias_violations(baseline: dict[str, Any], analysis: dict[str, Any]) -> list[dict[str, Any]]:
    """Each post-training metric further from fair than the baseline's value by more than
    SIGNIFICANCE standard deviations of its bootstrap resamples."""
    allowed = metric_values(baseline)
    if not allowed:
        raise StepError(f"the bias baseline has no {POST_TRAINING}: pass the training pipeline's bias.json")
    found = []
    for facet, groups in sorted(analysis[POST_TRAINING]["facets"].items()):
        for group in groups:
            value = str(group["value_or_threshold"])
            for metric in group["metrics"]:
                name, current, spread = metric["name"], float(metric["value"]), metric.get("standard_deviation", 0.0)
                limit, fair = allowed.get((facet, value, name)), FAIR_VALUE.get(name, 0.0)
                if limit is None or math.isnan(current) or math.isnan(limit):
                    continue
                if abs(current - fair) - SIGNIFICANCE * spread <= abs(limit - fair):
                    continue
                found.append(
                    {
                        "facet": facet,
                        "facet_value": value,
                        "metric_name": name,
                        "constraint_check_type": "bias_drift_check",
                        "description": f"Value {current} (+/- {spread}) does not meet the constraint requirement "
                        f"(baseline {limit})",
                    }
                )
    return found


# ----------------------------------------------------------------------------- explainability
def explanations(model_dir: Path, records: pd.DataFrame) -> dict[str, Any]:
    """Clarify's analysis.json explanations of the model over the records."""
    transformer = load_transformer(model_dir)
    if transformer is None:
        raise StepError("the served model has no transformer: explainability needs a model that takes raw records")
    features = transformer.transform(records).to_numpy(dtype=np.float32)
    return monitoring.explanations(load_model(model_dir), features, list(transformer.feature_names))


def global_values(analysis: dict[str, Any], where: str) -> dict[str, float]:
    try:
        (by_label,) = analysis["explanations"].values()
        return {name: float(v) for name, v in by_label["label0"]["global_shap_values"].items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise StepError(f"{where}: no explanations.<method>.label0.global_shap_values (Clarify's format)") from exc


def ndcg(baseline: dict[str, float], live: dict[str, float]) -> float:
    """Clarify's nDCG: the baseline's attributions, gained in the live ranking's order."""
    names = [name for name in baseline if name in live]

    def gain(order: list[str]) -> float:
        return sum(baseline[name] / math.log2(rank + 2) for rank, name in enumerate(order))

    ideal = gain(sorted(names, key=lambda n: -baseline[n]))
    return gain(sorted(names, key=lambda n: -live[n])) / ideal if ideal else 1.0


def attribution_violations(baseline: dict[str, Any], analysis: dict[str, Any]) -> tuple[float, list[dict[str, Any]]]:
    score = ndcg(global_values(baseline, "the explainability baseline"), global_values(analysis, "the analysis"))
    if score >= NDCG_THRESHOLD:
        return score, []
    violation = {
        "label": "label0",
        "metric_name": "shap",  # Clarify's: the method whose attributions drifted
        "constraint_check_type": "feature_attribution_drift_check",
        "description": f"nDCG {score:.4f} is below the threshold {NDCG_THRESHOLD}: the features the model relies on "
        "changed since its baseline",
    }
    return score, [violation]


# ----------------------------------------------------------------------------- main
def _baseline(paths: Paths, name: str) -> dict[str, Any]:
    folder = paths.processing_input("baseline")
    found = sorted(folder.rglob(name)) if folder.is_dir() else []
    if not found:
        raise StepError(f"baseline {name} is missing: pass the training pipeline's monitoring output as 'baseline'")
    return dict(json.loads(found[0].read_text()))


def _explain(paths: Paths, traffic: Traffic) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    with tempfile.TemporaryDirectory() as scratch:
        analysis = explanations(single_model_dir(paths.processing_input("model"), Path(scratch)), traffic.records)
    _, found = attribution_violations(_baseline(paths, "explainability.json"), analysis)
    return analysis, found


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--mode", choices=["bias", "explainability"], required=True)
    parser.add_argument("--facet", help="(bias) the sensitive field of the records, e.g. shift")
    parser.add_argument("--label", default="label", help="(bias) the label's name in the report")
    parser.add_argument("--threshold", type=float, default=0.5, help="(bias) the decision threshold")
    args = parser.parse_args(argv)
    paths = Paths(args.base_dir)
    traffic = captured_traffic(paths.processing_input("capture"))
    if args.mode == "bias":
        if not args.facet:
            raise StepError("--facet: name the sensitive field bias is measured for")
        subset, labels = labelled(traffic, paths.processing_input("ground-truth"))
        analysis = bias_analysis(
            subset, labels, args.facet, args.label, checked_threshold(args.threshold, "--threshold")
        )
        found = bias_violations(_baseline(paths, "bias.json"), analysis)
    else:
        analysis, found = _explain(paths, traffic)
    with atomic_directory(paths.processing_output("monitoring")) as out:
        write_json(out / "analysis.json", analysis)
        write_json(out / "constraint_violations.json", {"version": "1.0", "violations": found})
    print(f"model-{args.mode}: {len(found)} violation(s) on {len(traffic.records)} captured records")
    return 0


if __name__ == "__main__":
    sys.exit(run(main, sys.argv[1:], "processing"))
