"""CKV_MLOPS_22: module sources are pinned: a registry module has a version constraint, a git
source a commit (`?ref=<sha>`). Replaces checkov's CKV_TF_1, which fails every registry module,
pinned or not (it only knows commit hashes); the gate skips CKV_TF_1."""

from __future__ import annotations

import re
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.module.base_module_check import BaseModuleCheck
from mlops_policies.checks._common import first

REGISTRY_SOURCE = re.compile(r"^([a-z0-9.-]+(:\d+)?/)?[A-Za-z0-9_-]+/[A-Za-z0-9_-]+/[A-Za-z0-9_-]+$")
COMMIT = re.compile(r"[?&]ref=[0-9a-f]{7,40}(&|$)")


class ModuleSourcesPinned(BaseModuleCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Module sources are pinned (registry: a version; git: a commit)",
            id="CKV_MLOPS_22",
            categories=[CheckCategories.SUPPLY_CHAIN],
        )

    def scan_module_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        source = str(first(conf, "source") or "")
        if source.startswith(("./", "../")):
            return CheckResult.UNKNOWN  # a module of the same repository: pinned by the commit itself
        if REGISTRY_SOURCE.match(source):
            return CheckResult.PASSED if first(conf, "version") else CheckResult.FAILED
        return CheckResult.PASSED if COMMIT.search(source) else CheckResult.FAILED


check = ModuleSourcesPinned()
