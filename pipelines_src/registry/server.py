"""A Terraform module registry (protocol `modules.v1`) over HTTPS, serving `make package`'s
archives: `source = "<host>/<namespace>/<module>/aws"` with `version = "~> 0.1"` resolves and
downloads with the real `terraform init`.

- `GET /.well-known/terraform.json` -> {"modules.v1": "/v1/modules/"}
- `GET /v1/modules/<namespace>/<module>/aws/versions` -> every packaged version
- `GET /v1/modules/<namespace>/<module>/aws/<version>/download` -> 204, `X-Terraform-Get` with the
  archive's URL and its SHA-256 (`?checksum=sha256:...`): Terraform refuses an archive that does
  not match the checksum recorded at packaging time.
- `GET|HEAD /archives/<module>/<version>/<file>` -> the archive

`mlops registry up [--root DIR] [--port P]` runs it in the background (state and TLS files under
.local/registry: certificate with SAN 127.0.0.1 and its CA); the tooling package ships every
released module's archive, which it serves by default. `mlops tf` trusts its CA and the
emulator's together, and maps the registry host of a use case's sources to it (a CLI config
`host` block). A registry host must contain a dot or be an IP: use 127.0.0.1, not localhost.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pipelines_src.local import service
from pipelines_src.local.certs import create_tls_files

HOST = "127.0.0.1"
PROVIDER = "aws"
_VERSIONS = re.compile(r"^/v1/modules/(?P<ns>[^/]+)/(?P<name>[^/]+)/(?P<provider>[^/]+)/versions$")
_DOWNLOAD = re.compile(r"^/v1/modules/(?P<ns>[^/]+)/(?P<name>[^/]+)/(?P<provider>[^/]+)/(?P<version>[^/]+)/download$")
_ARCHIVE = re.compile(r"^/archives/(?P<name>[a-z0-9-]+)/(?P<version>[0-9.]+)/(?P<file>[a-z0-9.-]+\.tar\.gz)$")


@dataclass(frozen=True)
class Catalogue:
    root: Path
    namespace: str

    def versions(self, name: str) -> list[str]:
        folder = self.root / name
        found = (
            [p.name for p in folder.iterdir() if (p / f"{name}-{p.name}.tar.gz").is_file()] if folder.is_dir() else []
        )
        return sorted(found, key=lambda v: tuple(int(x) for x in v.split(".")))

    def archive(self, name: str, version: str) -> Path:
        return self.root / name / version / f"{name}-{version}.tar.gz"

    def checksum(self, name: str, version: str) -> str:
        archive = self.archive(name, version)
        return archive.with_name(archive.name + ".sha256").read_text().split()[0]


def handler_for(catalogue: Catalogue) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, value: Any, status: int = HTTPStatus.OK) -> None:
            self._send(status, json.dumps(value).encode(), {"Content-Type": "application/json"})

        def _not_found(self, what: str) -> None:
            self._json({"errors": [what]}, HTTPStatus.NOT_FOUND)

        def _ours(self, match: re.Match[str]) -> bool:
            return match["ns"] == catalogue.namespace and match["provider"] == PROVIDER

        def do_HEAD(self) -> None:
            self.do_GET()

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/.well-known/terraform.json":
                self._json({"modules.v1": "/v1/modules/"})
            elif (match := _VERSIONS.match(path)) and self._ours(match):
                versions = catalogue.versions(match["name"])
                if not versions:
                    self._not_found(f"no module {match['ns']}/{match['name']}/{PROVIDER} in this registry")
                    return
                self._json({"modules": [{"versions": [{"version": v} for v in versions]}]})
            elif (match := _DOWNLOAD.match(path)) and self._ours(match):
                self._download(match["name"], match["version"])
            elif match := _ARCHIVE.match(path):
                archive = catalogue.archive(match["name"], match["version"])
                if not archive.is_file() or archive.name != match["file"]:
                    self._not_found(f"no archive {path}")
                    return
                self._send(HTTPStatus.OK, archive.read_bytes(), {"Content-Type": "application/gzip"})
            else:
                self._not_found(f"unknown path {path}")

        def _download(self, name: str, version: str) -> None:
            if version not in catalogue.versions(name):
                self._not_found(f"{name} has no version {version}; published: {', '.join(catalogue.versions(name))}")
                return
            archive = catalogue.archive(name, version)
            checksum = catalogue.checksum(name, version)
            location = f"/archives/{name}/{version}/{archive.name}?archive=tar.gz&checksum=sha256:{checksum}"
            self._send(HTTPStatus.NO_CONTENT, headers={"X-Terraform-Get": location})

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests and CI logs
            return

    return Handler


class _Server(service.HandshakeInWorker, ThreadingHTTPServer):
    """Each connection handshakes in its own thread: an idle client never delays another."""


@dataclass(frozen=True)
class Registry:
    url: str
    host: str
    ca_file: str


@contextmanager
def serving(root: Path, state: Path, namespace: str = "mlops", port: int = 0) -> Iterator[Registry]:
    """The registry on 127.0.0.1 (a free port by default) while the block runs."""
    tls = create_tls_files(state / "tls", hosts=[HOST])
    server = _Server((HOST, port), handler_for(Catalogue(root, namespace)))
    server.tls_context = service.tls_server_context(tls.server_cert, tls.server_key)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host = f"{HOST}:{server.server_address[1]}"
        yield Registry(f"https://{host}", host, str(tls.ca_cert))
    finally:
        server.shutdown()
        server.server_close()


SERVICE = service.Service("pipelines_src.registry.server", "registry.json", "/.well-known/terraform.json", "registry")


def bundled_archives() -> Path | None:
    """The module archives shipped in the tooling package (every release up to its version)."""
    folder = Path(__file__).resolve().parent / "modules"
    return folder if folder.is_dir() and any(folder.iterdir()) else None


def start(state_dir: Path, root: Path, namespace: str = "mlops", port: int | None = None) -> Registry:
    """The registry as a background server for `state_dir` (or the one already running there)."""
    state = SERVICE.start(state_dir, port, ["--root", str(root.resolve()), "--namespace", namespace])
    return Registry(state["url"], state["host"], state["ca_file"])


def running(state_dir: Path) -> Registry | None:
    state = SERVICE.running(state_dir)
    return Registry(state["url"], state["host"], state["ca_file"]) if state else None


def _serve_forever(state_dir: Path, root: Path, namespace: str, port: int) -> None:
    import os
    import signal

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with serving(root, state_dir, namespace, port) as registry:
        state = {
            "pid": os.getpid(),
            "port": port,
            "url": registry.url,
            "host": registry.host,
            "ca_file": registry.ca_file,
        }
        SERVICE.write_state(state_dir, state | {"root": str(root), "namespace": namespace})
        stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines_src.registry.server")
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--namespace", default="mlops")
    parser.add_argument("--port", type=int, default=8443)
    args = parser.parse_args(argv)
    _serve_forever(args.state_dir, args.root, args.namespace, args.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
