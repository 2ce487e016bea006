"""The pipeline definitions: both render to valid ASL, every SageMaker job is locked down, and the
templates Terraform deploys are the ones the code renders."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pipelines_src import contracts
from pipelines_src.pipelines import definitions, validate
from tests.conftest import REPO

VALUES: dict[str, Any] = {name: f"test-{name}" for name in definitions.TEMPLATE_VARIABLES}
VALUES |= {"subnet_ids": ["subnet-0a", "subnet-0b"], "security_group_ids": ["sg-0a"]}
TEMPLATES = REPO / "pipelines_src" / "pipelines" / "templates"


@pytest.mark.parametrize("pipeline", sorted(definitions.DEFINITIONS))
def test_renders_valid_asl_with_every_job_locked_down(pipeline: str) -> None:
    asl = definitions.render(pipeline, VALUES)
    assert validate.problems(asl) == []
    assert validate.security_problems(asl) == []
    processing = [s for s in asl["States"].values() if "createProcessingJob" in str(s.get("Resource"))]
    assert processing and all(
        s["Parameters"]["NetworkConfig"]["VpcConfig"]["Subnets"] == ["subnet-0a", "subnet-0b"] for s in processing
    )


@pytest.mark.parametrize(
    ("pipeline", "states"), [("training", contracts.TRAINING_STATES), ("batch-inference", contracts.BATCH_STATES)]
)
def test_state_names_follow_the_contract_in_order(pipeline: str, states: tuple[str, ...]) -> None:
    asl = definitions.render(pipeline, VALUES)
    order, current = [], asl["StartAt"]
    while current in asl["States"]:
        order.append(current)
        state = asl["States"][current]
        current = state.get("Next") or (state.get("Choices") or [{}])[0].get("Next", "")
    assert [s for s in order if s in states] == list(states)


def test_every_task_routes_failures_to_the_alert() -> None:
    for pipeline in definitions.DEFINITIONS:
        asl = definitions.render(pipeline, VALUES)
        for name, state in asl["States"].items():
            if state["Type"] in ("Task", "Map") and not name.startswith("notify"):
                assert any(c["Next"] == "notify-failure" for c in state.get("Catch", [])), (
                    f"{pipeline}/{name} has no Catch"
                )
        assert asl["States"]["notify-failure"]["Resource"] == "arn:aws:states:::sns:publish"


def test_training_parallel_candidates_and_best_selection() -> None:
    asl = definitions.render("training", VALUES)
    training = asl["States"]["training"]
    assert training["Type"] == "Map" and training["ItemsPath"] == "$.hyperparameter_sets"
    best = asl["States"]["select-best-model"]["Parameters"]["uri.$"]
    assert best == "States.ArrayGetItem($.steps.training[*].model, $.evaluation.decision.best_index)"
    put = asl["States"]["store-metadata"]["Parameters"]
    assert put["ConditionExpression"].startswith("attribute_not_exists(") and put["TableName"] == "test-metadata_table"


def test_batch_runs_only_approved_models() -> None:
    asl = definitions.render("batch-inference", VALUES)
    assert asl["States"]["approved-only"]["Choices"][0] == {
        "Variable": "$.model.approval",
        "StringEquals": "Approved",
        "Next": "data-load",
    }
    transform = asl["States"]["batch-inference"]["Parameters"]
    assert transform["DataProcessing"] == {"InputFilter": "$[1:]", "JoinSource": "Input", "OutputFilter": "$"}
    assert transform["TransformInput"]["SplitType"] == "Line" and transform["BatchStrategy"] == "MultiRecord"


def _broken(mutate: Any) -> list[str]:
    asl = copy.deepcopy(definitions.render("training", VALUES))
    mutate(asl)
    return validate.problems(asl) + validate.security_problems(asl)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda a: a["States"]["data-load"].update(Next="nowhere"), "data-load: transition to unknown state 'nowhere'"),
        (lambda a: a.update(StartAt="missing"), "StartAt 'missing' is not a state"),
        (lambda a: a["States"]["approve-model"].update(End=True), "approve-model: needs exactly one of Next or End"),
        (lambda a: a["States"].update(orphan={"Type": "Succeed"}), "orphan: unreachable from StartAt"),
        (
            lambda a: a["States"]["register-model"]["Parameters"].update({"ModelPackageGroupName.$": "group"}),
            "must hold a JSONPath",
        ),
        (
            lambda a: a["States"]["data-load"]["Parameters"]["NetworkConfig"].pop("VpcConfig"),
            "data-load (createProcessingJob): missing NetworkConfig.VpcConfig",
        ),
        (
            lambda a: a["States"]["training"]["ItemProcessor"]["States"]["train-candidate"]["Parameters"].pop(
                "EnableNetworkIsolation"
            ),
            "train-candidate (createTrainingJob): missing EnableNetworkIsolation",
        ),
        (
            lambda a: a["States"]["approval-mode"]["Choices"][0].pop("StringEquals"),
            "needs exactly one comparison operator",
        ),
    ],
    ids=[
        "unknown-next",
        "bad-start",
        "next-and-end",
        "unreachable",
        "bad-path",
        "no-vpc",
        "no-isolation",
        "bad-choice",
    ],
)
def test_validator_catches(mutate: Any, expected: str) -> None:
    assert any(expected in p for p in _broken(mutate)), _broken(mutate)


def test_render_needs_every_value() -> None:
    with pytest.raises(ValueError, match=r"values missing for \['use_case'\]"):
        definitions.render("training", {k: v for k, v in VALUES.items() if k != "use_case"})


@pytest.mark.parametrize("pipeline", sorted(definitions.DEFINITIONS))
def test_committed_templates_are_fresh(pipeline: str) -> None:
    committed = TEMPLATES / f"{pipeline}.asl.json.tftpl"
    assert committed.read_text() == definitions.template(pipeline), f"stale: run `make asl` ({committed})"
