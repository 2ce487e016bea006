"""Layer 1: the Python half is lint-clean and type-checks strictly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

BIN = Path(sys.executable).parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)


def test_ruff_lint() -> None:
    result = _run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = _run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, "run `make fmt`:\n" + result.stdout + result.stderr


def test_mypy_strict() -> None:
    result = _run(str(BIN / "mypy"))
    assert result.returncode == 0, result.stdout + result.stderr


# Names vulture cannot see used, each with the reason; anything else it reports is dead code.
CALLED_FROM_OUTSIDE = {
    "do_POST": "http.server calls handler methods by name",
    "do_HEAD": "http.server calls handler methods by name",
    "log_message": "http.server hook, overridden to keep servers quiet",
    "protocol_version": "http.server handler setting (keep-alive)",
    "disable_nagle_algorithm": "socketserver handler setting (TCP_NODELAY)",
    "close_connection": "http.server handler attribute it reads after a reply",
    "request_queue_size": "socketserver setting (listen backlog)",
    "daemon_threads": "socketserver setting",
    "ssl_context": "werkzeug server attribute: wsgi.url_scheme is https while it is set",
    "minimum_version": "ssl.SSLContext attribute set for TLS 1.2+",
    "pytest_collection_modifyitems": "pytest hook",
    "inventory_model": "pytest fixture requested by name",
    "_validate_service_integration_is_supported": "moto's ASL service hook, overridden",
    "_eval_service_task": "moto's ASL service hook, overridden",
    "_build_sync_resolver": "moto's ASL service hook, overridden",
    "state_credentials": "parameter of moto's hook signature",
    "_processing": "local chain: dispatched by step kind (getattr)",
    "_training": "local chain: dispatched by step kind (getattr)",
    "_select": "local chain: dispatched by step kind (getattr)",
    "_transform": "local chain: dispatched by step kind (getattr)",
    "enable_network_isolation": "moto model attribute the emulator sets",
    "last_modified_time": "moto model attribute the emulator sets",
    "status_summary": "moto model attribute the emulator sets",
    "failure_reason": "moto model attribute the emulator sets",
    "production_variants": "moto model attribute the emulator sets",
    "shadow_production_variants": "moto model attribute the emulator sets (DescribeEndpointConfig returns it)",
    "data_capture_config": "moto model attribute the emulator sets",
    "last_update_time": "moto model attribute the emulator sets",
    "CustomErrorName": "moto module attribute replaced by the emulator",
    "ExtraArgs": "boto3 keyword argument name",
    "mtime": "tarfile.TarInfo attribute set for reproducible archives",
    "PipelineJobs": "notebook API (examples/notebooks)",
    "insert_after": "Pipeline API for use cases (docs/pipelines.md)",
    "ApprovalStep": "Pipeline API for use cases (docs/pipelines.md)",
    "positive_label": "schema.json field of the data contract",
    "finished": "journeys.Run field read by tests",
}


def test_no_dead_python() -> None:
    """The Python half of tflint's unused-declarations rule (vulture)."""
    ignored = ",".join(CALLED_FROM_OUTSIDE)
    command = [str(BIN / "vulture"), "pipelines_src", "tools", "tests", "--min-confidence", "60"]
    found = _run(*command, "--ignore-names", ignored)
    assert found.returncode == 0, "dead code (remove it, or name the outside caller here):\n" + found.stdout
    unfiltered = _run(*command).stdout
    stale = [name for name in CALLED_FROM_OUTSIDE if f"'{name}'" not in unfiltered]
    assert not stale, f"no longer reported by vulture, drop from CALLED_FROM_OUTSIDE: {stale}"


def test_functions_are_short() -> None:
    """The house rule (functions of at most ~60 lines) for the shipped code and the tools."""
    import ast

    sources = sorted([*(REPO / "pipelines_src").rglob("*.py"), *(REPO / "tools").glob("*.py")])
    assert len(sources) > 50, "the rule read no source"
    long = [
        f"{path.relative_to(REPO)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path in sources
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > 60
    ]
    assert not long, "split these functions:\n" + "\n".join(long)


def test_every_module_of_the_package_ships_in_a_distribution() -> None:
    """A module no wheel carries breaks the installed `mlops` at import (as codepipelines.py did)."""
    from tools import build

    sources = [REPO / source for dist in (build.STEPS, build.TOOLING) for source, _ in dist.sources]
    modules = sorted((REPO / "pipelines_src").rglob("*.py"))
    assert modules
    unshipped = [str(m.relative_to(REPO)) for m in modules if not any(m == s or s in m.parents for s in sources)]
    assert not unshipped, f"add them to a distribution in tools/build.py: {unshipped}"
