"""`make bench`, real-time part: a bounded load test of a local endpoint on 127.0.0.1.

For each payload (one CSV feature row; a 100-row CSV batch) and concurrency (1, 8, 32 client
threads), the same requests go to three targets, in this order, each measured in this run:
- engine: boto3's `invoke_endpoint` on an endpoint the emulator deployed (HTTPS and SigV4 to the
  emulator, which forwards to the endpoint's serving process; data capture on at 100 %);
- ceiling: the same serving process called directly over plain HTTP (what the machine does
  without the emulator's hop);
- baseline: the same model behind a minimal `http.server` handler a competent user would write
  (parse the CSV body, predict, `%.6f` lines), called like the ceiling.
Printed per cell: requests/s, p50/p95/p99 latency in ms, errors (must be 0), and the engine's
ratios to the baseline and to the ceiling; then the peak RSS of the emulator and the serving
process. Exit 1 when a request failed.
"""

from __future__ import annotations

import argparse
import http.client
import io
import statistics
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np

from tools.bench import SHAPES, make_model

SHAPE = SHAPES["10f-50t-d4"]
CONCURRENCY = (1, 8, 32)
PAYLOADS = {"1 row": 1, "100 rows": 100}
Call = Callable[[bytes], None]


def payload(rows: int, seed: int = 3) -> bytes:
    block = np.random.default_rng(seed).normal(size=(rows, SHAPE.features)).round(4)
    return "".join(",".join(f"{v:.4f}" for v in row) + "\n" for row in block.tolist()).encode()


def load(call: Call, body: bytes, requests: int, concurrency: int) -> dict[str, float]:
    """`requests` calls over `concurrency` threads: rate, latency percentiles, errors."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def one(_: int) -> None:
        nonlocal errors
        started = time.perf_counter()
        try:
            call(body)
        except Exception:  # counted and reported: a load test must not stop at the first error
            with lock:
                errors += 1
            return
        with lock:
            latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(requests)))
    took = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "rps": requests / took,
        "p50": cuts[49] * 1e3,
        "p95": cuts[94] * 1e3,
        "p99": cuts[98] * 1e3,
        "errors": errors,
    }


def http_caller(port: int) -> Call:
    """A keep-alive connection per client thread, as a competent load generator does."""
    local = threading.local()

    def call(body: bytes) -> None:
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local.connection.request("POST", "/invocations", body, {"Content-Type": "text/csv"})
        answer = local.connection.getresponse()
        text = answer.read()
        if answer.status != 200 or not text:
            raise RuntimeError(f"status {answer.status}")

    return call


def baseline_server(model_dir: Path) -> ThreadingHTTPServer:
    """The same model behind a minimal http.server handler."""
    import xgboost as xgb

    booster = xgb.Booster()
    booster.load_model(bytearray((model_dir / "xgboost-model").read_bytes()))
    booster.set_param({"nthread": 1})

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # what a competent user sets for keep-alive replies

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            rows = np.loadtxt(io.StringIO(body.decode()), delimiter=",", ndmin=2, dtype=np.float32)
            scores = booster.inplace_predict(rows)
            answer = "".join(f"{s:.6f}\n" for s in scores).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 128
        daemon_threads = True

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _archive(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(folder / "xgboost-model", arcname="xgboost-model")
    return buffer.getvalue()


def deploy(info: Any, model_dir: Path) -> tuple[Call, int]:
    """An endpoint on the emulator with the model; the boto3 call and the serving process's port."""
    from botocore.config import Config

    s3, sm = info.client("s3"), info.client("sagemaker")
    s3.create_bucket(Bucket="bench-endpoint", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    s3.put_object(Bucket="bench-endpoint", Key="model.tar.gz", Body=_archive(model_dir))
    role = "arn:aws:iam::123456789012:role/bench"
    sm.create_model(
        ModelName="bench",
        ExecutionRoleArn=role,
        PrimaryContainer={"Image": "bench", "ModelDataUrl": "s3://bench-endpoint/model.tar.gz"},
    )
    variant = {"VariantName": "primary", "ModelName": "bench", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}
    capture = {
        "EnableCapture": True,
        "InitialSamplingPercentage": 100,
        "DestinationS3Uri": "s3://bench-endpoint/capture",
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
    }
    sm.create_endpoint_config(EndpointConfigName="bench", ProductionVariants=[variant], DataCaptureConfig=capture)
    sm.create_endpoint(EndpointName="bench", EndpointConfigName="bench")
    while sm.describe_endpoint(EndpointName="bench")["EndpointStatus"] == "Creating":
        time.sleep(0.2)
    import boto3

    runtime = boto3.client(
        "sagemaker-runtime",
        endpoint_url=info.endpoint,
        verify=info.ca_file,
        region_name="eu-central-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(max_pool_connections=64, retries={"total_max_attempts": 1}),  # errors counted, not retried
    )

    def call(body: bytes) -> None:
        runtime.invoke_endpoint(EndpointName="bench", ContentType="text/csv", Body=body)["Body"].read()

    return call, _serving_port(Path(info.state_dir))


def _serving_port(state_dir: Path) -> int:
    """The port the endpoint's serving process listens on (its command line names it)."""
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and _is_serving(proc, str(state_dir)):
            args = (proc / "cmdline").read_bytes().split(b"\0")
            return int(args[args.index(b"--port") + 1])
    raise RuntimeError("no serving process of the bench endpoint")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_cells(targets: dict[str, Call], requests: int) -> list[dict[str, Any]]:
    cells = []
    for label, rows in PAYLOADS.items():
        body = payload(rows)
        for concurrency in CONCURRENCY:
            measured = {name: load(call, body, requests, concurrency) for name, call in targets.items()}
            cells.append({"payload": label, "concurrency": concurrency, **measured})
    return cells


def report(cells: list[dict[str, Any]], requests: int) -> list[str]:
    lines = [
        f"local endpoint load ({requests} requests a cell; {SHAPE.features} features, {SHAPE.trees} trees)",
        f"{'payload':<9} {'conc':>4}  {'target':<8} {'req/s':>8} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}",
    ]
    for cell in cells:
        for target in ("engine", "ceiling", "baseline"):
            m = cell[target]
            lines.append(
                f"{cell['payload']:<9} {cell['concurrency']:>4}  {target:<8} {m['rps']:>8.0f} {m['p50']:>7.2f} "
                f"{m['p95']:>7.2f} {m['p99']:>7.2f} {m['errors']:>6}"
            )
        engine = cell["engine"]["rps"]
        lines.append(
            f"{'':<15}engine/baseline {engine / cell['baseline']['rps']:.2f}x, "
            f"engine/ceiling {engine / cell['ceiling']['rps']:.2f}x"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="requests per target and cell")
    args = parser.parse_args(argv)
    from pipelines_src.local import emulator

    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        model_dir = make_model(work / "model", SHAPE)
        with emulator.started(work / "emulator") as info:
            engine, port = deploy(info, model_dir)
            server = baseline_server(model_dir)
            targets = {
                "engine": engine,
                "ceiling": http_caller(port),
                "baseline": http_caller(server.server_address[1]),
            }
            cells = run_cells(targets, args.requests)
            server.shutdown()
            serving_pid = next(
                p for p in Path("/proc").iterdir() if p.name.isdigit() and _is_serving(p, info.state_dir)
            )
            rss = (peak_rss_mib(info.pid), peak_rss_mib(int(serving_pid.name)))
    print("\n".join(report(cells, args.requests)))
    print(f"peak RSS: emulator {rss[0]:.0f} MiB, serving process {rss[1]:.0f} MiB")
    failed = sum(cell[t]["errors"] for cell in cells for t in ("engine", "ceiling", "baseline"))
    return 1 if failed else 0


def _is_serving(proc: Path, state_dir: str) -> bool:
    try:
        args = (proc / "cmdline").read_bytes()
    except OSError:
        return False
    return b"pipelines_src.serving.app" in args and state_dir.encode() in args


if __name__ == "__main__":
    sys.exit(main())
