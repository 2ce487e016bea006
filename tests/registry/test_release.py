"""Releases, the breaking-change detector and package checksums, on a throw-away git repo."""

from __future__ import annotations

import hashlib
import subprocess
import tarfile
from pathlib import Path

import pytest

from pipelines_src.registry import interface, package, release
from tests.conftest import REPO

VERSIONS = """# module: demo
# module_version = "{version}"

terraform {{
  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = "{provider}"
    }}
  }}
}}
"""
VARIABLES = """variable "name" {
  type = string
}

variable "size" {
  type    = number
  default = 1
}
"""
OUTPUTS = 'output "arn" {\n  value = "x"\n}\n'
OBJECT = 'variable "settings" {{\n  type = object({{\n    a = string\n{extra}  }})\n  default = null\n}}\n'
CHANGELOG = "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-11-01\n\n- First version.\n"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def _write_module(repo: Path, version: str = "0.1.0", provider: str = ">= 5.40, < 6.0") -> Path:
    module = repo / "modules" / "demo"
    module.mkdir(parents=True, exist_ok=True)
    (module / "versions.tf").write_text(VERSIONS.format(version=version, provider=provider))
    (module / "variables.tf").write_text(VARIABLES)
    (module / "outputs.tf").write_text(OUTPUTS)
    if not (module / "CHANGELOG.md").exists():
        (module / "CHANGELOG.md").write_text(CHANGELOG)
    return module


def _commit(repo: Path, message: str = "change") -> None:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "config", "user.email", "ci@example.com")
    _git(tmp_path, "config", "user.name", "ci")
    _write_module(tmp_path)
    _commit(tmp_path, "demo 0.1.0")
    return tmp_path


def _unreleased(module: Path, entry: str) -> None:
    text = (module / "CHANGELOG.md").read_text()
    (module / "CHANGELOG.md").write_text(text.replace("## [Unreleased]\n", f"## [Unreleased]\n\n- {entry}\n"))


def _versions(repo: Path, module: str = "demo") -> list[str]:
    return [str(v) for v in release.released_versions(repo, module)]


def test_first_release_records_the_written_version_in_the_tree(repo: Path) -> None:
    assert release.release(repo, "demo", "none") == "demo 0.1.0"
    assert _versions(repo) == ["0.1.0"] and _git(repo, "tag", "--list") == "", "no tag needed"
    assert _git(repo, "status", "--porcelain") == "" and "Release demo 0.1.0" in _git(repo, "log", "-1", "--format=%s")
    entry = release.releases(repo)["demo"][0]
    assert entry.tree == _git(repo, "rev-parse", "HEAD:modules/demo").strip(), (
        "the release records the module's content"
    )


def test_minor_release_moves_the_changelog_and_the_version_line(repo: Path) -> None:
    release.release(repo, "demo", "none")
    module = repo / "modules" / "demo"
    (module / "variables.tf").write_text(VARIABLES + 'variable "extra" {\n  type    = string\n  default = "a"\n}\n')
    _unreleased(module, "Optional input extra.")
    _commit(repo)
    assert release.release(repo, "demo", "minor", today="2026-11-26") == "demo 0.2.0"
    changelog = (module / "CHANGELOG.md").read_text()
    assert "## [Unreleased]\n\n## [0.2.0] - 2026-11-26\n\n- Optional input extra.\n" in changelog
    assert '# module_version = "0.2.0"' in (module / "versions.tf").read_text()
    assert _versions(repo) == ["0.1.0", "0.2.0"] and release.problems(repo) == []


def test_the_readme_version_line_is_released_with_the_module(repo: Path) -> None:
    """The generated README block names the version: the release commit moves it, so the
    released archive's README is not a version behind (sagemaker-studio 1.1.0 was amended for it)."""
    release.release(repo, "demo", "none")
    module = repo / "modules" / "demo"
    (module / "README.md").write_text(
        "# demo\n\n<!-- BEGIN_TF_DOCS -->\nModule version: `0.1.0`\n<!-- END_TF_DOCS -->\n"
    )
    _unreleased(module, "A fix.")
    _commit(repo)
    release.release(repo, "demo", "patch")
    assert "Module version: `0.1.1`" in _git(repo, "show", "HEAD:modules/demo/README.md")
    assert _git(repo, "status", "--porcelain") == "" and release.problems(repo) == []


def test_a_clone_without_tags_knows_and_packages_every_release(repo: Path, tmp_path: Path) -> None:
    release.release(repo, "demo", "none", tag=True)
    module = repo / "modules" / "demo"
    (module / "main.tf").write_text("# 0.1.1\n")
    _unreleased(module, "A comment.")
    _commit(repo)
    release.release(repo, "demo", "patch")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--no-tags", str(repo), str(clone)], check=True)
    assert _git(clone, "tag", "--list") == "" and _versions(clone) == ["0.1.0", "0.1.1"]
    made = package.package_releases(clone, tmp_path / "dist")
    assert [p.name for p in made] == ["demo-0.1.0.tar.gz", "demo-0.1.1.tar.gz"]
    with tarfile.open(made[0]) as archive:
        assert "main.tf" not in archive.getnames(), "0.1.0 is archived as released, not as the tree is now"


def test_changelog_releases_the_manifest_lacks_are_reported(repo: Path) -> None:
    release.release(repo, "demo", "none")
    changelog = repo / "modules" / "demo" / "CHANGELOG.md"
    changelog.write_text(
        changelog.read_text().replace("## [0.1.0]", "## [0.2.0] - 2026-11-27\n\n- Never released.\n\n## [0.1.0]")
    )
    assert release.problems(repo) == ["demo: CHANGELOG lists 0.2.0, which modules/releases.json does not record"]


def test_a_release_amended_after_mlops_release_is_reported(repo: Path) -> None:
    """The recorded tree must be in a commit: amending the release commit leaves it only as a loose
    object in the releaser's clone, which a fresh clone lacks (CI of 8050bb2 found it)."""
    release.release(repo, "demo", "none")
    _unreleased(repo / "modules" / "demo", "A fix.")
    _commit(repo)
    release.release(repo, "demo", "patch")
    (repo / "modules" / "demo" / "README.md").write_text("# demo\n\nregenerated after the release\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "--amend", "--no-edit")
    recorded = release.releases(repo)["demo"][1].tree
    assert _git(repo, "cat-file", "-t", recorded).strip() == "tree", "the loose tree still answers cat-file"
    assert release.problems(repo) == [
        f"demo 0.1.1: content (tree {recorded[:12]}) is in no commit of this clone's history "
        "(amended after `mlops release`? record the committed tree)"
    ]


@pytest.mark.parametrize(
    ("prepare", "module", "bump", "message"),
    [
        (None, "nope", "minor", "no module 'nope': use one of demo"),
        (None, "demo", "huge", "BUMP='huge': use one of major, minor, patch, none"),
        ("dirty", "demo", "patch", "uncommitted changes: commit or stash them first"),
        ("released", "demo", "patch", "no entry under \\[Unreleased\\] for 0.1.1"),
        ("released", "demo", "none", "demo 0.1.0 is released already: pick BUMP=patch, minor or major"),
        ("not-semver", "demo", "none", "'0.1' is not semver"),
    ],
)
def test_bad_releases_are_refused_with_the_fix(
    repo: Path, prepare: str | None, module: str, bump: str, message: str
) -> None:
    if prepare == "dirty":
        (repo / "modules" / "demo" / "main.tf").write_text("# wip\n")
    elif prepare == "released":
        release.release(repo, "demo", "none")
    elif prepare == "not-semver":
        _write_module(repo, version="0.1")
        _commit(repo)
    before = _git(repo, "rev-parse", "HEAD")
    with pytest.raises(release.ReleaseError, match=message):
        release.release(repo, module, bump)
    assert _git(repo, "rev-parse", "HEAD") == before, "nothing committed"


def test_breaking_change_needs_a_major_bump(repo: Path) -> None:
    release.release(repo, "demo", "none")
    module = repo / "modules" / "demo"
    (module / "outputs.tf").write_text('output "id" {\n  value = "x"\n}\n')  # arn renamed
    _unreleased(module, "Output arn renamed to id.")
    _commit(repo)
    with pytest.raises(
        release.ReleaseError, match=r"breaking changes since 0\.1\.0 need BUMP=major: output arn removed"
    ):
        release.release(repo, "demo", "minor")
    assert release.release(repo, "demo", "major") == "demo 1.0.0"


def _interface(
    tmp_path: Path, variables: str = VARIABLES, outputs: str = OUTPUTS, provider: str = ">= 5.40"
) -> interface.Interface:
    module = tmp_path / f"m{len(list(tmp_path.iterdir()))}"
    module.mkdir()
    (module / "versions.tf").write_text(VERSIONS.format(version="1.0.0", provider=provider))
    (module / "variables.tf").write_text(variables)
    (module / "outputs.tf").write_text(outputs)
    return interface.read(module)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"variables": VARIABLES + 'variable "zone" {\n  type = string\n}\n'},
            ["variable zone added without a default"],
        ),
        ({"variables": 'variable "name" {\n  type = string\n}\n'}, ["variable size removed or renamed"]),
        ({"outputs": ""}, ["output arn removed or renamed"]),
        (
            {"variables": VARIABLES.replace("type = string", "type = number")},
            ["variable name type changed from string to number"],
        ),
        ({"variables": VARIABLES.replace("  default = 1\n", "")}, ["variable size lost its default"]),
        ({"provider": ">= 5.60"}, ["provider hashicorp/aws minimum raised from '>= 5.40' to '>= 5.60'"]),
        ({"variables": VARIABLES + 'variable "zone" {\n  type    = string\n  default = "a"\n}\n'}, []),
        ({"outputs": OUTPUTS + 'output "id" {\n  value = "x"\n}\n'}, []),
        ({"variables": VARIABLES.replace("type = string", "type = any")}, []),
        ({"provider": ">= 5.30"}, []),
        ({"variables": VARIABLES + OBJECT.format(extra="    b = optional(number, 1)\n")}, []),
        (
            {"variables": VARIABLES + OBJECT.format(extra="    b = number\n")},
            ["variable settings.b added without optional()"],
        ),
        (
            {"variables": VARIABLES + OBJECT.format(extra="").replace("    a = string\n", "")},
            ["variable settings.a removed"],
        ),
    ],
    ids=[
        "var-added-required",
        "var-removed",
        "output-removed",
        "type-narrowed",
        "default-lost",
        "provider-raised",
        "var-added-optional",
        "output-added",
        "type-widened",
        "provider-lowered",
        "object-attribute-added-optional",
        "object-attribute-added-required",
        "object-attribute-removed",
    ],
)
def test_breaking_change_detector(tmp_path: Path, change: dict[str, str], expected: list[str]) -> None:
    base = VARIABLES + OBJECT.format(extra="") if "settings" in change.get("variables", "") else VARIABLES
    old = _interface(tmp_path, variables=base, provider=">= 5.40")
    new = _interface(tmp_path, **({"provider": ">= 5.40"} | change))
    assert interface.breaking_changes(old, new) == expected


def test_package_is_reproducible_and_checksummed(repo: Path, tmp_path: Path) -> None:
    module = repo / "modules" / "demo"
    first = package.package(module, "0.1.0", tmp_path / "a")
    second = package.package(module, "0.1.0", tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    recorded = first.with_name(first.name + ".sha256").read_text().split()
    assert recorded == [hashlib.sha256(first.read_bytes()).hexdigest(), "demo-0.1.0.tar.gz"]


def test_every_release_of_the_changelogs_is_recorded_and_in_this_clone() -> None:
    """A CHANGELOG release the manifest lacks, or a recorded release this clone cannot read, fails."""
    assert release.releases(REPO), "modules/releases.json records the modules' releases"
    assert release.problems(REPO) == []


@pytest.mark.parametrize("module", [m.name for m in release.modules(REPO)])
def test_every_module_is_compatible_with_its_last_release(module: str) -> None:
    """A breaking change to a released module fails here until its version line says the next major."""
    last = release.releases(REPO)[module][-1]
    old = release.interface_at(REPO, last)
    assert old.variables and old.outputs, "a real released interface is compared"
    assert release.compatibility_problems(REPO, module) == []


def test_the_compatibility_check_fails_on_a_breaking_change_until_the_major_is_announced(repo: Path) -> None:
    release.release(repo, "demo", "none")
    module = repo / "modules" / "demo"
    assert release.compatibility_problems(repo, "demo") == []
    (module / "variables.tf").write_text(VARIABLES.replace('variable "size"', 'variable "count_of"'))
    assert release.compatibility_problems(repo, "demo") == [
        "demo: breaking changes since 0.1.0 need the next major version: variable size removed or renamed"
    ]
    (module / "versions.tf").write_text(VERSIONS.format(version="1.0.0", provider=">= 5.40, < 6.0"))
    assert release.compatibility_problems(repo, "demo") == []
