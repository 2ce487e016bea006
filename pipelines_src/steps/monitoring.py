"""model-monitoring (processing): baselines and reports in the formats AWS tooling reads.

--mode training: from the validated training data, the test split and the chosen model, write
  the data-quality baseline (Model Monitor `statistics.json`, `constraints.json`), a Clarify-style
  bias report (`bias.json`: CI, DPL pre-training; DPPL, DI post-training) and global
  explanations (`explainability.json`, exact tree SHAP for XGBoost) with HTML reports.
--mode batch: compare new data with the baseline (`statistics.json`, `constraint_violations.json`:
  missing/extra columns, completeness, types, categorical domains, distribution drift).
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipelines_src.contracts import DatasetSchema
from pipelines_src.steps import reports
from pipelines_src.steps.artifacts import (
    DEFAULT_DECISION_THRESHOLD,
    check_width,
    load_decision_threshold,
    load_model,
    single_model_dir,
)
from pipelines_src.steps.container import Paths, StepError, atomic_directory, base_parser, run, write_json
from pipelines_src.steps.training import predict_proba, read_channel

DRIFT_THRESHOLD = 0.1  # Model Monitor's default comparison_threshold
BUCKETS = 10


# ----------------------------------------------------------------------------- data quality
def _numeric_statistics(values: pd.Series[Any]) -> dict[str, Any]:
    present = values.dropna().astype(float)
    edges = np.unique(np.quantile(present, np.linspace(0, 1, BUCKETS + 1))) if len(present) else np.array([0.0, 0.0])
    counts, _ = np.histogram(present, bins=edges) if len(edges) > 1 else (np.array([len(present)]), edges)
    buckets = [
        {"lower_bound": float(lo), "upper_bound": float(hi), "count": int(c)}
        for lo, hi, c in zip(edges[:-1], edges[1:], counts, strict=False)
    ]
    return {
        "common": {"num_present": len(present), "num_missing": int(values.isna().sum())},
        "mean": float(present.mean()) if len(present) else 0.0,
        "sum": float(present.sum()),
        "std_dev": float(present.std()) if len(present) > 1 else 0.0,
        "min": float(present.min()) if len(present) else 0.0,
        "max": float(present.max()) if len(present) else 0.0,
        "distribution": {"kll": {"buckets": buckets}},
    }


def _string_statistics(values: pd.Series[Any]) -> dict[str, Any]:
    counts = values.dropna().astype(str).value_counts()
    return {
        "common": {"num_present": int(counts.sum()), "num_missing": int(values.isna().sum())},
        "distinct_count": len(counts),
        "distribution": {"categorical": {"buckets": [{"value": str(k), "count": int(v)} for k, v in counts.items()]}},
    }


def statistics(frame: pd.DataFrame, schema: DatasetSchema) -> dict[str, Any]:
    """Model Monitor data-quality statistics of the feature columns."""
    features = []
    for name in schema.feature_names:
        column = schema.column(name)
        if column.dtype == "category":
            features.append(
                {"name": name, "inferred_type": "String", "string_statistics": _string_statistics(frame[name])}
            )
        else:
            kind = "Integral" if column.dtype == "int" else "Fractional"
            features.append(
                {"name": name, "inferred_type": kind, "numerical_statistics": _numeric_statistics(frame[name])}
            )
    return {"version": 0.0, "dataset": {"item_count": len(frame)}, "features": features}


def constraints(stats: dict[str, Any]) -> dict[str, Any]:
    """Model Monitor constraints suggested from baseline statistics."""
    features = []
    for feature in stats["features"]:
        common = (feature.get("numerical_statistics") or feature["string_statistics"])["common"]
        entry: dict[str, Any] = {
            "name": feature["name"],
            "inferred_type": feature["inferred_type"],
            "completeness": round(common["num_present"] / max(1, common["num_present"] + common["num_missing"]), 6),
        }
        if "numerical_statistics" in feature:
            entry["num_constraints"] = {"is_non_negative": feature["numerical_statistics"]["min"] >= 0}
        else:
            buckets = feature["string_statistics"]["distribution"]["categorical"]["buckets"]
            entry["string_constraints"] = {"domains": sorted(b["value"] for b in buckets)}
        features.append(entry)
    return {
        "version": 0.0,
        "features": features,
        "monitoring_config": {
            "evaluate_constraints": "Enabled",
            "emit_metrics": "Enabled",
            "datatype_check_threshold": 1.0,
            "domain_content_threshold": 1.0,
            "distribution_constraints": {
                "perform_comparison": "Enabled",
                "comparison_threshold": DRIFT_THRESHOLD,
                "comparison_method": "Robust",
            },
        },
    }


def _baseline_cdf_distance(baseline: dict[str, Any], current: pd.Series[Any]) -> float:
    """L-infinity distance between the baseline's and the current empirical CDFs, evaluated at the
    baseline's bucket bounds (the Robust comparison of Model Monitor)."""
    buckets = baseline["numerical_statistics"]["distribution"]["kll"]["buckets"]
    total = sum(b["count"] for b in buckets) or 1
    present = np.sort(current.dropna().astype(float).to_numpy())
    if not len(present):
        return 1.0
    cumulative, distance = 0, 0.0
    for bucket in buckets:
        cumulative += bucket["count"]
        current_cdf = np.searchsorted(present, bucket["upper_bound"], side="right") / len(present)
        distance = max(distance, abs(cumulative / total - current_cdf))
    return float(distance)


def violations(
    baseline_stats: dict[str, Any], baseline_constraints: dict[str, Any], frame: pd.DataFrame, not_features: set[str]
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Constraint violations of `frame` against the baseline, and the drift distance per feature;
    `not_features` (label, id) are neither checked nor reported as extra."""
    found: list[dict[str, Any]] = []
    drift: dict[str, float] = {}
    baseline_by_name = {f["name"]: f for f in baseline_stats["features"]}
    threshold = baseline_constraints["monitoring_config"]["distribution_constraints"]["comparison_threshold"]

    def add(name: str, check: str, description: str) -> None:
        found.append({"feature_name": name, "constraint_check_type": check, "description": description})

    for extra in sorted(set(frame.columns) - set(baseline_by_name) - not_features):
        add(extra, "extra_column_check", f"column {extra} is not in the baseline")
    for constraint in baseline_constraints["features"]:
        name = constraint["name"]
        if name not in frame.columns:
            add(name, "missing_column_check", f"column {name} is missing")
            continue
        completeness = float(frame[name].notna().mean())
        if completeness < constraint["completeness"] - 0.01:
            add(
                name,
                "completeness_check",
                f"completeness {completeness:.4f} below the baseline {constraint['completeness']:.4f}",
            )
        if "string_constraints" in constraint:
            unseen = sorted(set(frame[name].dropna().astype(str)) - set(constraint["string_constraints"]["domains"]))
            if unseen:
                add(name, "categorical_values_check", f"values outside the baseline domain: {unseen[:5]}")
            continue
        numeric = pd.to_numeric(frame[name], errors="coerce")
        if (numeric.isna() & frame[name].notna()).any():
            add(name, "data_type_check", f"non-numeric values in {constraint['inferred_type']} column")
        drift[name] = round(_baseline_cdf_distance(baseline_by_name[name], numeric), 6)
        if drift[name] > threshold:
            add(
                name, "baseline_drift_check", f"baseline drift distance {drift[name]:.4f} exceeds threshold {threshold}"
            )
    return found, drift


# ----------------------------------------------------------------------------- bias
def _metric(name: str, description: str, value: float) -> dict[str, Any]:
    return {"name": name, "description": description, "value": round(float(value), 6)}


def bias_report(
    facet: pd.Series[Any],
    labels: np.ndarray[Any, Any],
    predicted: np.ndarray[Any, Any],
    facet_name: str,
    label_name: str,
) -> dict[str, Any]:
    """Clarify-style bias metrics for each value of the facet (d) against the rest (a)."""
    pre: list[dict[str, Any]] = []
    post: list[dict[str, Any]] = []
    for value in sorted(facet.astype(str).unique()):
        disadvantaged = (facet.astype(str) == value).to_numpy()
        n_d, n_a = disadvantaged.sum(), (~disadvantaged).sum()
        if not n_d or not n_a:
            continue
        q_d, q_a = labels[disadvantaged].mean(), labels[~disadvantaged].mean()
        p_d, p_a = predicted[disadvantaged].mean(), predicted[~disadvantaged].mean()
        pre.append(
            {
                "value_or_threshold": value,
                "metrics": [
                    _metric("CI", "Class Imbalance (CI)", (n_a - n_d) / (n_a + n_d)),
                    _metric("DPL", "Difference in Positive Proportions in Labels (DPL)", q_a - q_d),
                ],
            }
        )
        post.append(
            {
                "value_or_threshold": value,
                "metrics": [
                    _metric("DPPL", "Difference in Positive Proportions in Predicted Labels (DPPL)", p_a - p_d),
                    _metric("DI", "Disparate Impact (DI)", p_d / p_a if p_a else float("nan")),
                ],
            }
        )
    return {
        "pre_training_bias_metrics": {
            "label": label_name,
            "facets": {facet_name: pre},
            "label_value_or_threshold": "1",
        },
        "post_training_bias_metrics": {
            "label": label_name,
            "facets": {facet_name: post},
            "label_value_or_threshold": "1",
        },
    }


# ----------------------------------------------------------------------------- explainability
def shap_values(model: Any, features: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], float, str]:
    """Per-row attributions, the expected value and the method: exact tree SHAP for XGBoost
    (pred_contribs), the tree-path contributions of the forest otherwise."""
    if hasattr(model, "predict_proba"):
        importances = np.asarray(model.feature_importances_)
        centred = features - features.mean(axis=0)
        return centred * importances, float(model.predict_proba(features)[:, 1].mean()), "impurity_weighted_deviation"
    import xgboost as xgb

    contributions = model.predict(xgb.DMatrix(features), pred_contribs=True)
    return contributions[:, :-1], float(contributions[0, -1]), "tree_shap"


def explanations(model: Any, features: np.ndarray[Any, Any], names: list[str]) -> dict[str, Any]:
    values, expected, method = shap_values(model, features)
    global_values = {name: round(float(v), 6) for name, v in zip(names, np.abs(values).mean(axis=0), strict=True)}
    return {
        "version": "1.0",
        "explanations": {method: {"label0": {"global_shap_values": global_values, "expected_value": expected}}},
    }


# ----------------------------------------------------------------------------- main
def _training_mode(paths: Paths, out: Path) -> str:
    dataset_dir = paths.processing_input("dataset")
    schema = DatasetSchema.load(dataset_dir / "schema.json")
    dataset = pd.read_parquet(dataset_dir / "dataset.parquet")
    stats = statistics(dataset, schema)
    write_json(out / "statistics.json", stats)
    write_json(out / "constraints.json", constraints(stats))
    features, labels = read_channel(paths.processing_input("test"))
    with tempfile.TemporaryDirectory() as scratch:
        model_dir = single_model_dir(paths.processing_input("model"), Path(scratch))
        model = load_model(model_dir)
        check_width(model, features.shape[1], "the test split")
        names = (
            json.loads((model_dir / "transformer" / "feature_names.json").read_text())
            if (model_dir / "transformer").exists()
            else [f"f{i}" for i in range(features.shape[1])]
        )
        # the labels the model serves: its chosen decision threshold, as the endpoint monitors use it
        chosen = load_decision_threshold(model_dir)
        threshold = DEFAULT_DECISION_THRESHOLD if chosen is None else chosen
        predicted = (predict_proba(model, features) >= threshold).astype(int)
        explained = explanations(model, features, names)
    write_json(out / "explainability.json", explained)
    method, values = next(iter(explained["explanations"].items()))
    reports.write_explainability_html(out / "explainability.html", values["label0"]["global_shap_values"], method)
    facets_file = paths.processing_input("facets") / "test.csv"
    if schema.facet and facets_file.exists():
        facet = pd.read_csv(facets_file)[schema.facet]
        report = bias_report(facet, labels, predicted, schema.facet, schema.target)
        write_json(out / "bias.json", report)
        reports.write_bias_html(out / "bias.html", report)
    return f"baseline of {len(dataset)} rows, bias and explanations on {len(labels)} test rows"


def _baseline_file(paths: Paths, name: str) -> Path:
    """A baseline file from the 'baseline' input, or from 'baseline-<stem>' (the registry's URIs)."""
    for folder in (paths.processing_input("baseline"), paths.processing_input(f"baseline-{Path(name).stem}")):
        found = sorted(folder.rglob(name)) if folder.is_dir() else []
        if found:
            return found[0]
    raise StepError(f"baseline {name} is missing: pass the training pipeline's monitoring output as 'baseline'")


def _batch_mode(paths: Paths, out: Path) -> str:
    statistics_file, constraints_file = (
        _baseline_file(paths, "statistics.json"),
        _baseline_file(paths, "constraints.json"),
    )
    dataset_dir = paths.processing_input("dataset")
    schema = DatasetSchema.load(dataset_dir / "schema.json")
    frame = pd.read_parquet(dataset_dir / "dataset.parquet")
    found, drift = violations(
        json.loads(statistics_file.read_text()),
        json.loads(constraints_file.read_text()),
        frame,
        {c for c in (schema.target, schema.id_column) if c},
    )
    write_json(out / "statistics.json", statistics(frame, schema))
    write_json(out / "constraint_violations.json", {"violations": found})
    reports.write_data_quality_html(out / "data-quality.html", found, drift, DRIFT_THRESHOLD)
    return f"{len(found)} violation(s) on {len(frame)} rows"


def main(argv: Sequence[str] | None = None) -> int:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--mode", choices=["training", "batch"], required=True)
    args = parser.parse_args(argv)
    paths = Paths(args.base_dir)
    with atomic_directory(paths.processing_output("monitoring")) as out:
        summary = (_training_mode if args.mode == "training" else _batch_mode)(paths, out)
    print(f"model-monitoring: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(run(main, sys.argv[1:], "processing"))
