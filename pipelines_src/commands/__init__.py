"""The `mlops` commands, one module per area; this module holds what they share: where local
state lives (`.local/` of the folder it runs in, or MLOPS_LOCAL_DIR), the running emulator and
module registry, and the environment that trusts both for a Terraform root."""

from __future__ import annotations

import os
from pathlib import Path

from pipelines_src.local import emulator
from pipelines_src.local import terraform as tf


class UsageError(SystemExit):
    """Bad input on the command line: one line naming the fix, exit code 2."""

    def __init__(self, message: str) -> None:
        super().__init__(2)
        self.message = message


def local_dir() -> Path:
    """Where local state lives: emulator, registry, staged roots with their Terraform state."""
    return Path(os.environ.get("MLOPS_LOCAL_DIR", Path.cwd() / ".local")).resolve()


def emulator_dir() -> Path:
    return local_dir() / "emulator"


def registry_dir() -> Path:
    return local_dir() / "registry"


def port_setting(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    if not raw.isdigit() or not 1024 <= int(raw) <= 65535:
        raise SystemExit(f"mlops: {name}={raw!r} is not a port: use a number from 1024 to 65535")
    return int(raw)


def running_emulator() -> emulator.Emulator:
    info = emulator.running(emulator_dir())
    if info is None:
        raise SystemExit(
            "mlops: the local emulator is not running: start it with `mlops emulator up` (make emulator-up)"
        )
    return info


def root_env(info: emulator.Emulator, folder: Path | None = None) -> dict[str, str]:
    """Settings for Terraform roots on this emulator, with the local module registry if it runs
    (its CA bundle and CLI config written to `folder`, default .local/)."""
    from pipelines_src.registry import server

    registry = server.running(registry_dir())
    url, ca = (registry.url, registry.ca_file) if registry else (None, None)
    return tf.local_env(info, folder or local_dir(), url, ca)


def require_roots(*paths: Path | None) -> None:
    """Refuse what is not a Terraform root before anything starts (an emulator, an apply)."""
    for path in paths:
        if path is not None and not (path.is_dir() and any(path.glob("*.tf"))):
            raise UsageError(f"{path} is not a Terraform root: give a folder with .tf files, e.g. infra")


def terraform_root(path: Path, info: emulator.Emulator, account: str | None = None) -> tf.TerraformRoot:
    """A root staged for this emulator (under .local/work, one folder per workspace; per account
    when deployed into another emulator account, so each stage has its own state)."""
    require_roots(path)
    work = local_dir() / "work" / (f"account-{account}" if account else "")
    try:
        staged = tf.stage(path, work, info, account)
    except tf.TerraformError as exc:
        raise UsageError(str(exc)) from exc
    return tf.TerraformRoot(staged, root_env(info))
