"""Pipelines compiled into modules/ml-pipeline/tests/fixtures for its `terraform test`: a training
job two Map levels deep, and a step with an integration the registry does not know, given its
Permission. `python -m tests.modules.ml_pipeline_fixtures` rewrites them; a test checks they are
fresh."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pipelines_src.pipelines import compiler, manifest
from pipelines_src.pipelines import states as s
from pipelines_src.pipelines.pipeline import Pipeline
from pipelines_src.pipelines.refs import PLACEHOLDERS, FromInput, Placeholder

FIXTURES = Path(__file__).resolve().parents[2] / "modules" / "ml-pipeline" / "tests" / "fixtures"


def nested_map_definition() -> tuple[dict[str, object], str]:
    """ASL another tool might write: a training job inside a Map inside a Map."""
    train = s.TrainingStep("train", module="pipelines_src.steps.training", channels={"train": FromInput("data_uri")})
    inner = Pipeline("nested-map", [train]).prepared().steps[0].state()
    inner["End"] = True
    definition: dict[str, object] = {
        "Comment": "nested-map",
        "StartAt": "outer",
        "States": {
            "outer": {
                "Type": "Map",
                "ItemsPath": "$.groups",
                "ItemProcessor": {
                    "StartAt": "inner",
                    "States": {
                        "inner": {
                            "Type": "Map",
                            "ItemsPath": "$.members",
                            "ItemProcessor": {"StartAt": "train", "States": {"train": inner}},
                            "End": True,
                        }
                    },
                },
                "End": True,
            }
        },
    }
    return definition, "nested-map"


def new_integration() -> Pipeline:
    """A use case's step publishing to its own event bus, with the permission it needs."""
    bus = Placeholder("team_bus", description="the team's event bus")
    publish = s.ServiceStep(
        "announce",
        integration="events:putEvents",
        call={"Entries": [{"Source": "team", "DetailType": "trained", "Detail": "{}", "EventBusName": bus}]},
        needs=s.Permission(
            ("events:PutEvents",), ("arn:${partition}:events:${region}:${account}:event-bus/${team_bus}",)
        ),
    )
    return Pipeline("new-integration", [publish], extra_placeholders={"team_bus": bus})


def write(target: Path = FIXTURES) -> list[Path]:

    definition, name = nested_map_definition()
    text = json.dumps(definition, indent=2) + "\n"
    for token in ("subnet_ids", "security_group_ids"):
        text = text.replace(f'"${{{token}}}"', f"${{{token}}}")
    placeholders = {name: PLACEHOLDERS[name].type for name in sorted(set(re.findall(r"\$\{([a-z_]+)\}", text)))}
    (target / f"{name}.asl.json.tftpl").write_text(text)
    (target / f"{name}.manifest.json").write_text(
        manifest.dumps(manifest.for_definition(definition, text, placeholders))
    )
    return [target / f"{name}.asl.json.tftpl", *compiler.write(new_integration(), target)]


if __name__ == "__main__":
    for path in write():
        print(f"wrote {path}")
