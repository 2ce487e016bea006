"""`make setup` pre-flight: tell the user exactly what is missing. Standard library only, so it
runs before the virtual environment exists."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

MIN_PYTHON = (3, 11)
MIN_TERRAFORM = (1, 7, 0)
INSTALL_URL = "https://developer.hashicorp.com/terraform/install"


def problems() -> list[str]:
    found: list[str] = []
    if sys.version_info < MIN_PYTHON:
        found.append(f"Python {sys.version.split()[0]} is too old: install Python >= 3.11 and run `make setup` again")
    terraform = shutil.which("terraform")
    if terraform is None:
        found.append(
            f"terraform not found on PATH: install Terraform >= 1.7 ({INSTALL_URL}) and run `make setup` again"
        )
        return found
    out = subprocess.run([terraform, "version", "-json"], capture_output=True, text=True, check=False).stdout
    try:
        version = json.loads(out)["terraform_version"]
    except (ValueError, KeyError):
        return [*found, f"`{terraform} version -json` did not answer: reinstall Terraform >= 1.7 ({INSTALL_URL})"]
    numbers = tuple(int(n) for n in re.findall(r"\d+", version)[:3])
    if numbers < MIN_TERRAFORM:
        found.append(f"terraform {version} is too old: install Terraform >= 1.7 ({INSTALL_URL})")
    return found


def main() -> int:
    found = problems()
    for problem in found:
        print(f"setup: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
