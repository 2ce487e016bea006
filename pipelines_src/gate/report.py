"""The gate's findings as a pull request reads them: text, JSON, SARIF 2.1.0 (GitHub code
scanning annotations), JUnit XML (CI test reports) and a Markdown summary (a PR comment).

Every format carries the same findings; waived failures are passes that say why. Paths are made
relative to the scanned root, so annotations land on the files of the pull request.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pipelines_src.gate.runner import Finding

FORMATS = ("text", "json", "sarif", "junit")
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
POLICY_HELP = (
    "the registry's policy pack: policies/README.md of mlops-registry lists each check and the control it enforces"
)


def _relative(path: str, root: Path) -> str:
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            return candidate.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return candidate.name
    return candidate.as_posix().lstrip("/")


def text(findings: Sequence[Finding], root: Path) -> str:
    failed = [f for f in findings if not f.passed]
    lines = [str(f) for f in failed]
    lines += [
        f"WAIVED {f.check_id} {f.resource}: {f.detail.removeprefix('waived: ')}"
        for f in findings
        if f.detail.startswith("waived:")
    ]
    lines.append(f"policy gate: {len(findings) - len(failed)} passed, {len(failed)} failed ({root})")
    return "\n".join(lines) + "\n"


def as_json(findings: Sequence[Finding], root: Path) -> str:
    body = {
        "root": str(root),
        "passed": sum(f.passed for f in findings),
        "failed": sum(not f.passed for f in findings),
        "findings": [
            {
                "check": f.check_id,
                "name": f.name,
                "resource": f.resource,
                "status": "waived" if f.detail.startswith("waived:") else ("passed" if f.passed else "failed"),
                "scan": f.scan,
                "file": _relative(f.file, root),
                "line": f.line or None,
                "detail": f.detail,
            }
            for f in findings
        ],
    }
    return json.dumps(body, indent=2) + "\n"


def _rules(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    rules: dict[str, dict[str, Any]] = {}
    for f in findings:
        rule = rules.setdefault(
            f.check_id, {"id": f.check_id, "name": f.check_id, "shortDescription": {"text": f.name or f.check_id}}
        )
        if f.guideline:
            rule["helpUri"] = f.guideline
        elif f.check_id.startswith("CKV_MLOPS_"):
            rule["help"] = {"text": POLICY_HELP}
    return [rules[k] for k in sorted(rules)]


def _result(f: Finding, root: Path) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": {"uri": _relative(f.file, root)}}
    if f.line:
        location["region"] = {"startLine": f.line}
    return {
        "ruleId": f.check_id,
        "level": "error",
        "message": {"text": f"{f.resource}: {f.detail or f.name}"},
        "locations": [{"physicalLocation": location}],
        "properties": {"scan": f.scan, "resource": f.resource},
    }


def sarif(findings: Sequence[Finding], root: Path, version: str = "") -> str:
    """Failures as SARIF results (GitHub annotates them on the pull request); the rules list every
    check that ran."""
    driver: dict[str, Any] = {"name": "mlops policy", "rules": _rules(findings)}
    if version:
        driver["semanticVersion"] = version
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {"ROOT": {"uri": root.resolve().as_uri() + "/"}},
                "results": [_result(f, root) for f in findings if not f.passed],
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def junit(findings: Sequence[Finding], root: Path) -> str:
    """One test suite per scan (hcl, plan), one test case per check and resource."""
    suites = ET.Element("testsuites", name="mlops policy")
    for scan in ("hcl", "plan"):
        scanned = [f for f in findings if f.scan == scan]
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"policy gate ({scan})",
            tests=str(len(scanned)),
            failures=str(sum(not f.passed for f in scanned)),
        )
        for f in scanned:
            case = ET.SubElement(suite, "testcase", classname=f.check_id, name=f.resource, file=_relative(f.file, root))
            if not f.passed:
                ET.SubElement(case, "failure", message=f.detail or f.name, type=f.check_id).text = str(f)
            elif f.detail.startswith("waived:"):
                ET.SubElement(case, "system-out").text = f.detail
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def markdown(findings: Sequence[Finding], root: Path) -> str:
    """A pull-request comment: the verdict, each failure with its place, each waiver with its reason."""
    failed = [f for f in findings if not f.passed]
    waived = [f for f in findings if f.detail.startswith("waived:")]
    verdict = "passed" if not failed else "failed"
    lines = [
        f"### Policy gate {verdict}: {len(failed)} failure(s), {len(findings) - len(failed)} check(s) passed",
        "",
        f"Root `{root.name}`: checkov built-in checks and the registry's `CKV_MLOPS_*` policies, HCL and plan.",
    ]
    if failed:
        lines += ["", "| check | resource | where | why |", "|---|---|---|---|"]
        for f in failed:
            where = f"`{_relative(f.file, root)}:{f.line}`" if f.line else f"`{_relative(f.file, root)}`"
            lines.append(f"| {f.check_id} | `{f.resource}` | {where} | {_cell(f.detail or f.name)} |")
    if waived:
        lines += ["", "Waived (policy-waivers.yaml):", ""]
        lines += [f"- {f.check_id} `{f.resource}`: {f.detail.removeprefix('waived: ')}" for f in waived]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:300]


RENDERERS: dict[str, Callable[[Sequence[Finding], Path], str]] = {
    "text": text,
    "json": as_json,
    "sarif": sarif,
    "junit": junit,
}
