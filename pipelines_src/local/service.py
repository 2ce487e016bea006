"""Local servers run as child processes (the emulator, the module registry), each tracked by a
state file in its folder (PID, port, URL, CA file) that the Makefile, the CLI and the tests share.
A server writes its state file once it serves; `running()` trusts a state file only while its
process is alive and is that server (a PID reused by another program does not count)."""

from __future__ import annotations

import json
import os
import signal
import socket
import socketserver
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
_START_TIMEOUT_S = 60.0
HANDSHAKE_TIMEOUT_S = 10.0  # a client that has not finished its TLS handshake by then is dropped
IDLE_TIMEOUT_S = 300.0  # a keep-alive connection silent this long is closed (Go keeps idle ones 90 s)
_STOP_TIMEOUT_S = 10.0


def tls_server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


class HandshakeInWorker(socketserver.ThreadingMixIn):
    """Mixin for a `socketserver.ThreadingMixIn` server (put it first among the bases): accept()
    takes plain TCP connections and each one's TLS handshake runs in that connection's worker
    thread, under HANDSHAKE_TIMEOUT_S. A TLS-wrapped *listening* socket (werkzeug's
    `ssl_context=`, `context.wrap_socket(server.socket)`) handshakes inside accept(), on the one
    serving thread: one idle or slow client then froze every other (docs/testing.md)."""

    tls_context: ssl.SSLContext

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            request.settimeout(HANDSHAKE_TIMEOUT_S)
            connection = self.tls_context.wrap_socket(request, server_side=True)
            connection.settimeout(IDLE_TIMEOUT_S)
        except OSError:  # ssl.SSLError, a timeout, a reset: this client only
            request.close()
            return
        super().process_request_thread(connection, client_address)


class ServiceError(RuntimeError):
    """A problem starting or reaching a local server, worded as the fix."""


@dataclass(frozen=True)
class Service:
    """How to run and recognise one kind of local server."""

    module: str  # `python -m <module> serve --state-dir D --port P ...`
    state_file: str
    health_path: str
    label: str

    def write_state(self, state_dir: Path, state: dict[str, Any]) -> None:
        tmp = state_dir / (self.state_file + ".tmp")
        tmp.write_text(json.dumps(state, indent=2))
        tmp.replace(state_dir / self.state_file)

    def running(self, state_dir: Path) -> dict[str, Any] | None:
        try:
            state: dict[str, Any] = json.loads((state_dir / self.state_file).read_text())
        except (OSError, ValueError):
            return None
        if _is_process_of(int(state.get("pid", 0)), self.module):
            return state
        # The server died without stopping (killed, crashed, machine restarted): forget its state,
        # so nothing reads a dead PID or port from it.
        (state_dir / self.state_file).unlink(missing_ok=True)
        return None

    def healthy(self, state: dict[str, Any], timeout: float = 2.0) -> bool:
        context = ssl.create_default_context(cafile=state["ca_file"])
        try:
            with urllib.request.urlopen(state["url"] + self.health_path, timeout=timeout, context=context) as answer:
                return bool(answer.status == 200)
        except (urllib.error.URLError, OSError, ssl.SSLError, KeyError):
            return False

    def start(self, state_dir: Path, port: int | None, extra: list[str] | None = None) -> dict[str, Any]:
        """Start the server for `state_dir`, or return the healthy one already running there."""
        state_dir.mkdir(parents=True, exist_ok=True)
        current = self.running(state_dir)
        if current is not None and self.healthy(current):
            return current
        port = port or free_port()
        ensure_port_free(port)
        (state_dir / self.state_file).unlink(missing_ok=True)
        log = state_dir / f"{self.label}.log"
        command = [sys.executable, "-m", self.module, "serve", "--state-dir", str(state_dir), "--port", str(port)]
        with log.open("wb") as out:
            process = subprocess.Popen(
                [*command, *(extra or [])],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        return self._wait_until_healthy(state_dir, process, log)

    def _wait_until_healthy(self, state_dir: Path, process: subprocess.Popen[bytes], log: Path) -> dict[str, Any]:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = log.read_text(errors="replace").strip().splitlines()[-5:]
                raise ServiceError(
                    f"{self.label} exited with {process.returncode} during start; see {log}: " + " | ".join(tail)
                )
            state = self.running(state_dir)
            if state is not None and self.healthy(state):
                return state
            time.sleep(0.2)
        process.terminate()
        raise ServiceError(f"{self.label} did not answer within {_START_TIMEOUT_S:.0f}s; see {log}")

    def stop(self, state_dir: Path) -> bool:
        """Stop the server recorded in `state_dir`; True if one was running."""
        state = self.running(state_dir)
        (state_dir / self.state_file).unlink(missing_ok=True)
        if state is None:
            return False
        pid = int(state["pid"])
        os.kill(pid, signal.SIGTERM)
        if not wait_gone(pid, _STOP_TIMEOUT_S):
            os.kill(pid, signal.SIGKILL)
            wait_gone(pid, _STOP_TIMEOUT_S)
        return True


def _is_process_of(pid: int, module: str) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return module.encode() in cmdline


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def ensure_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the server binds: connections of a previous run in TIME-WAIT must not block a restart.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            raise ServiceError(
                f"port {port} on {HOST} is in use ({exc.strerror}): stop what listens there "
                f"or pick another port with EMULATOR_PORT=<port> / --port <port>"
            ) from exc


def wait_gone(pid: int, timeout: float) -> bool:
    """Wait until the process has exited and been reaped: by us when it is our child (else it
    would linger as a zombie), by its parent otherwise (its /proc entry disappears)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return True
        except ChildProcessError:
            if not Path(f"/proc/{pid}").exists():
                return True
        time.sleep(0.05)
    return False
