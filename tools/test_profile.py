"""The suite's profile by layer, from pytest's JUnit XML: `make test PYTEST_ARGS=--junitxml=F`,
then `python -m tools.test_profile F [G]` prints, per layer (tests/<folder>), the tests and their
summed time (setup + call + teardown, as pytest reports each test), and with a second file the
two side by side (docs/testing.md's before/after table). With xdist the sums are worker time:
the layers together exceed the wall time by the parallelism."""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path


def layer_of(classname: str) -> str:
    """`tests.e2e.test_demo` -> `e2e`; a test module at the top of tests/ is the `cli` layer."""
    parts = classname.split(".")
    return parts[1] if len(parts) > 2 else "cli"  # tests.<layer>.<module>


def profile(junit: Path) -> dict[str, tuple[int, float]]:
    """Layer -> (tests, seconds) of one run."""
    found: dict[str, list[float]] = defaultdict(list)
    for case in ET.parse(junit).getroot().iter("testcase"):
        found[layer_of(case.get("classname", ""))].append(float(case.get("time", "0")))
    return {layer: (len(times), sum(times)) for layer, times in sorted(found.items())}


def table(before: dict[str, tuple[int, float]], after: dict[str, tuple[int, float]] | None) -> str:
    header = (
        "| layer | tests | seconds |"
        if after is None
        else "| layer | tests before | s before | tests after | s after |"
    )
    rows = [header, "|---|" + "---:|" * (header.count("|") - 2)]
    for layer in sorted(set(before) | set(after or {})):
        count, seconds = before.get(layer, (0, 0.0))
        row = f"| {layer} | {count} | {seconds:,.0f} |"
        if after is not None:
            count_after, seconds_after = after.get(layer, (0, 0.0))
            row += f" {count_after} | {seconds_after:,.0f} |"
        rows.append(row)
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.test_profile", description=__doc__)
    parser.add_argument("junit", type=Path, help="pytest --junitxml output")
    parser.add_argument("after", type=Path, nargs="?", help="a second run's, compared with the first")
    args = parser.parse_args(argv)
    try:
        before = profile(args.junit)
        after = profile(args.after) if args.after else None
    except (OSError, ET.ParseError) as exc:
        print(f"test_profile: cannot read a JUnit XML file: {exc}", file=sys.stderr)
        return 2
    print(table(before, after))
    return 0


if __name__ == "__main__":
    sys.exit(main())
