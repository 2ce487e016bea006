"""A module's public interface (variables, outputs, provider constraints) and the breaking
changes between two versions of it.

Breaking: a variable added without a default, a variable or an output removed (a rename is a
removal), a variable's type changed to anything but `any` (narrowed, or simply different: a
caller's value may no longer convert), a provider's minimum version raised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tools import hcl


@dataclass(frozen=True)
class Interface:
    variables: dict[str, tuple[str, bool]] = field(default_factory=dict)  # name -> (type, required)
    outputs: frozenset[str] = frozenset()
    providers: dict[str, str] = field(default_factory=dict)  # source -> version constraint


def read(module: Path) -> Interface:
    """The interface of the module in `module` (its *.tf files); types as written."""
    variables = {
        b.name: (re.sub(r"\s+", "", b.raw("type") or "any"), "default" not in b.body)
        for b in hcl.module_blocks(module, "variable")
    }
    outputs = frozenset(b.name for b in hcl.module_blocks(module, "output"))
    providers: dict[str, str] = {}
    for path in sorted(module.glob("*.tf")):
        for terraform in hcl.parse_file(path).get("terraform", []):
            for required in terraform.get("required_providers", []):
                for name, spec in hcl.unwrap(required).items():
                    settings = hcl.unwrap(spec)
                    if isinstance(settings, dict):
                        source = str(hcl.unwrap(settings.get("source", name)))
                        providers[source] = str(hcl.unwrap(settings.get("version", "")))
    return Interface(variables, outputs, providers)


def _minimum(constraint: str) -> tuple[int, ...]:
    """The lowest version a constraint admits (its >=, ~> or = bound), (0,) when unbounded."""
    found = re.findall(r"(?:>=|~>|=)\s*v?(\d+(?:\.\d+)*)", constraint)
    bounds = [tuple(int(p) for p in v.split(".")) for v in found]
    return max(bounds) if bounds else (0,)


def breaking_changes(old: Interface, new: Interface) -> list[str]:
    changes = []
    for name, (_, required) in sorted(new.variables.items()):
        if name not in old.variables and required:
            changes.append(f"variable {name} added without a default")
    for name, (kind, was_required) in sorted(old.variables.items()):
        if name not in new.variables:
            changes.append(f"variable {name} removed or renamed")
        elif new.variables[name][0] != kind and new.variables[name][0] != "any":
            changes.append(f"variable {name} type changed from {kind} to {new.variables[name][0]}")
        elif not was_required and new.variables[name][1]:
            changes.append(f"variable {name} lost its default")
    changes += [f"output {name} removed or renamed" for name in sorted(old.outputs - new.outputs)]
    for source, constraint in sorted(new.providers.items()):
        before = old.providers.get(source)
        if before is not None and _minimum(constraint) > _minimum(before):
            changes.append(f"provider {source} minimum raised from '{before}' to '{constraint}'")
    return changes
