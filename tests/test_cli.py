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
    with pytest.raises(SystemExit, match="not running: start it with `mlops emulator up`"):
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


def test_asl_writes_validated_templates_and_manifests(tmp_path: Path) -> None:
    assert cli.main(["asl", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "batch-inference.asl.json.tftpl",
        "batch-inference.manifest.json",
        "training.asl.json.tftpl",
        "training.manifest.json",
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("missing.py", "no such file"),
        ("json:dumps", "define PIPELINES"),
        ("no_such_module_here", "cannot import no_such_module_here"),
    ],
)
def test_asl_refuses_pipelines_it_cannot_load(
    tmp_path: Path, source: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pipelines = str(tmp_path / source) if source.endswith(".py") else source
    assert cli.main(["asl", "--pipelines", pipelines, "--out", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.glob("*.tftpl")), "nothing written"


@pytest.mark.parametrize(
    "pipelines",
    ["{'training': broken}", "{'batch-inference': definitions.batch_pipeline, 'training': broken}"],
    ids=["invalid", "valid-and-invalid"],
)
def test_asl_refuses_an_invalid_pipeline_and_writes_nothing(
    tmp_path: Path, pipelines: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """All or nothing: a valid pipeline beside an invalid one is not written either."""
    (tmp_path / "pipelines.py").write_text(
        "from pipelines_src.pipelines import definitions\n"
        "def broken():\n"
        "    pipeline = definitions.training_pipeline()\n"
        "    pipeline.remove('feature-engineering')\n"
        "    return pipeline\n"
        f"PIPELINES = {pipelines}\n"
    )
    out = tmp_path / "out"
    assert cli.main(["asl", "--pipelines", str(tmp_path / "pipelines.py"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no earlier state 'feature-engineering' produces it" in err and "nothing written" in err
    assert len(err.splitlines()) == 1 and not out.exists()


def test_sample_data_then_run_step(tmp_path: Path) -> None:
    assert cli.main(["sample-data", str(tmp_path / "raw"), "--rows", "200"]) == 0
    job = tmp_path / "job" / "processing" / "input"
    job.mkdir(parents=True)
    (job / "raw").symlink_to(tmp_path / "raw")
    assert cli.main(["run-step", "data_load", "--base-dir", str(tmp_path / "job")]) == 0
    assert (tmp_path / "job" / "processing" / "output" / "dataset" / "dataset.parquet").exists()
    assert cli.main(["run-step", "data_load", "--base-dir", str(tmp_path / "job")]) == 1, "never overwrites results"
    assert "already holds results" in (tmp_path / "job" / "output" / "message").read_text()


def test_train_local_rejects_bad_hyperparameters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    command = ["train-local", "--data", str(tmp_path), "--out", str(tmp_path / "o"), "--hyperparameters", "{}"]
    assert cli.main(command) == 2
    assert "--hyperparameters: give a non-empty list of objects" in capsys.readouterr().err
    typo = [*command[:-1], '[{"max_dept": 3}]']
    assert cli.main(typo) == 2
    assert (
        "candidate 0: 'max_dept' is not a xgboost hyperparameter (did you mean 'max_depth'?)" in capsys.readouterr().err
    )
    assert not (tmp_path / "o").exists()


def test_run_refuses_an_input_that_is_not_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "input.json"
    bad.write_text("{not json")
    assert cli.main(["run", "training", "--local", "--input", str(bad)]) == 2
    assert "give a JSON file with the execution input" in capsys.readouterr().err


def test_run_refuses_hyperparameters_a_training_job_would_reject(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Checked before anything starts: no emulator or AWS is needed to be told."""
    payload = tmp_path / "input.json"
    payload.write_text('{"hyperparameter_sets": [{"num_round": "200"}, {"num_round": "0"}]}')
    assert cli.main(["run", "training", "--local", "--input", str(payload)]) == 2
    assert "hyperparameter_sets: candidate 1: num_round=0: give an integer >= 1" in capsys.readouterr().err


def test_local_status_without_emulator_names_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLOPS_LOCAL_DIR", str(tmp_path))
    with pytest.raises(SystemExit, match="mlops emulator up"):
        cli.main(["status", "--local"])


def test_sample_data_keeps_a_users_file_unless_forced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "cycles.csv").write_text("mine\n")
    assert cli.main(["sample-data", str(tmp_path), "--rows", "20"]) == 2
    assert "already exist: nothing was written; add --force" in capsys.readouterr().err
    assert (tmp_path / "cycles.csv").read_text() == "mine\n" and not (tmp_path / "schema.json").exists()
    assert cli.main(["sample-data", str(tmp_path), "--rows", "20", "--force"]) == 0
    assert len((tmp_path / "cycles.csv").read_text().splitlines()) == 21


@pytest.mark.parametrize(("rows", "message"), [("-5", "from 1 to"), ("0", "from 1 to"), ("10000000000", "from 1 to")])
def test_sample_data_refuses_row_counts_out_of_range(
    tmp_path: Path, rows: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["sample-data", str(tmp_path / "raw"), "--rows", rows]) == 2
    assert message in capsys.readouterr().err and not (tmp_path / "raw").exists()


def test_sample_data_into_a_file_names_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a-file").write_text("x")
    assert cli.main(["sample-data", str(tmp_path / "a-file")]) == 2
    assert "is a file: give a folder" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["demo", "demo-promotion"])
def test_demo_of_a_missing_root_starts_no_emulator(
    command: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MLOPS_LOCAL_DIR", str(tmp_path))
    assert cli.main([command, str(tmp_path / "no-such-root")]) == 2
    assert "is not a Terraform root" in capsys.readouterr().err
    assert not (tmp_path / "emulator").exists(), "an emulator was started for a root that does not exist"


@pytest.mark.parametrize("below", ["", "x"])
def test_asl_into_a_file_names_the_fix(tmp_path: Path, below: str, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a-file").write_text("x")
    out = tmp_path / "a-file" / below if below else tmp_path / "a-file"
    assert cli.main(["asl", "--out", str(out)]) == 2
    assert "--out" in capsys.readouterr().err
    assert (tmp_path / "a-file").read_text() == "x"


def test_run_step_outside_a_container_needs_a_base_dir(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SM_BASE_DIR", raising=False)
    assert cli.main(["run-step", "data_load"]) == 2
    assert "give --base-dir DIR" in capsys.readouterr().err


def test_run_step_with_a_file_as_base_dir_names_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a-file").write_text("x")
    assert cli.main(["run-step", "batch_inference", "--base-dir", str(tmp_path / "a-file")]) == 2
    assert "is a file: give the folder" in capsys.readouterr().err
