"""Documented journeys, executed as written: the ```bash block that follows a
`<!-- journey: <name> -->` marker in a Markdown file, run line by line with bash."""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

_STAMP = re.compile(r"^\+ (?P<time>\d+\.\d+) (?P<command>.*)$")


def block(markdown: Path, name: str) -> list[str]:
    """The command lines of the journey's block (comments and blank lines dropped)."""
    text = markdown.read_text()
    found = re.search(rf"<!-- journey: {re.escape(name)} -->\s*```bash\n(?P<body>.*?)```", text, re.DOTALL)
    assert found, f"{markdown.name}: no ```bash block after <!-- journey: {name} -->"
    lines = [line.split("  #")[0].rstrip() for line in found["body"].splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def opening(markdown: Path) -> list[str]:
    """The command lines of the file's first ```bash block (the README's two commands)."""
    found = re.search(r"```bash\n(?P<body>.*?)```", markdown.read_text(), re.DOTALL)
    assert found, f"{markdown.name}: no ```bash block"
    lines = [line.split("  #")[0].rstrip() for line in found["body"].splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


@dataclass(frozen=True)
class Run:
    returncode: int
    output: str
    started: list[tuple[str, float]]  # each traced command line and when bash started it (epoch seconds)
    finished: float

    def start_of(self, fragment: str, occurrence: int = 1) -> float:
        """When bash started the `occurrence`-th traced command containing `fragment`."""
        found = [t for command, t in self.started if fragment in command]
        assert len(found) >= occurrence, f"no traced command #{occurrence} contains {fragment!r}: {self.started}"
        return found[occurrence - 1]


def run(lines: list[str], cwd: Path, env: dict[str, str], timeout: float) -> Run:
    """`set -e` bash over the lines, each traced with its start time."""
    # PS4 set in the script: bash does not take it from the environment when run as root.
    script = "PS4='+ ${EPOCHREALTIME} '\nset -euxo pipefail\n" + "\n".join(lines) + "\n"
    done = subprocess.run(
        ["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    started = []
    for line in done.stderr.splitlines():
        match = _STAMP.match(line)
        if match:
            started.append((match["command"], float(match["time"])))
    return Run(done.returncode, done.stdout + done.stderr, started, time.time())
