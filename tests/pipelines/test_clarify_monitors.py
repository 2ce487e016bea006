"""The model-bias and model-explainability steps on captured traffic: Clarify's metrics and nDCG
computed by hand, the violation rules (worse than the baseline beyond the noise; a changed
ranking), text/csv requests left out, and bad data refused naming what to fix."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pipelines_src.steps import clarify_monitors as cm
from pipelines_src.steps.container import StepError


def _capture(event: str, records: list[dict[str, Any]], scores: list[float]) -> dict[str, Any]:
    request = {"observedContentType": "application/json", "mode": "INPUT", "encoding": "JSON"}
    request["data"] = json.dumps({"instances": records})
    answer = {"observedContentType": "application/json", "mode": "OUTPUT", "encoding": "JSON"}
    answer["data"] = json.dumps({"predictions": scores})
    return {"captureData": {"endpointInput": request, "endpointOutput": answer}, "eventMetadata": {"eventId": event}}


def _csv_capture(event: str) -> dict[str, Any]:
    request = {"observedContentType": "text/csv", "mode": "INPUT", "encoding": "CSV", "data": "0.1,0.2"}
    answer = {"observedContentType": "text/csv", "mode": "OUTPUT", "encoding": "CSV", "data": "0.9\n"}
    return {"captureData": {"endpointInput": request, "endpointOutput": answer}, "eventMetadata": {"eventId": event}}


def _truth(event: str, labels: list[int]) -> dict[str, Any]:
    data = {"data": ",".join(map(str, labels)), "encoding": "CSV"}
    return {"groundTruthData": data, "eventMetadata": {"eventId": event}, "eventVersion": "0"}


def _write(folder: Path, lines: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "part.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    return folder


def _analysis(facet: str, groups: dict[str, dict[str, float]]) -> dict[str, Any]:
    metrics = [
        {"value_or_threshold": value, "metrics": [{"name": n, "value": v} for n, v in found.items()]}
        for value, found in groups.items()
    ]
    return {"post_training_bias_metrics": {"facets": {facet: metrics}}}


def test_bias_metrics_are_those_of_the_labelled_records(tmp_path: Path) -> None:
    """Four requests of five records; the last one's labels have not arrived; one CSV request is left out."""
    rng = np.random.default_rng(5)
    shifts = rng.choice(["day", "night"], 20).tolist()
    scores = rng.random(20).round(6).tolist()
    captures = [
        _capture(f"e{i}", [{"shift": s} for s in shifts[i * 5 : i * 5 + 5]], scores[i * 5 : i * 5 + 5])
        for i in range(4)
    ]
    capture = _write(tmp_path / "capture", [*captures, _csv_capture("csv")])
    labels = rng.integers(0, 2, 20).tolist()
    truth = _write(tmp_path / "truth", [_truth(f"e{i}", labels[i * 5 : i * 5 + 5]) for i in range(3)])
    traffic = cm.captured_traffic(capture)
    assert len(traffic.records) == 20
    subset, got = cm.labelled(traffic, truth)
    assert got.tolist() == labels[:15] and len(subset.records) == 15
    analysis = cm.bias_analysis(subset, got, "shift", "failure", 0.5)
    predicted = np.asarray(scores[:15]) >= 0.5
    night = np.asarray(shifts[:15]) == "night"
    values = cm.metric_values(analysis)
    assert values  # something was measured
    assert values[("shift", "night", "DPPL")] == pytest.approx(predicted[~night].mean() - predicted[night].mean())
    assert values[("shift", "night", "DI")] == pytest.approx(predicted[night].mean() / predicted[~night].mean())
    spreads = [
        m["standard_deviation"] for g in analysis["post_training_bias_metrics"]["facets"]["shift"] for m in g["metrics"]
    ]
    assert all(s > 0 for s in spreads), "each metric carries its bootstrap deviation"


def test_a_bias_violation_is_worse_than_the_baseline_beyond_the_noise() -> None:
    baseline = _analysis("shift", {"night": {"DPPL": 0.1, "DI": 0.8}})

    def current(dppl: float, di: float, spread: float) -> dict[str, Any]:
        found = _analysis("shift", {"night": {"DPPL": dppl, "DI": di}})
        for metric in found["post_training_bias_metrics"]["facets"]["shift"][0]["metrics"]:
            metric["standard_deviation"] = spread
        return found

    assert cm.bias_violations(baseline, current(-0.09, 1.19, 0.0)) == [], "closer to fair than allowed, either side"
    found = cm.bias_violations(baseline, current(-0.3, 1.5, 0.05))
    assert [(v["facet_value"], v["metric_name"], v["constraint_check_type"]) for v in found] == [
        ("night", "DPPL", "bias_drift_check"),
        ("night", "DI", "bias_drift_check"),
    ]
    assert cm.bias_violations(baseline, current(-0.3, 1.45, 0.15)) == [], "within two deviations: noise"
    assert cm.bias_violations(baseline, current(math.nan, math.nan, 0.0)) == [], "one group only: nothing to compare"
    with pytest.raises(StepError, match="has no post_training_bias_metrics"):
        cm.bias_violations({}, current(0.3, 1.5, 0.0))


def test_ndcg_is_clarifys() -> None:
    baseline = {"a": 0.5, "b": 0.3, "c": 0.2}
    assert cm.ndcg(baseline, {"a": 9.0, "b": 2.0, "c": 1.0}) == pytest.approx(1.0)
    ideal = 0.5 + 0.3 / math.log2(3) + 0.2 / math.log2(4)
    swapped = 0.2 + 0.3 / math.log2(3) + 0.5 / math.log2(4)
    assert cm.ndcg(baseline, {"a": 0.0, "b": 0.5, "c": 0.9}) == pytest.approx(swapped / ideal)
    explained = {"explanations": {"tree_shap": {"label0": {"global_shap_values": baseline}}}}
    reversed_ranking = {"explanations": {"tree_shap": {"label0": {"global_shap_values": {"a": 0, "b": 0.5, "c": 0.9}}}}}
    score, found = cm.attribution_violations(explained, reversed_ranking)
    assert score < cm.NDCG_THRESHOLD and [v["constraint_check_type"] for v in found] == [
        "feature_attribution_drift_check"
    ]
    same, none = cm.attribution_violations(explained, explained)
    assert same == pytest.approx(1.0) and none == []
    with pytest.raises(StepError, match="global_shap_values"):
        cm.attribution_violations({"explanations": {}}, explained)


def test_bad_traffic_is_refused_saying_what_to_send(tmp_path: Path) -> None:
    only_csv = _write(tmp_path / "csv", [_csv_capture("c1")])
    with pytest.raises(StepError, match=r"no captured JSON requests \(1 text/csv\).*application/json"):
        cm.captured_traffic(only_csv)
    capture = _write(tmp_path / "capture", [_capture("e1", [{"shift": "day"}, {"shift": "night"}], [0.2, 0.7])])
    traffic = cm.captured_traffic(capture)
    with pytest.raises(StepError, match="1 label\\(s\\) for a request of 2 record\\(s\\)"):
        cm.labelled(traffic, _write(tmp_path / "short", [_truth("e1", [1])]))
    with pytest.raises(StepError, match="none of the captured requests has ground truth"):
        cm.labelled(traffic, _write(tmp_path / "other", [_truth("elsewhere", [1, 0])]))
    subset, labels = cm.labelled(traffic, _write(tmp_path / "truth", [_truth("e1", [0, 1])]))
    with pytest.raises(StepError, match="facet 'region' is not a field of the captured records \\(\\['shift'\\]\\)"):
        cm.bias_analysis(subset, labels, "region", "failure", 0.5)


def test_the_step_writes_clarifys_reports(tmp_path: Path) -> None:
    """`model-bias` as a processing job: analysis.json and constraint_violations.json in Clarify's shape."""
    inputs = tmp_path / "processing" / "input"
    records = [{"shift": s} for s in ["day", "night"] * 10]
    scores = [0.9 if r["shift"] == "night" else 0.1 for r in records]
    _write(inputs / "capture", [_capture("e1", records, scores)])
    _write(inputs / "ground-truth", [_truth("e1", [0] * 20)])
    baseline = _analysis("shift", {"day": {"DPPL": 0.05, "DI": 1.05}, "night": {"DPPL": -0.05, "DI": 0.95}})
    (inputs / "baseline").mkdir()
    (inputs / "baseline" / "bias.json").write_text(json.dumps(baseline))
    arguments = ["--base-dir", str(tmp_path), "--mode", "bias", "--facet", "shift", "--label", "failure"]
    assert cm.main(arguments) == 0
    out = tmp_path / "processing" / "output" / "monitoring"
    analysis = json.loads((out / "analysis.json").read_text())
    assert cm.metric_values(analysis)[("shift", "night", "DPPL")] == pytest.approx(-1.0)
    violations = json.loads((out / "constraint_violations.json").read_text())["violations"]
    assert {(v["facet_value"], v["metric_name"]) for v in violations} == {
        ("day", "DPPL"),
        ("day", "DI"),
        ("night", "DPPL"),  # night's DI divides by day's rate of 0: not a number, not compared
    }
