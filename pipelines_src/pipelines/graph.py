"""A picture of a state machine with the status of each state of one execution."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

COLOURS = {"SUCCEEDED": "#2e7d32", "FAILED": "#c62828", "RUNNING": "#ef6c00", None: "#bdbdbd"}


def transitions(state: Mapping[str, Any]) -> list[tuple[str, bool]]:
    """(target, is_error_path) of every transition out of a state."""
    found = [(state["Next"], False)] if "Next" in state else []
    found += [(choice["Next"], False) for choice in state.get("Choices", [])]
    found += [(state["Default"], False)] if "Default" in state else []
    found += [(catch["Next"], True) for catch in state.get("Catch", [])]
    return found


def levels(definition: Mapping[str, Any]) -> dict[str, int]:
    """Depth of each state on its shortest path from StartAt (error paths go last)."""
    depth = {definition["StartAt"]: 0}
    queue = [definition["StartAt"]]
    while queue:
        name = queue.pop(0)
        for target, _ in transitions(definition["States"][name]):
            if target not in depth:
                depth[target] = depth[name] + 1
                queue.append(target)
    deepest = max(depth.values(), default=0)
    for name in definition["States"]:
        depth.setdefault(name, deepest + 1)
    return depth


def draw(definition: Mapping[str, Any], statuses: Mapping[str, str], title: str, target: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    depth = levels(definition)
    rows: dict[int, list[str]] = {}
    for name in definition["States"]:
        rows.setdefault(depth[name], []).append(name)
    position = {
        name: (column - (len(names) - 1) / 2, -row) for row, names in rows.items() for column, name in enumerate(names)
    }
    fig, ax = plt.subplots(figsize=(9, 0.8 * len(rows) + 1.5))
    for name, state in definition["States"].items():
        for next_state, error_path in transitions(state):
            (x1, y1), (x2, y2) = position[name], position[next_state]
            ax.annotate(
                "",
                xy=(x2, y2 + 0.18),
                xytext=(x1, y1 - 0.18),
                arrowprops={
                    "arrowstyle": "->",
                    "color": "#c62828" if error_path else "#616161",
                    "alpha": 0.3 if error_path else 1.0,
                    "lw": 0.8,
                    "linestyle": "--" if error_path else "-",
                },
            )
    for name, (x, y) in position.items():
        status = statuses.get(name)
        ax.text(
            x,
            y,
            name,
            ha="center",
            va="center",
            fontsize=8,
            color="white" if status else "black",
            bbox={"boxstyle": "round,pad=0.35", "fc": COLOURS.get(status, COLOURS[None]), "ec": "none"},
        )
    ax.set_title(title, fontsize=10)
    ax.set_xlim(min(x for x, _ in position.values()) - 1, max(x for x, _ in position.values()) + 1)
    ax.set_ylim(-len(rows), 1)
    ax.axis("off")
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return target
