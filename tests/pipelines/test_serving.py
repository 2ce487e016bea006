"""The serving app as a real HTTP server on loopback: SageMaker's /ping and /invocations."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines_src import datasets
from pipelines_src.serving import app


@pytest.fixture(scope="module")
def endpoint(trained: dict[str, Path]) -> Iterator[str]:
    server = app.make_server(trained["model"], host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def _post(url: str, body: str, content_type: str) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body.encode(), headers={"Content-Type": content_type}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_ping(endpoint: str) -> None:
    with urllib.request.urlopen(endpoint + "/ping", timeout=5) as response:
        assert response.status == 200


def test_csv_feature_rows(endpoint: str, trained: dict[str, Path]) -> None:
    rows = (trained["features"] / "test" / "test.csv").read_text().splitlines()[:5]
    features = "\n".join(r.split(",", 1)[1] for r in rows)
    status, body = _post(endpoint + "/invocations", features, "text/csv")
    scores = [float(x) for x in body.split()]
    assert status == 200 and len(scores) == 5 and all(0 <= s <= 1 for s in scores)


def test_json_raw_records_use_the_models_transformer_and_threshold(endpoint: str, trained: dict[str, Path]) -> None:
    threshold = json.loads((trained["model"] / "operating-point.json").read_text())["threshold"]
    records = datasets.generate(200, seed=3).drop(columns=["failure"]).to_dict(orient="records")
    status, body = _post(endpoint + "/invocations", json.dumps({"instances": records}, default=str), "application/json")
    answer = json.loads(body)
    assert status == 200 and len(answer["predictions"]) == len(answer["labels"]) == 200
    assert answer["labels"] == [int(p >= threshold) for p in answer["predictions"]]
    assert 0 < sum(answer["labels"]) < 200 and threshold != 0.5  # the model's own cut-off applied


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [("1,2\n", "text/csv", 400), ("{}", "application/json", 400), ("x", "application/xml", 415)],
    ids=["wrong-width", "no-instances", "unsupported-type"],
)
def test_bad_requests_get_a_clear_status(endpoint: str, body: str, content_type: str, status: int) -> None:
    assert _post(endpoint + "/invocations", body, content_type)[0] == status


def test_unknown_path_is_404(endpoint: str) -> None:
    assert _post(endpoint + "/predict", "1", "text/csv")[0] == 404
