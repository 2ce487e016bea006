"""Write the inputs/outputs block of every module README (between the TF_DOCS markers).

`python -m tools.tfdoc` rewrites stale blocks; `--check` lists them and exits 1 (used by tests).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelines_src.registry import release
from pipelines_src.registry.hcl import Block, module_blocks, module_version

REPO = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->"


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ").strip()


def _input_row(block: Block) -> str:
    default = block.raw("default")
    required = "no" if default is not None else "yes"
    shown_default = f"`{_cell(default)}`" if default is not None else "n/a"
    return (
        f"| `{block.name}` | {_cell(block.value('description'))} | `{_cell(block.raw('type'))}` "
        f"| {shown_default} | {required} |"
    )


def render(module: Path) -> str:
    inputs = module_blocks(module, "variable")
    outputs = module_blocks(module, "output")
    lines = [BEGIN, f"Module version: `{module_version(module)}`", "", "### Inputs", ""]
    lines += ["| Name | Description | Type | Default | Required |", "|---|---|---|---|:---:|"]
    lines += [_input_row(b) for b in sorted(inputs, key=lambda b: b.name)]
    lines += ["", "### Outputs", "", "| Name | Description |", "|---|---|"]
    lines += [f"| `{b.name}` | {_cell(b.value('description'))} |" for b in sorted(outputs, key=lambda b: b.name)]
    lines.append(END)
    return "\n".join(lines)


def updated_readme(module: Path) -> tuple[str, str]:
    """(current text, text with a fresh block) of the module's README."""
    readme = module / "README.md"
    current = readme.read_text() if readme.exists() else f"# {module.name}\n\n{BEGIN}\n{END}\n"
    if BEGIN not in current or END not in current:
        raise SystemExit(f"tfdoc: {readme} lacks the {BEGIN} / {END} markers: add both where the block goes")
    head, rest = current.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return current, head + render(module) + tail


def modules() -> list[Path]:
    return release.modules(REPO)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.tfdoc")
    parser.add_argument("--check", action="store_true", help="list stale READMEs and exit 1 instead of writing")
    args = parser.parse_args(argv)
    stale = []
    for module in modules():
        current, fresh = updated_readme(module)
        if current != fresh:
            stale.append(module)
            if not args.check:
                (module / "README.md").write_text(fresh)
    for module in stale:
        verb = "stale" if args.check else "updated"
        print(f"tfdoc: {verb} {module.relative_to(REPO)}/README.md")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
