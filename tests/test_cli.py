"""The `mlops` command line: bad input gets one clear line and a non-zero exit."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines_src import cli


def test_bad_emulator_port_names_the_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MLOPS_LOCAL_DIR", str(tmp_path))
    monkeypatch.setenv("EMULATOR_PORT", "http")
    with pytest.raises(SystemExit, match="EMULATOR_PORT='http' is not a port: use a number from 1024 to 65535"):
        cli.main(["emulator", "up"])


def test_tf_without_running_emulator_says_how_to_start_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MLOPS_LOCAL_DIR", str(tmp_path))
    with pytest.raises(SystemExit, match="not running: start it with `make emulator-up`"):
        cli.main(["tf", "plan", "examples/secure-storage"])


def test_status_reports_not_running(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MLOPS_LOCAL_DIR", str(tmp_path))
    assert cli.main(["emulator", "status"]) == 3
    assert "not running" in capsys.readouterr().out


def test_unknown_command_is_rejected() -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["deploy-everything"])
    assert exit_info.value.code == 2
