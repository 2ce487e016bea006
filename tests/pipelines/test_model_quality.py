"""The model-quality step on captured traffic and uploaded ground truth: Model Monitor's metrics
(checked against scikit-learn), its violations, and bad data refused with the file and line."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, precision_score, recall_score, roc_auc_score

from pipelines_src.steps import model_quality as mq
from pipelines_src.steps.container import StepError

THRESHOLD = 0.5


def _capture(event: str, scores: list[float], *, as_json: bool) -> dict[str, Any]:
    """One captured request as the endpoint writes it (JSON answers in plain text, CSV in base64)."""
    if as_json:
        answer = {"observedContentType": "application/json", "mode": "OUTPUT", "encoding": "JSON"}
        answer["data"] = json.dumps({"predictions": scores, "labels": [int(s >= THRESHOLD) for s in scores]})
    else:
        text = "".join(f"{s:.6f}\n" for s in scores)
        answer = {"observedContentType": "text/csv", "mode": "OUTPUT", "encoding": "BASE64"}
        answer["data"] = base64.b64encode(text.encode()).decode()
    request = {"observedContentType": "text/csv", "mode": "INPUT", "encoding": "CSV", "data": "1,2"}
    return {"captureData": {"endpointInput": request, "endpointOutput": answer}, "eventMetadata": {"eventId": event}}


def _truth(event: str, labels: list[int]) -> dict[str, Any]:
    data = {"data": ",".join(str(v) for v in labels), "encoding": "CSV"}
    return {"groundTruthData": data, "eventMetadata": {"eventId": event}, "eventVersion": "0"}


def _write(folder: Path, name: str, records: list[dict[str, Any]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("".join(json.dumps(r) + "\n" for r in records))


@pytest.fixture
def traffic(tmp_path: Path) -> tuple[Path, np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """40 requests of 5 records, every other one answered in JSON; the last 4 without labels yet."""
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, 200)
    scores = np.clip(labels * 0.35 + rng.random(200) * 0.65, 0, 1).round(6)
    captures = [_capture(f"e{i}", scores[i * 5 : i * 5 + 5].tolist(), as_json=i % 2 == 0) for i in range(40)]
    truths = [_truth(f"e{i}", labels[i * 5 : i * 5 + 5].tolist()) for i in range(36)]
    truths.append(_truth("of-another-hour", [1]))  # its request is not in this capture
    _write(tmp_path / "processing/input/capture/primary/2026/12/03/10", "a.jsonl", captures)
    _write(tmp_path / "processing/input/ground-truth/2026/12/03/10", "labels.jsonl", truths)
    return tmp_path, scores[:180], labels[:180]


def test_metrics_are_those_of_the_labelled_records(traffic: tuple[Path, Any, Any]) -> None:
    base, scores, labels = traffic
    merged = mq.merge(base / "processing/input/capture", base / "processing/input/ground-truth")
    assert (merged.requests, merged.unlabelled, merged.unmatched, len(merged.labels)) == (36, 4, 1, 180)
    metrics = mq.binary_classification_metrics(merged, THRESHOLD)
    predicted = (scores >= THRESHOLD).astype(int)
    (tn, fp), (fn, tp) = confusion_matrix(labels, predicted).tolist()
    assert metrics["confusion_matrix"] == {"0": {"0": tn, "1": fp}, "1": {"0": fn, "1": tp}}
    assert tp > 0 and fp > 0, "a matrix with something in it"
    assert metrics["recall"]["value"] == pytest.approx(recall_score(labels, predicted))
    assert metrics["precision"]["value"] == pytest.approx(precision_score(labels, predicted))
    assert metrics["auc"]["value"] == pytest.approx(roc_auc_score(labels, scores))
    assert 0 < metrics["recall"]["standard_deviation"] < 0.2


def test_a_metric_below_its_constraint_is_a_violation(traffic: tuple[Path, Any, Any]) -> None:
    base, _, _ = traffic
    merged = mq.merge(base / "processing/input/capture", base / "processing/input/ground-truth")
    metrics = mq.binary_classification_metrics(merged, THRESHOLD)
    recall = metrics["recall"]["value"]
    rules = {
        "recall": {"threshold": recall + 0.05, "comparison_operator": "LessThanThreshold"},
        "precision": {"threshold": 0.01, "comparison_operator": "LessThanThreshold"},
    }
    found = mq.constraint_violations(metrics, {"binary_classification_constraints": rules})
    assert [(v["metric_name"], v["constraint_check_type"]) for v in found] == [("recall", "LessThanThreshold")]
    assert found[0]["description"].startswith(f"Metric recall with {recall:.4f} +/- ")
    with pytest.raises(StepError, match=r"constraints\.json: lift needs a known metric"):
        mq.constraint_violations(metrics, {"binary_classification_constraints": {"lift": rules["recall"]}})


def test_the_job_writes_model_monitors_files(traffic: tuple[Path, Any, Any]) -> None:
    base, _, _ = traffic
    rules = {"auc": {"threshold": 0.99, "comparison_operator": "LessThanThreshold"}}
    _write(base / "processing/input/baseline", "constraints.json", [{"binary_classification_constraints": rules}])
    assert mq.main(["--base-dir", str(base)]) == 0
    out = base / "processing/output/monitoring"
    statistics = json.loads((out / "statistics.json").read_text())
    assert statistics["dataset"] == {"item_count": 180, "requests": 36, "unlabelled": 4, "unmatched_labels": 1}
    assert set(statistics["binary_classification_metrics"]) >= {"confusion_matrix", "recall", "precision", "auc", "f1"}
    assert json.loads((out / "constraint_violations.json").read_text())["violations"][0]["metric_name"] == "auc"


@pytest.mark.parametrize(
    ("truth", "message"),
    [
        (_truth("e0", [1, 0]), r"labels.jsonl line 2: 2 label\(s\) for a request with 3 record\(s\)"),
        (_truth("e0", [1, 2, 0]), r"labels.jsonl line 2: labels must be 0 or 1, got \[0, 1, 2\]"),
    ],
)
def test_bad_ground_truth_fails_naming_the_file_and_line(tmp_path: Path, truth: dict[str, Any], message: str) -> None:
    _write(tmp_path / "capture", "c.jsonl", [_capture("e0", [0.1, 0.7, 0.4], as_json=False)])
    _write(tmp_path / "truth", "labels.jsonl", [_truth("e0", [0, 1, 0]), truth])
    with pytest.raises(StepError, match=message):
        mq.merge(tmp_path / "capture", tmp_path / "truth")


def test_no_labels_for_the_capture_fails_saying_what_to_upload(tmp_path: Path) -> None:
    _write(tmp_path / "capture", "c.jsonl", [_capture("e0", [0.1], as_json=True)])
    _write(tmp_path / "truth", "labels.jsonl", [_truth("elsewhere", [1])])
    with pytest.raises(StepError, match=r"none of the 1 captured request\(s\) has ground truth \(1 label\(s\) name"):
        mq.merge(tmp_path / "capture", tmp_path / "truth")
