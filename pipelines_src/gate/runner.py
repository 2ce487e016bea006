"""The policy gate: checkov's built-in checks plus the registry's policy pack (`mlops_policies`,
package data of the tooling), on a root's HCL and on its plan JSON, with the root's waivers.

Runs checkov in-process (about 0.1 s a scan after the first import, against ~2.5 s a CLI call).
`mlops policy <root>` is the command (pipelines_src/cli.py); reports in `gate/report.py`.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import mlops_policies
from mlops_policies import plan_checks

POLICIES = Path(mlops_policies.__file__).resolve().parent
CHECKS = POLICIES / "checks"

# An attribute set from a variable that is unknown until apply must not read as "missing".
os.environ.setdefault("EVAL_TF_PLAN_AFTER_UNKNOWN", "1")
os.environ.setdefault("BC_SKIP_MAPPING", "TRUE")
os.environ.setdefault("CKV_NO_DOWNLOAD", "1")


@dataclass(frozen=True)
class Finding:
    check_id: str
    resource: str
    passed: bool
    file: str
    detail: str
    name: str = ""  # the check's title
    line: int = 0  # first line of the resource in `file` (0: unknown, e.g. plan-only findings)
    scan: str = "hcl"  # hcl | plan
    guideline: str = ""

    def __str__(self) -> str:
        state = "PASSED" if self.passed else "FAILED"
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{state} {self.check_id} {self.resource} ({where}) {self.detail}".rstrip()


def _findings(report: Any, scan: str) -> list[Finding]:
    found = []
    for passed, records in ((True, report.passed_checks), (False, report.failed_checks)):
        for record in records:
            detail = "; ".join(record.details) if getattr(record, "details", None) else record.check_name
            lines = getattr(record, "file_line_range", None) or [0]
            found.append(
                Finding(
                    record.check_id,
                    record.resource,
                    passed,
                    record.file_path,
                    detail,
                    name=record.check_name,
                    line=int(lines[0] or 0),
                    scan=scan,
                    guideline=getattr(record, "guideline", None) or "",
                )
            )
    return found


# CKV_TF_1 fails every registry module, pinned by a version or not (it only knows git commit
# hashes); CKV_MLOPS_22 replaces it: registry sources need a version, git sources a commit.
SUPERSEDED = ["CKV_TF_1"]


def _filter(framework: str) -> Any:
    from checkov.runner_filter import RunnerFilter

    return RunnerFilter(
        framework=[framework], download_external_modules=False, show_progress_bar=False, skip_checks=SUPERSEDED
    )


def _apply_source_skips(report: Any, source_roots: list[Path]) -> Any:
    """Map plan findings back to the HCL so the explained `#checkov:skip` comments of the
    modules apply to plan scans too (what checkov's CLI does for --repo-root-for-plan-enrichment)."""
    from checkov.common.output.report import Report
    from checkov.common.runners.runner_registry import RunnerRegistry

    enriched = RunnerRegistry.get_enriched_resources(
        repo_roots=[str(r) for r in source_roots],
        download_external_modules=False,
        external_modules_download_path=".external_modules",
    )
    report = Report("terraform_plan").enrich_plan_report(report, enriched)
    return Report("terraform_plan").handle_skipped_checks(report, enriched)


def scan_hcl(directory: Path) -> list[Finding]:
    """Findings of a scan of the Terraform files under `directory` (modules it calls included)."""
    from checkov.terraform.runner import Runner

    report = Runner().run(
        root_folder=str(directory), external_checks_dir=[str(CHECKS)], runner_filter=_filter("terraform")
    )
    return _findings(report, "hcl")


def scan_plan(plan: dict[str, Any], work_dir: Path, source_root: Path) -> list[Finding]:
    """Findings of a scan of a plan as `terraform show -json` renders it; `source_root` is the
    (staged) root the plan was made from."""
    from checkov.terraform.plan_runner import Runner

    work_dir.mkdir(parents=True, exist_ok=True)
    plan_file = work_dir / "tfplan.json"
    plan_file.write_text(json.dumps(plan))
    report = Runner().run(
        root_folder=None,
        files=[str(plan_file)],
        external_checks_dir=[str(CHECKS)],
        runner_filter=_filter("terraform_plan"),
    )
    own = [
        Finding(f.check_id, f.resource, f.passed, str(plan_file), f.detail, name=f.check_id, scan="plan")
        for f in plan_checks.all_findings(plan, accounts_of(source_root))
    ]
    return _findings(_apply_source_skips(report, module_dirs(source_root)), "plan") + own


def module_dirs(root: Path) -> list[Path]:
    """The root and every module folder Terraform installed for it (local paths and registry
    downloads alike, from .terraform/modules/modules.json), where `#checkov:skip` comments live."""
    found = [root]
    listing = root / ".terraform" / "modules" / "modules.json"
    if listing.is_file():
        for module in json.loads(listing.read_text()).get("Modules", []):
            folder = (root / module.get("Dir", "")).resolve()
            if module.get("Key") and folder.is_dir() and folder not in found:
                found.append(folder)
    return found


def known_at_plan(plan: dict[str, Any], resource_type: str, attribute: str) -> list[str]:
    """Addresses of `resource_type` resources whose `attribute` the plan already knows (a
    check can read it); the others are only known after apply."""
    return [
        change["address"]
        for change in plan.get("resource_changes", [])
        if change["type"] == resource_type
        and change["mode"] == "managed"
        and not (change["change"].get("after_unknown") or {}).get(attribute)
        and "delete" not in change["change"]["actions"]
    ]


WAIVERS_FILE = "policy-waivers.yaml"


class GateError(ValueError):
    """Input the gate cannot check (a root, a .tf file, a waivers file, a plan); the message names
    what and the fix. `mlops policy` exits 2 on it."""


def waivers_of(root: Path) -> list[dict[str, Any]]:
    """The root's waivers, each with check, resource and a reason (or GateError)."""
    import yaml

    file = root / WAIVERS_FILE
    if not file.is_file():
        return []
    try:
        waivers = yaml.safe_load(file.read_text())
    except yaml.YAMLError as exc:
        raise GateError(
            f"{file}: not YAML ({str(exc).splitlines()[0]}); write a list of check/resource/reason"
        ) from exc
    if waivers is None:
        return []
    if not isinstance(waivers, list):
        raise GateError(f"{file}: write a list of waivers (- check: ..., resource: ..., reason: ...)")
    for waiver in waivers:
        if not isinstance(waiver, dict) or not all(
            str(waiver.get(k, "")).strip() for k in ("check", "resource", "reason")
        ):
            raise GateError(f"{file}: every waiver needs check, resource and a reason; fix {waiver!r}")
    return waivers


ACCOUNTS_FILE = "policy-accounts.yaml"


def accounts_of(root: Path) -> set[str]:
    """Accounts besides its own the root may grant access to (`policy-accounts.yaml`: a list of
    id and why, e.g. the data-lake account), for CKV_MLOPS_27 (or GateError)."""
    import yaml

    file = root / ACCOUNTS_FILE
    if not file.is_file():
        return set()
    try:
        listed = yaml.safe_load(file.read_text()) or []
    except yaml.YAMLError as exc:
        raise GateError(f"{file}: not YAML ({str(exc).splitlines()[0]}); write a list of id/why") from exc
    if not isinstance(listed, list):
        raise GateError(f'{file}: write a list of accounts (- id: "111111111111", why: data lake)')
    for account in listed:
        # a string: YAML reads 012345678901 unquoted as a number and drops the leading zero
        identifier = account.get("id") if isinstance(account, dict) else None
        if not isinstance(identifier, str) or not re.fullmatch(r"[0-9]{12}", identifier):
            raise GateError(f"{file}: every account needs id, 12 digits in quotes; fix {account!r}")
        if not str(account.get("why", "")).strip():
            raise GateError(f"{file}: account {account['id']} needs a why (what it is, what it is granted)")
    return {str(a["id"]) for a in listed}


def apply_waivers(findings: list[Finding], root: Path) -> list[Finding]:
    """Findings with the root's documented waivers (`policy-waivers.yaml`: check, resource,
    reason) turned into passes that say why. A waiver without a reason, or one that matches no
    failure, is an error: opt-outs stay explicit and never outlive their cause."""
    file = root / WAIVERS_FILE
    result = list(findings)
    for waiver in waivers_of(root):
        matched = [
            i
            for i, f in enumerate(result)
            if not f.passed and f.check_id == waiver.get("check") and f.resource == waiver.get("resource")
        ]
        if not matched:
            raise GateError(
                f"{file}: waiver {waiver.get('check')} {waiver.get('resource')} matches no failure; remove it"
            )
        for i in matched:
            result[i] = replace(result[i], passed=True, detail=f"waived: {waiver['reason']}")
    return result


def failures(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if not f.passed]


def check_root(root: Path) -> list[Path]:
    """The root's .tf files, each parsed (GateError naming the file otherwise)."""
    from pipelines_src.registry import hcl

    if not root.is_dir():
        raise GateError(f"{root}: no such folder; give the folder of a Terraform root")
    files = sorted(root.glob("*.tf"))
    if not files:
        raise GateError(f"{root}: no .tf files; give the folder of a Terraform root")
    for path in files:
        try:
            hcl.parse_file(path)
        except Exception as exc:  # the parser raises its own (lark) errors
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise GateError(f"{path}: cannot be parsed ({first}); fix the HCL") from exc
    return files


def read_plan(path: Path) -> dict[str, Any]:
    """A plan as `terraform show -json` writes it (GateError otherwise)."""
    try:
        plan: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise GateError(f"--plan {path}: not a plan JSON ({exc}); write it with `terraform show -json tfplan`") from exc
    if "resource_changes" not in plan and "planned_values" not in plan:
        raise GateError(f"--plan {path}: no resource_changes; write it with `terraform show -json tfplan`")
    return plan
