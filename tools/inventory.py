"""Plan inventories: what a root's plan must contain, checked by tests, regenerated here.

A case is `tests/inventories/<modules|examples>/<root>/<case>.tfvars` with `<case>.yaml` beside
it: `values` (per resource address, a subset of the planned values) and `counts` (resources per
type, exact). `python -m tools.inventory [modules/kms | examples/x]` re-plans the cases against a
throw-away emulator and rewrites the YAML files.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipelines_src.gate.runner import ACCOUNTS_FILE
from pipelines_src.local import emulator
from pipelines_src.local import terraform as tf

REPO = Path(__file__).resolve().parents[1]
INVENTORIES = REPO / "tests" / "inventories"


@dataclass(frozen=True)
class Case:
    root: Path  # modules/<m> or examples/<e>
    tfvars: Path
    inventory: Path

    @property
    def id(self) -> str:
        return f"{self.root.relative_to(REPO)}:{self.tfvars.stem}"


def cases(limit: str | None = None) -> list[Case]:
    found = []
    for tfvars in sorted(INVENTORIES.glob("*/*/*.tfvars")):
        kind, name = tfvars.parent.parent.name, tfvars.parent.name
        root = REPO / kind / name
        if limit is None or root == (REPO / limit).resolve():
            found.append(Case(root, tfvars, tfvars.with_suffix(".yaml")))
    return found


def module_resources(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Resources of a module and its child modules (plan `planned_values` and state `values` alike)."""
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from module_resources(child)


def _decoded(value: str) -> Any:
    """A JSON document held in a string (policies, definitions) as data, so that inventories
    compare its structure, not its spelling."""
    if value.startswith(("{", "[")):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _prune(value: Any) -> Any:
    """Drop nulls and empty containers: the inventory states what is set."""
    if isinstance(value, str):
        return _decoded(value)
    if isinstance(value, dict):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def summarize(plan: dict[str, Any]) -> dict[str, Any]:
    managed = [r for r in module_resources(plan["planned_values"]["root_module"]) if r["mode"] == "managed"]
    return {
        "values": {r["address"]: _prune(r.get("values", {})) for r in managed},
        "counts": dict(sorted(Counter(r["type"] for r in managed).items())),
    }


def _subset_diff(expected: Any, actual: Any, path: str) -> list[str]:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, plan has {actual!r}"]
        return [d for k, v in expected.items() for d in _subset_diff(v, actual.get(k), f"{path}.{k}")]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {expected!r}, plan has {actual!r}"]
        return [
            d for i, (e, a) in enumerate(zip(expected, actual, strict=True)) for d in _subset_diff(e, a, f"{path}[{i}]")
        ]
    return [] if expected == actual else [f"{path}: expected {expected!r}, plan has {actual!r}"]


def differences(summary: dict[str, Any], inventory: dict[str, Any]) -> list[str]:
    """What the plan lacks or gets wrong compared to the inventory (empty when it matches)."""
    found = []
    for address, values in (inventory.get("values") or {}).items():
        if address not in summary["values"]:
            found.append(f"{address}: not in the plan")
            continue
        found += _subset_diff(values, summary["values"][address], address)
    expected_counts = inventory.get("counts") or {}
    if expected_counts != summary["counts"]:
        found.append(f"counts: expected {expected_counts}, plan has {summary['counts']}")
    return found


def plan_case(case: Case, info: emulator.Emulator, work_dir: Path) -> tuple[dict[str, Any], Path]:
    """The case's plan JSON and the staged root it was made in. The cases' foreign accounts
    (`policy-accounts.yaml` beside the tfvars, which name them) go into the staged root, for
    the gate's CKV_MLOPS_27: a module folder is not a root and carries no such file."""
    staged = tf.stage(case.root, work_dir / case.tfvars.stem, info)
    accounts = case.tfvars.parent / ACCOUNTS_FILE
    if accounts.is_file():
        shutil.copyfile(accounts, staged / ACCOUNTS_FILE)
    return tf.TerraformRoot(staged, tf.base_env(info)).plan_json([case.tfvars]), staged


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    selected = cases(args[0] if args else None)
    if not selected:
        print(f"inventory: no cases under {INVENTORIES} for {args or 'any root'}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp, emulator.started(Path(tmp) / "emulator") as info:
        for case in selected:
            plan, _ = plan_case(case, info, Path(tmp) / "work")
            case.inventory.write_text(yaml.safe_dump(summarize(plan), sort_keys=True, width=100))
            print(f"inventory: wrote {case.inventory.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
