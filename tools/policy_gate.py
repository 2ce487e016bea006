"""The policy gate: checkov's built-in checks plus `policies/`, on HCL and on plan JSON.

Runs checkov in-process (about 0.1 s a scan after the first import, against ~2.5 s a CLI call).
`python -m tools.policy_gate <root>` scans the root's HCL, plans it against a throw-away
emulator, scans the plan, prints every failure and exits 1 if there is one.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policies import plan_checks

REPO = Path(__file__).resolve().parents[1]
POLICIES = REPO / "policies"
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

    def __str__(self) -> str:
        state = "PASSED" if self.passed else "FAILED"
        return f"{state} {self.check_id} {self.resource} ({self.file}) {self.detail}".rstrip()


def _findings(report: Any) -> list[Finding]:
    found = []
    for passed, records in ((True, report.passed_checks), (False, report.failed_checks)):
        for record in records:
            detail = "; ".join(record.details) if getattr(record, "details", None) else record.check_name
            found.append(Finding(record.check_id, record.resource, passed, record.file_path, detail))
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
    return _findings(report)


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
    own = [Finding(f.check_id, f.resource, f.passed, str(plan_file), f.detail) for f in plan_checks.all_findings(plan)]
    return _findings(_apply_source_skips(report, [source_root, REPO / "modules"])) + own


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


def apply_waivers(findings: list[Finding], root: Path) -> list[Finding]:
    """Findings with the root's documented waivers (`policy-waivers.yaml`: check, resource,
    reason) turned into passes that say why. A waiver without a reason, or one that matches no
    failure, is an error: opt-outs stay explicit and never outlive their cause."""
    import yaml

    file = root / WAIVERS_FILE
    waivers = yaml.safe_load(file.read_text()) if file.is_file() else []
    result = list(findings)
    for waiver in waivers or []:
        if not isinstance(waiver, dict) or not str(waiver.get("reason", "")).strip():
            raise ValueError(f"{file}: every waiver needs check, resource and a reason; fix {waiver!r}")
        matched = [
            i
            for i, f in enumerate(result)
            if not f.passed and f.check_id == waiver.get("check") and f.resource == waiver.get("resource")
        ]
        if not matched:
            raise ValueError(
                f"{file}: waiver {waiver.get('check')} {waiver.get('resource')} matches no failure; remove it"
            )
        for i in matched:
            f = result[i]
            result[i] = Finding(f.check_id, f.resource, True, f.file, f"waived: {waiver['reason']}")
    return result


def failures(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if not f.passed]


def main(argv: list[str] | None = None) -> int:
    from pipelines_src.local import emulator
    from pipelines_src.local import terraform as tf

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not (REPO / args[0]).is_dir():
        print("usage: python -m tools.policy_gate <root folder, e.g. examples/secure-storage>", file=sys.stderr)
        return 2
    root = (REPO / args[0]).resolve()
    found = scan_hcl(root)
    with tempfile.TemporaryDirectory() as tmp, emulator.started(Path(tmp) / "emulator") as info:
        staged = tf.stage(root, Path(tmp) / "work", info)
        found += scan_plan(tf.TerraformRoot(staged, tf.base_env(info)).plan_json(), Path(tmp), staged)
    found = apply_waivers(found, root)
    failed = failures(found)
    for finding in failed:
        print(finding)
    print(f"policy gate: {len(found) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
