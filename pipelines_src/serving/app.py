"""Serving for the bring-your-own container: SageMaker's hosting contract on port 8080.

GET  /ping         200 once the model is loaded (SageMaker's health check)
POST /invocations  text/csv: one feature row per line (the transformed features, as Batch
                   Transform sends them) -> one probability per line;
                   application/json: {"instances": [{raw record}, ...]} -> the model's own
                   transformer prepares them -> {"predictions": [...], "labels": [0|1, ...]},
                   a label 1 where the probability reaches the model's decision threshold
                   (operating-point.json; 0.5 for a model without one)
The model comes from /opt/ml/model (SM_MODEL_DIR), as SageMaker unpacks model.tar.gz there.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipelines_src.steps.artifacts import (
    DEFAULT_DECISION_THRESHOLD,
    load_decision_threshold,
    load_model,
    load_transformer,
)
from pipelines_src.steps.training import predict_proba

MAX_BODY = 6 * 1024 * 1024  # SageMaker's invocation payload limit


class Predictor:
    def __init__(self, model_dir: Path) -> None:
        self.model = load_model(model_dir)
        self.transformer = load_transformer(model_dir)
        chosen = load_decision_threshold(model_dir)
        self.threshold = DEFAULT_DECISION_THRESHOLD if chosen is None else chosen

    def from_csv(self, body: str) -> str:
        rows = [line.split(",") for line in body.splitlines() if line.strip()]
        scores = predict_proba(self.model, np.asarray(rows, dtype=np.float32))
        return "".join(f"{s:.6f}\n" for s in scores)

    def from_json(self, body: str) -> dict[str, Any]:
        instances = json.loads(body)["instances"]
        if self.transformer is None:
            raise ValueError("this model has no transformer: send text/csv feature rows instead")
        features = self.transformer.transform(pd.DataFrame(instances)).to_numpy(dtype=np.float32)
        scores = predict_proba(self.model, features)
        return {
            "predictions": [round(float(s), 6) for s in scores],
            "labels": [int(s >= self.threshold) for s in scores],
        }


def handler_for(predictor: Predictor) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # Keep-alive (a client or the platform's proxy reuses its connection) with no Nagle delay
        # between the headers and the body, which otherwise cost a 40 ms delayed ACK per reply.
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def _reply(self, status: int, body: str, content_type: str = "text/plain") -> None:
            payload = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            if self.path == "/ping":
                self._reply(HTTPStatus.OK, "")
            else:
                self._reply(HTTPStatus.NOT_FOUND, "use GET /ping or POST /invocations")

        def do_POST(self) -> None:
            if self.path != "/invocations":
                self._reply(HTTPStatus.NOT_FOUND, "use POST /invocations")
                return
            length = int(self.headers.get("Content-Length", "0"))
            if length > MAX_BODY:
                self.close_connection = True  # the unread body must not be taken for the next request
                self._reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"payload over {MAX_BODY} bytes: split the request")
                return
            body = self.rfile.read(length).decode()
            content_type = (self.headers.get("Content-Type") or "text/csv").split(";")[0]
            try:
                if content_type == "application/json":
                    self._reply(HTTPStatus.OK, json.dumps(predictor.from_json(body)), "application/json")
                elif content_type == "text/csv":
                    self._reply(HTTPStatus.OK, predictor.from_csv(body), "text/csv")
                else:
                    self._reply(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send text/csv or application/json")
            except (ValueError, KeyError) as exc:
                self._reply(HTTPStatus.BAD_REQUEST, f"cannot score the request: {exc}")

        def log_message(self, format: str, *args: Any) -> None:
            print(f"serving: {format % args}", file=sys.stderr)

    return Handler


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # socketserver's 5 drops connections of a burst (clients wait 1 s to retry)
    daemon_threads = True


def make_server(model_dir: Path, host: str = "0.0.0.0", port: int = 8080) -> ThreadingHTTPServer:
    return _Server((host, port), handler_for(Predictor(model_dir)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("serve", nargs="?", help="SageMaker starts the container with the argument 'serve'")
    parser.add_argument("--model-dir", type=Path, default=Path(os.environ.get("SM_MODEL_DIR", "/opt/ml/model")))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SAGEMAKER_BIND_TO_PORT", "8080")))
    parser.add_argument("--host", default="0.0.0.0", help="the container's interface; the local runtime binds loopback")
    args = parser.parse_args(argv)
    make_server(args.model_dir, host=args.host, port=args.port).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
