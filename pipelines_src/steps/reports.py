"""HTML reports with plots (PNG embedded), written beside the JSON the AWS tooling reads."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#1d2733}"
    "table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #c9d1d9;padding:.3rem .6rem;text-align:left}"
    ".bad{color:#b3261e;font-weight:600}.good{color:#146c2e;font-weight:600}"
)


def _img(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return f'<img alt="plot" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _page(title: str, *sections: str) -> str:
    head = f"<head><meta charset='utf-8'><title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
    return f"<!doctype html><html>{head}<body><h1>{html.escape(title)}</h1>{''.join(sections)}</body></html>"


def _bar(labels: Sequence[str], values: Sequence[float], title: str) -> str:
    figure, axis = plt.subplots(figsize=(7, max(2.0, 0.35 * len(labels))))
    axis.barh(list(labels)[::-1], list(values)[::-1], color="#3a6ea5")
    axis.set_title(title)
    return _img(figure)


def _roc_plot(values: dict[str, Any]) -> str:
    roc = values["receiver_operating_characteristic_curve"]
    figure, axis = plt.subplots(figsize=(4.5, 4.5))
    axis.plot(
        roc["false_positive_rates"], roc["true_positive_rates"], label=f"model (AUC {values['auc']['value']:.3f})"
    )
    axis.plot([0, 1], [0, 1], "--", color="grey", label="trivial baseline")
    axis.set_xlabel("false positive rate")
    axis.set_ylabel("true positive rate")
    axis.legend()
    return _img(figure)


def _precision_recall_plot(values: dict[str, Any], point: dict[str, Any]) -> str:
    curve = values["precision_recall_curve"]
    figure, axis = plt.subplots(figsize=(4.5, 4.5))
    axis.plot(curve["recalls"], curve["precisions"], label="model")
    axis.plot(
        [point["recall"]], [point["precision"]], "o", color="#b3261e", label=f"threshold {point['threshold']:.3f}"
    )
    axis.set_xlabel("recall (failures caught)")
    axis.set_ylabel("precision (alarms that were failures)")
    axis.set_xlim(0, 1.02)
    axis.set_ylim(0, 1.02)
    axis.legend()
    return _img(figure)


def write_evaluation_html(path: Path, metrics: dict[str, Any], decision: dict[str, Any]) -> Path:
    values = metrics["binary_classification_metrics"]
    point = decision["operating_point"]
    matrix = values["confusion_matrix"]
    rows = [(name, values[name]["value"]) for name in ("auc", "accuracy", "precision", "recall", "f1")]
    path.write_text(
        _page(
            f"Model evaluation: {decision['best_candidate']}",
            f"<p>Decision on <b>{decision['metric']}</b>: {decision['value']:.4f} "
            f"against threshold {decision['threshold']} "
            f"(trivial baseline {decision['trivial_baseline'][decision['metric']]:.4f}).</p>",
            f"<p>Operating point: score &ge; <b>{point['threshold']}</b> means failure (chosen on the "
            f"{point['chosen_on']} split, maximising F{point['beta']:g}); on the {point['measured_on']} split it "
            f"catches <b>{point['recall']:.1%}</b> of failures with precision <b>{point['precision']:.1%}</b> "
            f"(minimums: recall {decision['policy']['min_recall']}, precision "
            f"{decision['policy']['min_precision']}). Batch and real-time scoring apply this threshold.</p>",
            _table(["metric (at the operating point)", "value"], rows),
            _roc_plot(values),
            _precision_recall_plot(values, point),
            "<h2>Confusion matrix</h2>",
            _table(["actual \\ predicted", "0", "1"], [(a, matrix[a]["0"], matrix[a]["1"]) for a in ("0", "1")]),
        )
    )
    return path


def _curves_of_both(comparison: dict[str, Any]) -> str:
    figure, (roc_axis, pr_axis) = plt.subplots(1, 2, figsize=(9, 4.5))
    for who in ("champion", "challenger"):
        values = comparison[who]["binary_classification_metrics"]
        roc, pr = values["receiver_operating_characteristic_curve"], values["precision_recall_curve"]
        roc_axis.plot(
            roc["false_positive_rates"], roc["true_positive_rates"], label=f"{who} (AUC {values['auc']['value']:.3f})"
        )
        pr_axis.plot(pr["recalls"], pr["precisions"], label=who)
        pr_axis.plot([values["recall"]["value"]], [values["precision"]["value"]], "o")
    roc_axis.plot([0, 1], [0, 1], "--", color="grey")
    roc_axis.set_xlabel("false positive rate")
    roc_axis.set_ylabel("true positive rate")
    pr_axis.set_xlabel("recall")
    pr_axis.set_ylabel("precision")
    roc_axis.legend()
    pr_axis.legend()
    return _img(figure)


def write_comparison_html(path: Path, comparison: dict[str, Any]) -> Path:
    names = ("auc", "accuracy", "precision", "recall", "f1")
    both = [comparison[who]["binary_classification_metrics"] for who in ("champion", "challenger")]
    rows = [("decision threshold", comparison["champion"]["threshold"], comparison["challenger"]["threshold"])]
    rows += [(name, both[0][name]["value"], both[1][name]["value"]) for name in names]
    kept = comparison["outcome"] == "champion-kept"
    verdict = (
        f"<p class='{'bad' if kept else 'good'}'>{html.escape(comparison['outcome'])}: {comparison['metric']} "
        f"{comparison['challenger_value']:.4f} against the champion's {comparison['champion_value']:.4f} "
        f"(required: at least {comparison['margin']} better)</p>"
    )
    path.write_text(
        _page(
            "Champion and challenger on the same hold-out rows",
            verdict,
            _table(["figure (test split, each at its own threshold)", "champion", "challenger"], rows),
            _curves_of_both(comparison),
        )
    )
    return path


def write_data_quality_html(
    path: Path, violations: list[dict[str, Any]], drift: dict[str, float], threshold: float
) -> Path:
    names = sorted(drift, key=drift.get, reverse=True)  # type: ignore[arg-type]
    rows = [(v["feature_name"], v["constraint_check_type"], v["description"]) for v in violations]
    status = f"<p class='bad'>{len(violations)} violation(s)</p>" if violations else "<p class='good'>No violations</p>"
    path.write_text(
        _page(
            "Data quality against the training baseline",
            status,
            _table(["feature", "check", "description"], rows) if rows else "",
            f"<h2>Distribution distance per feature (threshold {threshold})</h2>",
            _bar(names, [drift[n] for n in names], "L-infinity distance of CDFs"),
        )
    )
    return path


def write_bias_html(path: Path, report: dict[str, Any]) -> Path:
    sections = []
    for stage in ("pre_training_bias_metrics", "post_training_bias_metrics"):
        for facet, groups in report.get(stage, {}).get("facets", {}).items():
            for group in groups:
                rows = [(m["name"], m["description"], m["value"]) for m in group["metrics"]]
                sections.append(
                    f"<h2>{stage.replace('_', ' ')}: {facet} = {group['value_or_threshold']}</h2>"
                    + _table(["metric", "meaning", "value"], rows)
                )
    path.write_text(_page("Bias report", *sections))
    return path


def write_explainability_html(path: Path, global_values: dict[str, float], method: str) -> Path:
    names = sorted(global_values, key=global_values.get, reverse=True)[:20]  # type: ignore[arg-type]
    path.write_text(
        _page(
            "Explainability: global feature attributions",
            f"<p>Mean absolute {html.escape(method)} values over the analysed rows.</p>",
            _bar(names, [global_values[n] for n in names], f"mean |{method}|"),
        )
    )
    return path
