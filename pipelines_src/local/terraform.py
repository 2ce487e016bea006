"""Run the real Terraform CLI against the local emulator.

A root (an example, a module, a use case's `infra/`) is *staged*: copied into a work directory
under a folder of its own workspace (its git work tree, else its parent folder), at the same
relative path, with every sibling along the way symlinked, so relative module sources such as
`../../modules/x` still resolve; plus one generated override file that points the AWS provider
at the emulator. Two use cases never share a staged root or a state. The sources stay free of
emulator settings and of local state; the provider configuration for the emulator is rendered
here and nowhere else.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines_src.local.emulator import Emulator

PROVIDER_MIRROR = Path("/opt/tf-plugins")
CLI_CONFIGS = Path(__file__).resolve().parent / "tfrc"  # package data
MIN_TERRAFORM = (1, 7, 0)
OVERRIDE_FILE = "emulator_override.tf"
PROVIDER_STUB_FILE = "emulator_provider.tf"
_STAGE_SKIP = {".terraform", ".terraform.lock.hcl", "terraform.tfstate", "terraform.tfstate.backup"}
_WORKSPACE_SKIP = {".git", ".local", ".venv", ".terraform"}

# Provider `endpoints` keys for every AWS service the registry's modules use.
EMULATED_SERVICES = (
    "applicationautoscaling",
    "budgets",
    "ce",
    "cloudwatch",
    "codebuild",
    "codecommit",
    "codepipeline",
    "codestarconnections",
    "dynamodb",
    "ec2",
    "ecr",
    "events",
    "iam",
    "kms",
    "lambda",
    "logs",
    "s3",
    "sagemaker",
    "scheduler",
    "sfn",
    "sns",
    "sqs",
    "sts",
)


class TerraformError(RuntimeError):
    """Terraform is missing, too old, or a command failed."""


def cli_config_file() -> Path:
    """The repo's CLI config: the offline provider mirror when present, the registry otherwise."""
    name = "mirror.tfrc" if PROVIDER_MIRROR.is_dir() else "registry.tfrc"
    return CLI_CONFIGS / name


def terraform_version(binary: str = "terraform") -> tuple[int, int, int]:
    path = shutil.which(binary)
    if path is None:
        raise TerraformError(
            "terraform not found on PATH: install Terraform >= 1.7 "
            "(https://developer.hashicorp.com/terraform/install) and run `make setup` again"
        )
    out = subprocess.run([path, "version", "-json"], capture_output=True, text=True, check=True).stdout
    version = json.loads(out)["terraform_version"]
    major, minor, patch = (int(p) for p in re.findall(r"\d+", version)[:3])
    if (major, minor, patch) < MIN_TERRAFORM:
        raise TerraformError(f"terraform {version} is too old: install Terraform >= 1.7 and run `make setup` again")
    return major, minor, patch


def base_env(emulator: Emulator | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"TF_CLI_CONFIG_FILE": str(cli_config_file()), "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"})
    if emulator is not None:
        env.update(emulator.env())
    return env


# The module registry host a scaffolded use case's sources name; locally it is mapped to the
# embedded registry (a CLI config `host` block), in production to the platform team's registry.
LOCAL_REGISTRY_HOST = "registry.mlops.internal"


def local_env(
    emulator: Emulator, folder: Path, registry_url: str | None = None, registry_ca: str | None = None
) -> dict[str, str]:
    """Terraform and boto3 settings for roots run against the emulator and, when one runs, the
    local module registry: one CA bundle trusting both (SSL_CERT_FILE holds a single file), and
    a CLI config mapping the registry host of the sources to the local registry."""
    env = base_env(emulator)
    folder.mkdir(parents=True, exist_ok=True)
    bundle = folder / "ca-bundle.pem"
    cas = [emulator.ca_file, *([registry_ca] if registry_ca else [])]
    bundle.write_text("".join(Path(ca).read_text() for ca in cas))
    env.update({"SSL_CERT_FILE": str(bundle), "AWS_CA_BUNDLE": str(bundle)})
    if registry_url:
        config = folder / "terraform.rc"
        services = f'  services = {{\n    "modules.v1" = "{registry_url}/v1/modules/"\n  }}\n'
        host = f'host "{LOCAL_REGISTRY_HOST}" {{\n{services}}}\n'
        config.write_text(cli_config_file().read_text() + "\n# The local module registry (mlops registry up).\n" + host)
        env["TF_CLI_CONFIG_FILE"] = str(config)
    return env


def render_provider_override(emulator: Emulator) -> str:
    """The AWS provider settings that send every call of a root to the emulator. The provider
    asks the emulated STS for its account (no skip_requesting_account_id): without it, it cannot
    tell its own security groups from another account's and reports drift on every rule."""
    endpoints = "\n".join(f'    {name:<22} = "{emulator.endpoint}"' for name in EMULATED_SERVICES)
    return f"""# Generated by pipelines_src.local.terraform: sends this root's AWS calls to the local emulator.
provider "aws" {{
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
  max_retries                 = 2

  endpoints {{
{endpoints}
  }}
}}
"""


BACKEND_OVERRIDE_FILE = "emulator_backend_override.tf"
LOCAL_BACKEND = (
    "# Generated by pipelines_src.local.terraform: state of emulator runs stays local.\n"
    'terraform {\n  backend "local" {}\n}\n'
)


def _declares_backend(root: Path) -> bool:
    pattern = re.compile(r'^\s*backend\s+"', re.MULTILINE)
    return any(pattern.search(tf.read_text()) for tf in root.glob("*.tf") if not tf.name.endswith("_override.tf"))


def _declares_aws_provider(root: Path) -> bool:
    pattern = re.compile(r'^\s*provider\s+"aws"\s*\{', re.MULTILINE)
    return any(pattern.search(tf.read_text()) for tf in root.glob("*.tf"))


def _copy_root(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob("*.tf"):
        stale.unlink()
    for item in source.iterdir():
        if item.name in _STAGE_SKIP or item.name.endswith("_override.tf"):
            continue
        destination = target / item.name
        if item.is_dir():
            shutil.rmtree(destination, ignore_errors=True)
            shutil.copytree(item, destination, ignore=shutil.ignore_patterns(*_STAGE_SKIP))
        else:
            shutil.copy2(item, destination)


_LOCAL_SOURCE = re.compile(r'^\s*source\s*=\s*"(\.\.?/[^"]*)"', re.MULTILINE)


def _local_sources(root: Path, seen: set[Path]) -> set[Path]:
    """The folders of every local module a root calls, followed into those modules."""
    found: set[Path] = set()
    for tf_file in root.glob("*.tf"):
        for relative in _LOCAL_SOURCE.findall(tf_file.read_text()):
            folder = (root / relative).resolve()
            if folder.is_dir() and folder not in seen:
                seen.add(folder)
                found |= {folder} | _local_sources(folder, seen)
    return found


def workspace_of(root: Path) -> Path:
    """Where a root's relative paths resolve from: its git work tree (an example calls
    ../../modules/x and reads ../../pipelines_src/...), else the folder holding the root and
    every local module it calls (a root whose modules all come from a registry is its own)."""
    root = root.resolve()
    found = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=False
    )
    if found.returncode == 0 and found.stdout.strip():
        return Path(found.stdout.strip()).resolve()
    folders = [root, *_local_sources(root, {root})]
    return Path(os.path.commonpath([str(f) for f in folders]))


def _mirror_path(workspace: Path, target: Path, relative: Path) -> Path:
    """Real folders along `relative` under `target`, every sibling at each level symlinked to
    the workspace, so relative module sources resolve while nothing staged can reach the sources."""
    source = workspace
    for part in relative.parts:
        target.mkdir(parents=True, exist_ok=True)
        if target.is_symlink():
            target.unlink()
            target.mkdir()
        for entry in source.iterdir():
            link = target / entry.name
            if entry.name in _WORKSPACE_SKIP or entry.name == part or link.exists() or link.is_symlink():
                continue
            link.symlink_to(entry, target_is_directory=entry.is_dir())
        source, target = source / part, target / part
    if target.is_symlink():
        target.unlink()
    return target


def _workspace_folder(workspace: Path, work_dir: Path) -> Path:
    """`<work>/<workspace name>-<hash of its path>`: one per workspace (per use case repository)."""
    return work_dir / f"{workspace.name}-{hashlib.sha256(str(workspace).encode()).hexdigest()[:8]}"


def staged_path(root: Path, work_dir: Path) -> Path:
    """Where `root` is staged: `<work>/<workspace>-<hash>/<path in the workspace>`."""
    root = root.resolve()
    workspace = workspace_of(root)
    return _workspace_folder(workspace, work_dir.resolve()) / root.relative_to(workspace)


def stage(root: Path, work_dir: Path, emulator: Emulator | None) -> Path:
    """Copy `root` into `work_dir` at its workspace-relative path and point it at `emulator`."""
    root, work_dir = root.resolve(), work_dir.resolve()
    workspace = workspace_of(root)
    if work_dir.is_relative_to(workspace) and not work_dir.is_relative_to(workspace / ".local"):
        raise TerraformError(
            f"refusing to stage into the source tree ({work_dir}): use a folder outside it or under .local/"
        )
    staged = _mirror_path(workspace, _workspace_folder(workspace, work_dir), root.relative_to(workspace))
    _copy_root(root, staged)
    if emulator is not None:
        if not _declares_aws_provider(staged):
            (staged / PROVIDER_STUB_FILE).write_text('provider "aws" {\n  region = "eu-central-1"\n}\n')
        (staged / OVERRIDE_FILE).write_text(render_provider_override(emulator))
        if _declares_backend(staged):  # a use case's S3 backend: the emulator's state stays local
            (staged / BACKEND_OVERRIDE_FILE).write_text(LOCAL_BACKEND)
        _forget_state_of_other_emulators(staged, emulator)
    return staged


INSTANCE_FILE = ".emulator-instance"


def _forget_state_of_other_emulators(staged: Path, emulator: Emulator) -> None:
    """A state written against an emulator that has since stopped describes resources that no
    longer exist (refresh would fail on every one): set it aside, and start from an empty state."""
    instance = f"{emulator.pid}:{emulator.port}:{emulator.ca_file}"
    marker = staged / INSTANCE_FILE
    state = staged / "terraform.tfstate"
    if state.exists() and (not marker.exists() or marker.read_text() != instance):
        state.replace(staged / "terraform.tfstate.previous-emulator")
    marker.write_text(instance)


def _error_detail(stderr: str | None) -> str:
    """Terraform's own error text, from its first `Error:` on (what tells the user the fix)."""
    text = (stderr or "").strip()
    start = text.find("Error:")
    return text[start if start >= 0 else 0 :][:4000]


@dataclass
class TerraformRoot:
    """A staged root and the commands a user runs on it."""

    path: Path
    env: Mapping[str, str] = field(default_factory=base_env)
    binary: str = "terraform"

    def run(self, *args: str, capture: bool = False, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [self.binary, f"-chdir={self.path}", *args]
        result = subprocess.run(command, env=dict(self.env), text=True, capture_output=capture, check=False)
        if check and result.returncode != 0:
            detail = _error_detail(result.stderr) if capture else ""
            raise TerraformError(f"`terraform {' '.join(args)}` failed in {self.path} ({result.returncode}) {detail}")
        return result

    def init(self) -> None:
        """`terraform init`, skipped only when a previous init of these very .tf files succeeded
        (a failed init leaves .terraform/ behind; keying on the folder would skip the retry)."""
        marker = self.path / ".terraform" / "mlops-init-ok"
        sources = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(self.path.glob("*.tf")))).hexdigest()
        if marker.is_file() and marker.read_text() == sources:
            return
        self.run("init", "-input=false", "-no-color", capture=True)
        marker.write_text(sources)

    def var_args(self, var_files: Sequence[Path], variables: Mapping[str, Any]) -> list[str]:
        args = [f"-var-file={Path(f).resolve()}" for f in var_files]
        args += [f"-var={k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in variables.items()]
        return args

    def apply(
        self, var_files: Sequence[Path] = (), variables: Mapping[str, Any] | None = None, capture: bool = True
    ) -> None:
        self.init()
        self.run(
            "apply",
            "-input=false",
            "-auto-approve",
            "-no-color",
            *self.var_args(var_files, variables or {}),
            capture=capture,
        )

    def plan_changes(self, var_files: Sequence[Path] = (), variables: Mapping[str, Any] | None = None) -> int:
        """Exit code of `plan -detailed-exitcode`: 0 no changes, 2 changes (1 raises)."""
        self.init()
        result = self.run(
            "plan",
            "-input=false",
            "-no-color",
            "-detailed-exitcode",
            "-lock=false",
            *self.var_args(var_files, variables or {}),
            capture=True,
            check=False,
        )
        if result.returncode not in (0, 2):
            raise TerraformError(f"plan failed in {self.path}: {result.stderr.strip()[-4000:]}")
        return result.returncode

    def plan_json(self, var_files: Sequence[Path] = (), variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The plan as `terraform show -json` renders it."""
        self.init()
        plan_file = self.path / "plan.tfplan"
        self.run(
            "plan",
            "-input=false",
            "-no-color",
            "-lock=false",
            f"-out={plan_file}",
            *self.var_args(var_files, variables or {}),
            capture=True,
        )
        shown = self.run("show", "-json", str(plan_file), capture=True).stdout
        plan_file.unlink()
        data: dict[str, Any] = json.loads(shown)
        return data

    def destroy(
        self, var_files: Sequence[Path] = (), variables: Mapping[str, Any] | None = None, capture: bool = True
    ) -> None:
        self.init()
        self.run(
            "destroy",
            "-input=false",
            "-auto-approve",
            "-no-color",
            *self.var_args(var_files, variables or {}),
            capture=capture,
        )

    def outputs(self) -> dict[str, Any]:
        raw = json.loads(self.run("output", "-json", capture=True).stdout or "{}")
        return {name: item["value"] for name, item in raw.items()}

    def state_addresses(self) -> list[str]:
        result = self.run("state", "list", capture=True, check=False)
        return [line for line in result.stdout.splitlines() if line.strip()]
