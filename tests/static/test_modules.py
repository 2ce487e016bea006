"""Layer 1: HCL rules every module follows (python-hcl2 via checkov's fork)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from pipelines_src.registry.hcl import changelog_version, module_blocks, module_version, parse_file, unwrap
from tests.conftest import EXAMPLES, MODULES, REPO
from tools import diagrams, tfdoc

ALLOWED_PROVIDERS = {"hashicorp/aws"}
REQUIRED_FILES = ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md", "CHANGELOG.md")

module_ids = [m.name for m in MODULES]


def test_there_are_modules_and_examples() -> None:
    assert {"kms", "storage"} <= {m.name for m in MODULES}
    assert EXAMPLES, "at least one example root"


@pytest.mark.parametrize("module", MODULES, ids=module_ids)
def test_core_files_present(module: Path) -> None:
    missing = [name for name in REQUIRED_FILES if not (module / name).is_file()]
    assert not missing, f"{module.name} lacks {missing}"
    assert list((module / "tests").glob("*.tftest.hcl")), f"{module.name} has no terraform test"


@pytest.mark.parametrize("module", MODULES, ids=module_ids)
def test_variables_typed_described_alphabetical(module: Path) -> None:
    variables = module_blocks(module, "variable")
    names = [v.name for v in variables]
    assert names == sorted(names), f"{module.name}: variables not alphabetical: {names}"
    for var in variables:
        assert var.raw("type"), f"{module.name}: variable {var.name} has no type"
        assert (var.value("description") or "").strip(), f"{module.name}: variable {var.name} has no description"
        assert re.fullmatch(r"[a-z][a-z0-9_]*", var.name), f"{module.name}: {var.name} is not snake_case"


@pytest.mark.parametrize("module", MODULES, ids=module_ids)
def test_outputs_described_alphabetical(module: Path) -> None:
    outputs = module_blocks(module, "output")
    names = [o.name for o in outputs]
    assert names == sorted(names), f"{module.name}: outputs not alphabetical: {names}"
    for out in outputs:
        assert (out.value("description") or "").strip(), f"{module.name}: output {out.name} has no description"


@pytest.mark.parametrize("module", MODULES, ids=module_ids)
def test_validation_messages_name_the_variable_and_are_tested(module: Path) -> None:
    """Every validation says which variable is wrong, and a terraform test proves it rejects."""
    tests_text = "\n".join(p.read_text() for p in (module / "tests").glob("*.tftest.hcl"))
    for var in module_blocks(module, "variable"):
        validations = var.body.get("validation", [])
        for validation in validations:
            message = (
                validation["error_message"][0]
                if isinstance(validation["error_message"], list)
                else validation["error_message"]
            )
            assert message.startswith(f"{var.name}:"), (
                f"{module.name}: message of {var.name} must start with '{var.name}:'"
            )
        if validations:
            pattern = rf"expect_failures\s*=\s*\[[^\]]*var\.{var.name}\b"
            assert re.search(pattern, tests_text), f"{module.name}: no terraform test expects var.{var.name} to fail"


@pytest.mark.parametrize("module", MODULES, ids=module_ids)
def test_only_allowed_providers_and_no_provider_config(module: Path) -> None:
    for tf_file in module.glob("*.tf"):
        parsed = parse_file(tf_file)
        assert "provider" not in parsed, f"{tf_file}: modules take providers from the caller"
        for terraform in parsed.get("terraform", []):
            assert "provider_meta" not in terraform, f"{tf_file}: provider_meta breaks plan on provider 5.100"
            for providers in terraform.get("required_providers", []):
                for name, raw_spec in providers.items():
                    spec = unwrap(raw_spec)
                    source = unwrap(spec["source"] if isinstance(spec, dict) else spec)
                    assert source in ALLOWED_PROVIDERS, f"{tf_file}: provider {name} ({source}) is not allowed"


@pytest.mark.parametrize("module", MODULES, ids=module_ids)
def test_version_pins(module: Path) -> None:
    text = (module / "versions.tf").read_text()
    assert re.search(r'required_version\s*=\s*">= 1\.([7-9]|1[0-9])\.', text), (
        f"{module.name}: pin required_version >= 1.7"
    )
    assert re.search(r'version\s*=\s*">= 5\.\d+, < 6\.0"', text), f"{module.name}: pin hashicorp/aws >= 5.x, < 6.0"


@pytest.mark.parametrize("module", MODULES, ids=module_ids)
def test_module_version_matches_changelog(module: Path) -> None:
    """The version line is the CHANGELOG's newest release, or the next major being prepared
    (then [Unreleased] says what changes)."""
    version = module_version(module)
    assert version, f'{module.name}: versions.tf lacks the line `# module_version = "x.y.z"`'
    head = changelog_version(module)
    if version != head:
        unreleased = (module / "CHANGELOG.md").read_text().split("## [Unreleased]", 1)[-1].split("\n## [", 1)[0]
        ahead = (
            head is not None and int(version.split(".")[0]) == int(head.split(".")[0]) + 1 and version.endswith(".0.0")
        )
        assert ahead and unreleased.strip(), (
            f"{module.name}: versions.tf says {version}, the CHANGELOG's newest is {head}"
        )


def test_architecture_and_example_diagrams_are_generated_and_fresh() -> None:
    """docs/architecture.md and each example's README carry the diagram generated from its HCL."""
    assert diagrams.examples() == sorted(EXAMPLES), "every example root has a diagram"
    for root in diagrams.examples():
        rendered = diagrams.render(root)
        assert rendered.count('["') >= 1 and rendered in (root / "README.md").read_text(), root.name
        assert rendered in diagrams.ARCHITECTURE.read_text(), f"docs/architecture.md lacks {root.name}"
    stale = [str(path.relative_to(REPO)) for path, _ in diagrams.stale()]
    assert not stale, f"diagrams stale in {stale}: run `python -m tools.diagrams`"


def test_a_changed_root_makes_its_diagram_stale(tmp_path: Path) -> None:
    """The freshness check can fail: a module block added to a copy of a root changes its diagram."""
    root = tmp_path / "use-case-complete"
    root.mkdir()
    main = (REPO / "examples" / "use-case-complete" / "main.tf").read_text()
    (root / "main.tf").write_text(main)
    before = diagrams.render(root)
    (root / "main.tf").write_text(
        main + '\nmodule "lake" {\n  source = "../../modules/data-lake-access"\n  name = module.kms.key_arn\n}\n'
    )
    after = diagrams.render(root)
    assert before != after and 'lake["lake<br/>(data-lake-access)"]' in after and "kms --> lake" in after


def test_readme_blocks_are_fresh() -> None:
    stale = []
    for module in tfdoc.modules():
        current, fresh = tfdoc.updated_readme(module)
        if current != fresh:
            stale.append(module.name)
    assert not stale, f"README inputs/outputs stale for {stale}: run `make docs`"


def test_terraform_fmt() -> None:
    result = subprocess.run(
        ["terraform", "fmt", "-check", "-recursive", "-list=true", "modules", "examples", "policies", "tests"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"terraform fmt needed (run `make fmt`): {result.stdout}{result.stderr}"


def _declarations(root: Path) -> dict[str, str]:
    """{reference prefix: kind} of every variable, local and data source declared in `root`."""
    found: dict[str, str] = {f"var.{v.name}": "variable" for v in module_blocks(root, "variable")}
    for tf_file in sorted(root.glob("*.tf")):
        parsed = parse_file(tf_file)
        for block in parsed.get("locals", []):
            found |= {f"local.{name}": "local" for name in block if not name.startswith("__")}  # parser metadata
        for block in parsed.get("data", []):
            found |= {f"data.{kind}.{name}": "data source" for kind, named in block.items() for name in named}
    return found


def _without_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"(?m)^\s*(#|//).*$", "", text)


@pytest.mark.parametrize("root", [*MODULES, *EXAMPLES], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_unused_declarations(root: Path) -> None:
    """tflint's terraform_unused_declarations: a variable, local or data source nobody reads is
    an interface promise or an API call for nothing."""
    declared = _declarations(root)
    assert declared, f"{root.name}: nothing declared, the rule read nothing"
    text = "\n".join(_without_comments(p.read_text()) for p in root.glob("*.tf"))
    unused = sorted(
        f"{kind} {ref}" for ref, kind in declared.items() if not re.search(re.escape(ref) + r"(?![A-Za-z0-9_-])", text)
    )
    assert not unused, f"{root.name}: declared but never read: {unused}"


def test_readme_module_table_shows_the_latest_releases() -> None:
    import json

    recorded = json.loads((REPO / "modules" / "releases.json").read_text())["modules"]
    rows = dict(re.findall(r"^\| \[([a-z-]+)\]\(modules/\1\) \| ([0-9.]+) \|", (REPO / "README.md").read_text(), re.M))
    assert set(rows) == {m.name for m in MODULES}, "README's module table must list every module once"
    assert rows == {name: releases[-1]["version"] for name, releases in recorded.items()}
