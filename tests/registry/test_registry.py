"""The module registry, consumed by the real `terraform init`: constraint resolution, a missing
version, a tampered archive."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines_src.local import terraform as tf
from pipelines_src.registry import package
from pipelines_src.registry import server as registry
from tests.conftest import REPO

PUBLISHED = ["0.1.0", "0.2.0", "1.0.0"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[registry.Registry, Path]]:
    """kms published at three versions (copies of the module, one per version)."""
    work = tmp_path_factory.mktemp("registry")
    for version in PUBLISHED:
        source = work / "src" / version / "kms"
        shutil.copytree(REPO / "modules" / "kms", source, ignore=shutil.ignore_patterns(".terraform*"))
        package.package(source, version, work / "dist")
    with registry.serving(work / "dist", work / "state") as running:
        yield running, work / "dist"


def _init(served: registry.Registry, root: Path, version: str) -> subprocess.CompletedProcess[str]:
    root.mkdir(parents=True, exist_ok=True)
    (root / "main.tf").write_text(
        f'module "kms" {{\n  source  = "{served.host}/mlops/kms/aws"\n  version = "{version}"\n  name    = "x"\n}}\n'
    )
    env = {**os.environ, "SSL_CERT_FILE": served.ca_file, "TF_CLI_CONFIG_FILE": str(tf.cli_config_file())}
    return subprocess.run(
        ["terraform", f"-chdir={root}", "init", "-backend=false", "-input=false", "-no-color"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _installed_version(root: Path) -> str:
    modules = json.loads((root / ".terraform" / "modules" / "modules.json").read_text())["Modules"]
    return str(next(m["Version"] for m in modules if m["Key"] == "kms"))


def test_discovery_document(served: tuple[registry.Registry, Path]) -> None:
    import ssl
    import urllib.request

    context = ssl.create_default_context(cafile=served[0].ca_file)
    with urllib.request.urlopen(f"{served[0].url}/.well-known/terraform.json", context=context) as answer:
        assert json.loads(answer.read()) == {"modules.v1": "/v1/modules/"}


@pytest.mark.parametrize(("constraint", "expected"), [("~> 0.1", "0.2.0"), (">= 1.0", "1.0.0"), ("0.1.0", "0.1.0")])
def test_terraform_init_resolves_the_constraint(
    served: tuple[registry.Registry, Path], tmp_path: Path, constraint: str, expected: str
) -> None:
    result = _init(served[0], tmp_path / "root", constraint)
    assert result.returncode == 0, result.stderr
    assert _installed_version(tmp_path / "root") == expected
    assert (tmp_path / "root" / ".terraform" / "modules" / "kms" / "versions.tf").is_file()


def test_missing_version_fails_clearly(served: tuple[registry.Registry, Path], tmp_path: Path) -> None:
    result = _init(served[0], tmp_path / "root", "9.9.9")
    assert result.returncode != 0
    message = " ".join(result.stderr.split())
    assert "Unresolvable module version constraint" in message and "The newest available version is 1.0.0" in message


def test_tampered_archive_is_refused(served: tuple[registry.Registry, Path], tmp_path: Path) -> None:
    archive = served[1] / "kms" / "0.1.0" / "kms-0.1.0.tar.gz"
    original = archive.read_bytes()
    tampered_dir = tmp_path / "tampered"
    shutil.copytree(REPO / "modules" / "kms", tampered_dir, ignore=shutil.ignore_patterns(".terraform*"))
    (tampered_dir / "backdoor.tf").write_text('output "leak" {\n  value = "x"\n}\n')
    archive.write_bytes(package.archive_bytes(tampered_dir))  # the recorded checksum stays the original's
    try:
        result = _init(served[0], tmp_path / "root", "0.1.0")
    finally:
        archive.write_bytes(original)
    message = " ".join(result.stderr.split())
    recorded = archive.with_name(archive.name + ".sha256").read_text().split()[0]
    assert result.returncode != 0 and "Failed to download module" in message
    assert recorded in message and "Got:" in message, "refused because the archive does not match its checksum"


def test_an_idle_and_a_slow_client_do_not_delay_another(served: tuple[registry.Registry, Path]) -> None:
    from tests.hostile_clients import delay_beside_hostile_clients

    running, _ = served
    beside, alone = delay_beside_hostile_clients(running.url + "/.well-known/terraform.json", running.ca_file)
    assert beside - alone < 1.0, f"a GET took {beside:.2f} s beside an idle and a slow client, {alone:.2f} s alone"
