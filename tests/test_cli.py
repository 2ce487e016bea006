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


def test_asl_renders_validated_templates(tmp_path: Path) -> None:
    assert cli.main(["asl", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batch-inference.asl.json.tftpl", "training.asl.json.tftpl"]


def test_sample_data_then_run_step(tmp_path: Path) -> None:
    assert cli.main(["sample-data", str(tmp_path / "raw"), "--rows", "200"]) == 0
    job = tmp_path / "job" / "processing" / "input"
    job.mkdir(parents=True)
    (job / "raw").symlink_to(tmp_path / "raw")
    assert cli.main(["run-step", "data_load", "--base-dir", str(tmp_path / "job")]) == 0
    assert (tmp_path / "job" / "processing" / "output" / "dataset" / "dataset.parquet").exists()
    assert cli.main(["run-step", "data_load", "--base-dir", str(tmp_path / "job")]) == 1, "never overwrites results"
    assert "already holds results" in (tmp_path / "job" / "output" / "message").read_text()


def test_train_local_rejects_bad_hyperparameters(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="--hyperparameters must be a JSON list"):
        cli.main(["train-local", "--data", str(tmp_path), "--out", str(tmp_path / "o"), "--hyperparameters", "{}"])


def test_run_refuses_an_input_that_is_not_json(tmp_path: Path) -> None:
    bad = tmp_path / "input.json"
    bad.write_text("{not json")
    with pytest.raises(SystemExit, match="give a JSON file with the execution input"):
        cli.main(["run", "training", "--local", "--input", str(bad)])


def test_local_status_without_emulator_names_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLOPS_LOCAL_DIR", str(tmp_path))
    with pytest.raises(SystemExit, match="make emulator-up"):
        cli.main(["status", "--local"])
