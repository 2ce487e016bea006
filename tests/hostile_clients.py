"""Clients that misbehave towards a local TLS server (the emulator, the module registry): one
that connects and says nothing, one that sends a byte a second. Neither may delay anybody else."""

from __future__ import annotations

import socket
import ssl
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

# The start of a TLS ClientHello: what a slow client has begun to say when it stalls.
_HELLO_START = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"


@contextmanager
def idle_and_slow_clients(url: str, seconds: float = 6.0) -> Iterator[None]:
    """While the block runs: one connection open and silent, one sending a byte a second."""
    parts = urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or 443)
    stop = threading.Event()
    idle = socket.create_connection(address)

    def dribble() -> None:
        with socket.create_connection(address) as slow:
            for byte in _HELLO_START:
                if stop.wait(1.0):
                    return
                slow.sendall(bytes([byte]))

    slow = threading.Thread(target=dribble, daemon=True)
    slow.start()
    time.sleep(0.3)  # both are connected (and accepted) before the block's own request
    try:
        yield
    finally:
        stop.set()
        idle.close()
        slow.join(timeout=seconds)


def timed_get(url: str, ca_file: str, timeout: float = 5.0) -> float:
    """Seconds a GET of `url` takes on a new connection; its answer must be 200."""
    context = ssl.create_default_context(cafile=ca_file)
    started = time.monotonic()
    with urllib.request.urlopen(url, timeout=timeout, context=context) as answer:
        assert answer.status == 200, f"{url} answered {answer.status}"
        answer.read()
    return time.monotonic() - started


def delay_beside_hostile_clients(url: str, ca_file: str) -> tuple[float, float]:
    """(slowest GET of `url` beside an idle and a slow client, fastest GET with neither): the
    difference is the delay they cause (on a busy machine a GET alone may take a while)."""
    alone = min(timed_get(url, ca_file) for _ in range(3))
    with idle_and_slow_clients(url):
        beside = max(timed_get(url, ca_file) for _ in range(3))
    return beside, alone
