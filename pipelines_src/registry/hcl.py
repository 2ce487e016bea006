"""Reading a module's HCL with the `hcl2` parser checkov ships (bc-python-hcl2).

The parser turns type expressions into strings that no longer read like HCL, so attribute
expressions are taken from the source text, using the line span the parser records per block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2

_OPEN, _CLOSE = "([{", ")]}"


@dataclass(frozen=True)
class Block:
    kind: str  # variable | output
    name: str
    body: dict[str, Any]
    source: str  # the block's text
    start_line: int

    def raw(self, attribute: str) -> str | None:
        """The expression of a top-level attribute as written, e.g. `map(string)`."""
        match = re.search(rf"^\s*{re.escape(attribute)}\s*=\s*", self.source, re.MULTILINE)
        if match is None:
            return None
        text, depth, end = self.source[match.end() :], 0, 0
        in_string = False
        for end, char in enumerate(text):
            if char == '"' and (end == 0 or text[end - 1] != "\\"):
                in_string = not in_string
            elif not in_string and char in _OPEN:
                depth += 1
            elif not in_string and char in _CLOSE:
                depth -= 1
            elif char == "\n" and depth == 0 and not in_string:
                break
        else:
            end = len(text)
        return re.sub(r"\s+", " ", text[:end].strip())

    def value(self, attribute: str) -> Any:
        return unwrap(self.body.get(attribute))


def unwrap(value: Any) -> Any:
    """A value without the parser's one-element list wrapping."""
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value


def parse_file(path: Path) -> dict[str, Any]:
    with path.open() as handle:
        parsed: dict[str, Any] = hcl2.load(handle)  # type: ignore[attr-defined]  # re-exported without __all__
    return parsed


def _block_source(text: str, kind: str, name: str) -> tuple[str, int]:
    """Text and first line of `kind "name" { ... }`, found by brace matching outside strings."""
    header = re.search(rf'^{kind}\s+"{re.escape(name)}"\s*\{{', text, re.MULTILINE)
    if header is None:
        raise ValueError(f"{kind} {name!r} not found")
    depth, in_string, index = 0, False, header.end() - 1
    for index in range(header.end() - 1, len(text)):
        char = text[index]
        if char == '"' and text[index - 1] != "\\":
            in_string = not in_string
        elif not in_string and char == "{":
            depth += 1
        elif not in_string and char == "}":
            depth -= 1
            if depth == 0:
                break
    return text[header.start() : index + 1], text.count("\n", 0, header.start()) + 1


def blocks(path: Path, kind: str) -> list[Block]:
    """The `variable` or `output` blocks of a file, in file order."""
    if not path.exists():
        return []
    text = path.read_text()
    found = []
    for entry in parse_file(path).get(kind, []):
        for name, body in entry.items():
            source, start = _block_source(text, kind, name)
            found.append(Block(kind, name, body, source, start))
    return sorted(found, key=lambda b: b.start_line)


def module_blocks(module: Path, kind: str) -> list[Block]:
    return [b for tf in sorted(module.glob("*.tf")) for b in blocks(tf, kind)]


VERSION_LINE = re.compile(r'^# module_version = "(?P<version>[^"]*)"$', re.MULTILINE)


def module_version(module: Path) -> str | None:
    """The version recorded in the module's versions.tf (`# module_version = "x.y.z"`)."""
    match = VERSION_LINE.search((module / "versions.tf").read_text())
    return match["version"] if match else None


CHANGELOG_HEAD = re.compile(r"^## \[(?P<version>\d+\.\d+\.\d+)\]", re.MULTILINE)


def changelog_version(module: Path) -> str | None:
    """The newest released version in CHANGELOG.md (first `## [x.y.z]` heading)."""
    versions = changelog_versions(module)
    return versions[0] if versions else None


def changelog_versions(module: Path) -> list[str]:
    """Every released version in CHANGELOG.md, newest first."""
    path = module / "CHANGELOG.md"
    return [m["version"] for m in CHANGELOG_HEAD.finditer(path.read_text())] if path.exists() else []
