"""Composition diagrams of the example roots, generated from their HCL (Mermaid, rendered by the
code host; no graphviz binary needed on a fresh machine or in CI).

Each `module` block of a root is a node, labelled with the registry module it calls and grouped
by the layer of the reference architecture (docs/architecture.md); an edge `a --> b` means b reads
an output of a (`module.a.` in b's arguments). The diagram goes between the DIAGRAM markers of the
example's README and, for every example, into docs/architecture.md.

`python -m tools.diagrams` rewrites stale diagrams; `--check` lists them and exits 1 (tests).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
ARCHITECTURE = REPO / "docs" / "architecture.md"
BEGIN, END = "<!-- BEGIN_DIAGRAM {} -->", "<!-- END_DIAGRAM {} -->"

# Layers of the reference architecture, by registry module (docs/architecture.md explains them).
LAYERS = {
    "Security and network": ("kms", "network", "iam"),
    "Data": ("storage", "data-lake-access", "metadata-store", "ecr"),
    "Pipelines and registry": ("ml-pipeline", "model-registry"),
    "Serving and monitoring": ("realtime-endpoint", "model-monitoring", "observability", "alerts"),
    "People and delivery": ("sagemaker-studio", "cicd"),
}
_MODULE_HEAD = re.compile(r'^module\s+"([A-Za-z0-9_-]+)"\s*\{', re.MULTILINE)
_SOURCE = re.compile(r'^\s*source\s*=\s*"([^"]+)"', re.MULTILINE)
_REFERENCE = re.compile(r"\bmodule\.([A-Za-z0-9_-]+)\.")
_PROVIDER = re.compile(r"^\s*providers\s*=\s*\{\s*aws\s*=\s*aws\.([A-Za-z0-9_-]+)", re.MULTILINE)


@dataclass(frozen=True)
class Call:
    name: str  # the module block's label in the root
    module: str  # the registry module it calls
    reads: tuple[str, ...]  # the blocks whose outputs it reads
    provider: str = ""  # the aws provider alias it runs with (another account), "" the default


def _block_body(text: str, start: int) -> str:
    """The text from `start` (just after an opening brace) to its matching closing brace."""
    depth, position = 1, start
    while depth and position < len(text):
        depth += {"{": 1, "}": -1}.get(text[position], 0)
        position += 1
    return text[start:position]


def calls(root: Path) -> list[Call]:
    """The root's module blocks, in file order (files sorted by name)."""
    found = []
    for file in sorted(root.glob("*.tf")):
        text = file.read_text()
        for head in _MODULE_HEAD.finditer(text):
            body = _block_body(text, head.end())
            source = _SOURCE.search(body)
            module = source.group(1).rstrip("/").split("/")[-1] if source else "?"
            reads = tuple(sorted(set(_REFERENCE.findall(body)) - {head.group(1)}))
            provider = _PROVIDER.search(body)
            found.append(Call(head.group(1), module, reads, provider.group(1) if provider else ""))
    return found


def _layer_of(module: str) -> str:
    return next((layer for layer, members in LAYERS.items() if module in members), "Other")


def _label(call: Call) -> str:
    return call.name if call.name == call.module else f"{call.name}<br/>({call.module})"


def _layers(members: list[Call], indent: str, prefix: str) -> list[str]:
    lines = []
    for index, layer in enumerate([*LAYERS, "Other"]):
        nodes = [c for c in members if _layer_of(c.module) == layer]
        if nodes:
            lines.append(f'{indent}subgraph {prefix}layer{index}["{layer}"]')
            lines += [f'{indent}  {c.name}["{_label(c)}"]' for c in nodes]
            lines.append(f"{indent}end")
    return lines


def render(root: Path) -> str:
    """The root's Mermaid flowchart, between its markers: with more than one provider (accounts),
    a box per provider around the layers."""
    members = calls(root)
    lines = [BEGIN.format(root.name), "```mermaid", "flowchart LR"]
    providers = sorted({c.provider for c in members})
    if providers == [""]:
        lines += _layers(members, "  ", "")
    for index, provider in enumerate(providers if len(providers) > 1 else []):
        title = f"account of provider aws.{provider}" if provider else "account of the default provider"
        lines.append(f'  subgraph account{index}["{title}"]')
        lines += _layers([c for c in members if c.provider == provider], "    ", f"a{index}")
        lines.append("  end")
    known = {c.name for c in members}
    lines += [f"  {source} --> {c.name}" for c in members for source in c.reads if source in known]
    return "\n".join([*lines, "```", END.format(root.name)])


def examples() -> list[Path]:
    return sorted(p for p in EXAMPLES.iterdir() if any(p.glob("*.tf")))


def _replaced(text: str, root: Path) -> str | None:
    """`text` with the root's diagram block rewritten; None when the file has no markers for it."""
    begin, end = BEGIN.format(root.name), END.format(root.name)
    if begin not in text or end not in text:
        return None
    head, rest = text.split(begin, 1)
    return head + render(root) + rest.split(end, 1)[1]


def stale() -> list[tuple[Path, str]]:
    """(file, fresh text) of every diagram file whose blocks differ from the HCL."""
    found = []
    for target, roots in [(ARCHITECTURE, examples()), *((r / "README.md", [r]) for r in examples())]:
        if not target.is_file():
            found.append((target, ""))
            continue
        text = original = target.read_text()
        for root in roots:
            fresh = _replaced(text, root)
            text = fresh if fresh is not None else text + f"\n{render(root)}\n"
        if text != original:
            found.append((target, text))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="list stale diagrams and exit 1")
    args = parser.parse_args(argv)
    outdated = stale()
    for path, text in outdated:
        if args.check or not text:
            print(f"diagrams: {path.relative_to(REPO)} is stale or missing (`python -m tools.diagrams`)")
        else:
            path.write_text(text)
            print(f"diagrams: updated {path.relative_to(REPO)}")
    return 1 if outdated and (args.check or any(not t for _, t in outdated)) else 0


if __name__ == "__main__":
    sys.exit(main())
