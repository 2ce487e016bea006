"""A module's public interface (variables, outputs, provider constraints) and the breaking
changes between two versions of it.

Breaking: a variable added without a default, a variable or an output removed (a rename is a
removal), a variable's type changed so that a caller's value may no longer convert (an object
attribute removed, added without `optional(...)`, or made required; a different primitive or
collection), a provider's minimum version raised. Compatible: an object attribute added as
`optional(...)`, an attribute made optional, a type widened to `any`. Raising the Terraform
minimum (`required_version`) is breaking too: users on the older CLI can no longer init.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines_src.registry import hcl


@dataclass(frozen=True)
class Type:
    """A type constraint: `kind` (string, number, bool, any, list, set, map, object, tuple),
    its element type(s), and for objects each attribute with whether it is optional."""

    kind: str
    elements: tuple[Type, ...] = ()
    attributes: tuple[tuple[str, Type, bool], ...] = ()  # (name, type, optional)

    def __str__(self) -> str:
        if self.kind == "object":
            inner = ", ".join(f"{n} = {'optional(' + str(t) + ')' if o else t}" for n, t, o in self.attributes)
            return f"object({{{inner}}})"
        return f"{self.kind}({', '.join(str(e) for e in self.elements)})" if self.elements else self.kind


_TOKEN = re.compile(r'\s*("(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_-]*|-?\d+(?:\.\d+)?|[(){}\[\],=\n]|\S)', re.S)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = [m.group(1) for m in _TOKEN.finditer(text.replace("\r", ""))]
        self.at = 0

    def peek(self) -> str:
        while self.at < len(self.tokens) and self.tokens[self.at] == "\n":
            self.at += 1
        return self.tokens[self.at] if self.at < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if expected is not None and token != expected:
            raise ValueError(f"expected {expected!r}, found {token!r}")
        self.at += 1
        return token

    def type(self) -> Type:
        kind = self.take()
        if kind in ("list", "set", "map"):
            self.take("(")
            element = self.type()
            self.take(")")
            return Type(kind, (element,))
        if kind == "tuple":
            self.take("(")
            self.take("[")
            elements = self._sequence("]", self.type)
            self.take(")")
            return Type(kind, tuple(elements))
        if kind == "object":
            self.take("(")
            attributes = self._object()
            self.take(")")
            return Type(kind, attributes=tuple(attributes))
        return Type(kind)

    def _sequence(self, closing: str, item: Any) -> list[Any]:
        found = []
        while self.peek() != closing:
            found.append(item())
            if self.peek() == ",":
                self.take(",")
        self.take(closing)
        return found

    def _object(self) -> list[tuple[str, Type, bool]]:
        self.take("{")
        return self._sequence("}", self._attribute)

    def _attribute(self) -> tuple[str, Type, bool]:
        name = self.take().strip('"')
        self.take("=")
        if self.peek() != "optional":
            return name, self.type(), False
        self.take("optional")
        self.take("(")
        attribute = self.type()
        if self.peek() == ",":
            self.take(",")
            self._skip_expression()
        self.take(")")
        return name, attribute, True

    def _skip_expression(self) -> None:
        """A default value inside optional(type, default): balanced brackets up to the closing )."""
        depth = 0
        while True:
            token = self.peek()
            if token in ("(", "{", "["):
                depth += 1
            elif token in (")", "}", "]"):
                if depth == 0:
                    return
                depth -= 1
            self.at += 1


def parse_type(text: str | None) -> Type:
    """A variable's type constraint from its source text (`any` when there is none)."""
    if not text or not text.strip():
        return Type("any")
    try:
        return _Parser(text).type()
    except (ValueError, IndexError):
        return Type(re.sub(r"\s+", "", text))  # unparsable: compared as written


def type_changes(old: Type, new: Type, where: str) -> list[str]:
    """Why a value of the old type may not convert to the new one (empty: compatible)."""
    if new.kind == "any" or old == new:
        return []
    if old.kind != new.kind or len(old.elements) != len(new.elements):
        return [f"{where} type changed from {old} to {new}"]
    if old.kind != "object":
        return [c for a, b in zip(old.elements, new.elements, strict=True) for c in type_changes(a, b, where)]
    before = {name: (kind, optional) for name, kind, optional in old.attributes}
    after = {name: (kind, optional) for name, kind, optional in new.attributes}
    changes = [f"{where}.{name} removed" for name in sorted(set(before) - set(after))]
    changes += [
        f"{where}.{name} added without optional()" for name in sorted(set(after) - set(before)) if not after[name][1]
    ]
    for name in sorted(set(before) & set(after)):
        if before[name][1] and not after[name][1]:
            changes.append(f"{where}.{name} became required")
        changes += type_changes(before[name][0], after[name][0], f"{where}.{name}")
    return changes


@dataclass(frozen=True)
class Interface:
    variables: dict[str, tuple[str, bool]] = field(default_factory=dict)  # name -> (type source, required)
    outputs: frozenset[str] = frozenset()
    providers: dict[str, str] = field(default_factory=dict)  # source -> version constraint
    terraform: str = ""  # required_version


def read(module: Path) -> Interface:
    """The interface of the module in `module` (its *.tf files); types as written."""
    variables = {b.name: (_type_source(b), "default" not in b.body) for b in hcl.module_blocks(module, "variable")}
    outputs = frozenset(b.name for b in hcl.module_blocks(module, "output"))
    providers: dict[str, str] = {}
    required_version = ""
    for path in sorted(module.glob("*.tf")):
        for terraform in hcl.parse_file(path).get("terraform", []):
            required_version = str(hcl.unwrap(terraform.get("required_version", required_version)))
            for required in terraform.get("required_providers", []):
                for name, spec in hcl.unwrap(required).items():
                    settings = hcl.unwrap(spec)
                    if isinstance(settings, dict):
                        source = str(hcl.unwrap(settings.get("source", name)))
                        providers[source] = str(hcl.unwrap(settings.get("version", "")))
    return Interface(variables, outputs, providers, required_version)


def _type_source(block: hcl.Block) -> str:
    """The type expression as written, newlines kept (they separate object attributes)."""
    match = re.search(r"^\s*type\s*=\s*", block.source, re.MULTILINE)
    if match is None:
        return "any"
    text, depth = block.source[match.end() :], 0
    for end, char in enumerate(text):
        if char in "({[":
            depth += 1
        elif char in ")}]":
            depth -= 1
        elif char == "\n" and depth == 0:
            return text[:end].strip()
    return text.strip()


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
        elif kind_changes := type_changes(parse_type(kind), parse_type(new.variables[name][0]), f"variable {name}"):
            changes += kind_changes
        elif not was_required and new.variables[name][1]:
            changes.append(f"variable {name} lost its default")
    changes += [f"output {name} removed or renamed" for name in sorted(old.outputs - new.outputs)]
    for source, constraint in sorted(new.providers.items()):
        before = old.providers.get(source)
        if before is not None and _minimum(constraint) > _minimum(before):
            changes.append(f"provider {source} minimum raised from '{before}' to '{constraint}'")
    if old.terraform and new.terraform and _minimum(new.terraform) > _minimum(old.terraform):
        changes.append(f"terraform minimum raised from '{old.terraform}' to '{new.terraform}'")
    return changes
