"""Helpers shared by the custom checks: checkov hands attribute values wrapped in lists."""

from __future__ import annotations

import json
from typing import Any

from checkov.common.models.enums import CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


def unwrap(value: Any) -> Any:
    """A value without checkov's one-element list wrapping."""
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value


def first(conf: dict[str, Any], key: str) -> Any:
    """The attribute value as written, unwrapped from checkov's one-element lists."""
    return unwrap(conf.get(key))


def is_plan(conf: dict[str, Any]) -> bool:
    """True on a plan scan: checkov records the planned change actions there only."""
    return "__change_actions__" in conf


def policy_document(value: Any) -> dict[str, Any] | None:
    """A policy as a dict, or None when it is an unresolved reference (HCL scans)."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None
    return None


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = document.get("Statement", [])
    return [found] if isinstance(found, dict) else [s for s in found if isinstance(s, dict)]


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def unresolved(value: Any) -> bool:
    """A reference HCL scans could not resolve (a variable passed through a module call): the
    plan scan, where it is a value, decides instead."""
    return isinstance(value, str) and any(marker in value for marker in ("var.", "local.", "module.", "${"))


class ProblemsCheck(BaseResourceCheck):
    """A check that lists what is wrong with a resource: FAILED with those details, PASSED, or
    UNKNOWN when `problems` returns None (a value not known until apply).
    (Abstract: checkov registers only instances, and this module creates none.)"""

    def problems(self, conf: dict[str, Any]) -> list[str] | None:
        raise NotImplementedError

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        found = self.problems(conf)
        if found is None:
            return CheckResult.UNKNOWN
        self.details.extend(found)
        return CheckResult.FAILED if found else CheckResult.PASSED
