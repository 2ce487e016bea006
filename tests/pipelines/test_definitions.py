"""The pipeline contract: the registry's pipelines are built with the step API, compile to valid,
locked-down ASL and a manifest, and bad pipelines are refused when built or compiled."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from pipelines_src import contracts
from pipelines_src.pipelines import compiler, definitions, manifest, validate
from pipelines_src.pipelines import states as s
from pipelines_src.pipelines.pipeline import Pipeline
from pipelines_src.pipelines.refs import JobName, PipelineError, Placeholder, Result, Scope
from tests.conftest import REPO

PIPELINES = sorted(definitions.PIPELINES)


def _values(pipeline: Pipeline) -> dict[str, Any]:
    values: dict[str, Any] = {name: f"test-{name}" for name in pipeline.placeholders()}
    return values | {"subnet_ids": ["subnet-0a", "subnet-0b"], "security_group_ids": ["sg-0a"], "partition": "aws"}


def _render(name: str) -> dict[str, Any]:
    pipeline = compiler.registry_pipeline(name)
    return pipeline.render(_values(pipeline))


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_renders_valid_asl_with_every_job_locked_down(pipeline: str) -> None:
    asl = _render(pipeline)
    assert validate.problems(asl) == []
    assert validate.security_problems(asl) == []
    processing = [st for st in asl["States"].values() if "createProcessingJob" in str(st.get("Resource"))]
    assert processing and all(
        st["Parameters"]["NetworkConfig"]["VpcConfig"]["Subnets"] == ["subnet-0a", "subnet-0b"] for st in processing
    )


@pytest.mark.parametrize(
    ("pipeline", "states"), [("training", contracts.TRAINING_STATES), ("batch-inference", contracts.BATCH_STATES)]
)
def test_state_names_follow_the_contract_in_order(pipeline: str, states: tuple[str, ...]) -> None:
    asl = _render(pipeline)
    order, current = [], asl["StartAt"]
    while current in asl["States"] and current not in order:
        order.append(current)
        state = asl["States"][current]
        current = state.get("Next") or state.get("Default", "")
    assert [name for name in order if name in states] == list(states)


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_every_task_routes_failures_to_the_alert(pipeline: str) -> None:
    asl = _render(pipeline)
    tasks = {n: st for n, st in asl["States"].items() if st["Type"] in ("Task", "Map") and not n.startswith("notify")}
    assert len(tasks) >= 8
    for name, state in tasks.items():
        assert any(c["Next"] == "read-failure" for c in state.get("Catch", [])), f"{pipeline}/{name} has no Catch"
    assert asl["States"]["notify-failure"]["Resource"] == "arn:aws:states:::sns:publish"


def test_training_parallel_candidates_and_best_selection() -> None:
    asl = _render("training")
    training = asl["States"]["training"]
    assert training["Type"] == "Map" and training["ItemsPath"] == "$.hyperparameter_sets"
    assert (
        training["ItemSelector"]["channels"]["train.$"]
        == "States.Format('{}train/', $.steps.feature_engineering.output)"
    )
    # The registered artefact is model-evaluation's copy of the best candidate with its decision
    # threshold, chosen on the validation split under the pipeline's evaluation policy.
    container = asl["States"]["register-model"]["Parameters"]["InferenceSpecification"]["Containers"][0]
    assert container["ModelDataUrl.$"] == "States.Format('{}model/model.tar.gz', $.steps.model_evaluation.output)"
    evaluation = asl["States"]["model-evaluation"]["Parameters"]
    assert {i["InputName"] for i in evaluation["ProcessingInputs"]} == {"models", "validation", "test"}
    assert evaluation["AppSpecification"]["ContainerArguments.$"].endswith(
        "'--beta', '2', '--min-precision', '0', '--min-recall', '0.5')"
    )
    put = asl["States"]["store-metadata"]["Parameters"]
    assert put["ConditionExpression"].startswith("attribute_not_exists(") and put["TableName"] == "test-metadata_table"
    assert put["Item"]["pk"] == {"S": "test-use_case#training"}


def test_a_challenger_is_registered_only_when_it_beats_the_champion() -> None:
    """The latest Approved package of the group is the champion; with none, registration follows
    evaluation directly; with one, champion-challenger decides, and "champion kept" ends the
    execution succeeded before anything is registered."""
    asl = _render("training")
    states = asl["States"]
    find = states["find-champion"]
    assert find["Parameters"] == {
        "ModelPackageGroupName": "test-model_package_group_name",
        "ModelApprovalStatus": "Approved",
        "SortBy": "CreationTime",
        "SortOrder": "Descending",
        "MaxResults": 1,
    }
    assert states["read-decision"]["Next"] == "find-champion" and find["Next"] == "champion-found"
    found = states["champion-found"]
    assert found["Choices"] == [
        {"Variable": "$.steps.find_champion.packages[0]", "IsPresent": True, "Next": "describe-champion"}
    ]
    assert found["Default"] == "model-monitoring"
    chain = ["describe-champion", "champion-challenger", "read-comparison", "challenger-better"]
    assert [states[name]["Next"] for name in chain[:-1]] == chain[1:]
    compare = states["champion-challenger"]["Parameters"]
    assert {i["InputName"]: i["S3Input"]["S3Uri.$"] for i in compare["ProcessingInputs"]} == {
        "champion": "$.steps.describe_champion.model_data_url",
        "challenger": "States.Format('{}model/model.tar.gz', $.steps.model_evaluation.output)",
        "holdout": "States.Format('{}holdout/', $.steps.feature_engineering.output)",
    }
    better = states["challenger-better"]
    assert better["Choices"][0]["StringEquals"] == "champion-kept" and better["Default"] == "model-monitoring"
    assert states[better["Choices"][0]["Next"]]["Next"] == "champion-kept"
    assert states["champion-kept"] == {"Type": "Succeed"}
    listing = manifest.integrations(asl)["integrations"]["aws-sdk:sagemaker:listModelPackages"]
    assert (listing["actions"], listing["resources"], listing["states"]) == (
        ["sagemaker:ListModelPackages"],
        ["*"],
        ["find-champion"],
    )


def test_a_drift_triggered_execution_retrains_only_on_the_first_claim_of_its_window() -> None:
    """Manual starts go straight to data-load; a drift trigger claims `<use_case>#drift-retraining`
    / window atomically, and any claim but the first ends SUCCEEDED before a job runs."""
    states = _render("training")["States"]
    guard = states["drift-trigger"]
    assert states["validate-input"]["Default"] == "drift-trigger" and guard["Default"] == "data-load"
    assert guard["Choices"][0]["Next"] == "claim-retraining"
    claim = states["claim-retraining"]
    assert claim["Resource"] == "arn:aws:states:::dynamodb:updateItem"
    assert claim["Parameters"]["Key"] == {
        "pk": {"S": "test-use_case#drift-retraining"},
        "execution_id": {"S.$": "$.drift.window"},
    }
    assert claim["Parameters"]["UpdateExpression"] == "ADD claims :one, executions :this"
    first = states[claim["Next"]]
    assert first["Choices"][0] == {
        "Not": {"Variable": "$.steps.claim_retraining.claims", "StringEquals": "1"},
        "Next": "notify-retraining-skipped",
    }
    assert states["notify-retraining-skipped"]["Next"] == "retraining-skipped"
    assert states["retraining-skipped"] == {"Type": "Succeed"}
    assert states[first["Default"]]["Next"] == "data-load"


def test_every_registered_package_has_a_card_and_auto_approval_needs_it_complete() -> None:
    states = _render("training")["States"]
    chain = ["model-monitoring", "model-card", "read-card", "create-model-card", "register-model"]
    assert [states[name]["Next"] for name in chain[:-1]] == chain[1:]
    create = states["create-model-card"]["Parameters"]
    assert create["Content.$"] == "States.JsonToString($.steps.read_card.card.content)"
    assert create["SecurityConfig"] == {"KmsKeyId": "test-kms_key_arn"}
    assert create["ModelCardName.$"].startswith("States.Format('test-job_prefix-card-{}'")
    metadata = states["register-model"]["Parameters"]["CustomerMetadataProperties"]
    assert metadata["model_card_arn.$"] == "$.steps.create_model_card.arn"
    auto = states["approval-mode"]["Choices"][0]["And"]
    assert {"Variable": "$.steps.read_card.card.status", "StringEquals": "PendingReview"} in auto
    card_args = states["model-card"]["Parameters"]["AppSpecification"]["ContainerArguments.$"]
    assert "States.JsonToString($$.Execution.Input)" in card_args


def test_batch_publishes_the_drift_event_of_the_documented_shape() -> None:
    states = _render("batch-inference")["States"]
    assert states["notify-drift"]["Next"] == "publish-drift" and states["publish-drift"]["Next"] == "post-processing"
    (entry,) = states["publish-drift"]["Parameters"]["Entries"]
    assert (entry["Source"], entry["DetailType"]) == (contracts.DRIFT_EVENT_SOURCE, contracts.DRIFT_EVENT_DETAIL_TYPE)
    assert set(entry["Detail"]) == {
        "use_case",
        "model_package_arn.$",
        "violated_features.$",
        "report_uri.$",
        "data_uri.$",
        "execution.$",
        "window_hour.$",
        "window_day.$",
    }
    assert entry["Detail"]["use_case"] == "test-use_case"
    grant = manifest.integrations(_render("batch-inference"))["integrations"]["events:putEvents"]
    assert grant["resources"] == ["arn:${partition}:events:${region}:${account}:event-bus/default"]


def test_batch_runs_only_approved_models() -> None:
    asl = _render("batch-inference")
    assert asl["States"]["approved-only"]["Choices"][0] == {
        "Not": {"Variable": "$.steps.describe_model.approval", "StringEquals": "Approved"},
        "Next": "notify-not-approved",
    }
    assert asl["States"]["approved-only"]["Default"] == "data-load"
    assert asl["States"]["model-not-approved"] == {
        "Type": "Fail",
        "Error": "ModelNotApproved",
        "Cause": "batch inference runs approved model packages only",
    }
    transform = asl["States"]["batch-inference"]["Parameters"]
    assert transform["DataProcessing"] == {"InputFilter": "$[1:]", "JoinSource": "Input", "OutputFilter": "$"}
    assert transform["TransformInput"]["SplitType"] == "Line" and transform["BatchStrategy"] == "MultiRecord"


def test_job_names_are_unique_per_execution_and_retry_and_fit_sagemaker() -> None:
    asl = _render("training")
    name = asl["States"]["data-load"]["Parameters"]["ProcessingJobName.$"]
    assert "$$.Execution.Id" in name and "$$.State.RetryCount" in name
    job = JobName("datalo")
    scope = Scope(
        context={"Execution": {"Id": "arn:x"}, "State": {"RetryCount": 0}}, placeholders={"job_prefix": "a" * 20}
    )
    retried = Scope(context={"Execution": {"Id": "arn:x"}, "State": {"RetryCount": 1}}, placeholders=scope.placeholders)
    assert len(job.resolve(scope)) <= 63 and job.resolve(scope) != job.resolve(retried)
    with pytest.raises(PipelineError, match="over SageMaker's 63; use at most 9"):
        JobName("abbreviation")


def _broken(mutate: Any) -> list[str]:
    asl = copy.deepcopy(_render("training"))
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
            lambda a: a["States"]["challenger-better"]["Choices"][0].pop("StringEquals"),
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
    pipeline = compiler.registry_pipeline("training")
    values = {k: v for k, v in _values(pipeline).items() if k != "use_case"}
    with pytest.raises(PipelineError, match=r"placeholders without a value: \['use_case'\]"):
        pipeline.render(values)


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_committed_templates_and_manifests_are_fresh(pipeline: str) -> None:
    compiled = compiler.registry_pipeline(pipeline)
    template = compiler.TEMPLATES / f"{pipeline}{compiler.TEMPLATE_SUFFIX}"
    assert template.read_text() == compiled.template(), f"stale: run `make asl` ({template})"
    committed = json.loads((compiler.TEMPLATES / f"{pipeline}{compiler.MANIFEST_SUFFIX}").read_text())
    assert committed == manifest.build(compiled, compiled.template()), "stale manifest: run `make asl`"


# --------------------------------------------------------------------------------- the manifest
def test_manifest_lists_placeholders_integrations_prefixes_and_job_names() -> None:
    pipeline = compiler.registry_pipeline("training")
    built = manifest.build(pipeline, pipeline.template())
    assert built["placeholders"]["subnet_ids"]["type"] == "list(string)"
    assert built["placeholders"]["use_case"]["type"] == "string"
    training = built["integrations"]["sagemaker:createTrainingJob.sync"]
    assert training["states"] == ["training/train-candidate"], "found inside the Map"
    assert training["pass_role"] and training["resources"] == [
        "arn:${partition}:sagemaker:${region}:${account}:training-job/${job_prefix}*"
    ]
    assert "sagemaker:createTransformJob.sync" not in built["integrations"] and built["unmapped"] == {}
    assert built["s3_prefixes"]["data-load"] == (
        "s3://${artifacts_bucket}/${use_case}/training/<experiment>/<execution-name>/data-load/"
    )
    assert built["job_names"]["training"]["scheme"] == "${job_prefix}-train-md5(execution id + retry count + $.index)"


def test_manifest_finds_integrations_at_any_depth_and_lists_unmapped_ones() -> None:
    definition = {
        "StartAt": "outer",
        "States": {
            "outer": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "inner",
                    "States": {
                        "inner": {
                            "Type": "Map",
                            "ItemProcessor": {
                                "StartAt": "deep",
                                "States": {
                                    "deep": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
                                },
                            },
                            "End": True,
                        }
                    },
                },
                "Next": "publish",
            },
            "publish": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "End": True},
        },
    }
    found = manifest.integrations(definition)
    assert found["unmapped"] == {"lambda:invoke": ["outer/inner/deep"]}
    assert list(found["integrations"]) == ["sns:publish"]


# --------------------------------------------------------------------------------- bad pipelines
def _small(*steps: s.Step) -> Pipeline:
    return Pipeline("small", list(steps))


def _load(name: str = "data-load") -> s.ProcessingStep:
    return s.ProcessingStep(
        name, module="pipelines_src.steps.data_load", inputs={"raw": Result("nothing")}, output="dataset"
    )


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: _small(
                s.ChoiceStep("branch", rules=[s.Rule(s.Condition(Result("a", "b"), "IsPresent"), goto="nowhere")]),
                s.FailStep("end"),
            ),
            "a rule goes to 'nowhere', which is not a state",
        ),
        (lambda: _small(s.FailStep("twice"), s.FailStep("twice")), "two states named 'twice'"),
        (lambda: _small(_load()), "reads $.steps.nothing.output, but no earlier state 'nothing' produces it"),
        (
            lambda: _small(
                s.ProcessingStep("first", module="m", inputs={}, output="x"),
                s.ProcessingStep("second", module="m", inputs={"x": Result("first", "outptu")}, output="y"),
            ),
            "reads $.steps.first.outptu, but 'first' writes only ['job', 'output']",
        ),
        (
            lambda: _small(s.NotifyStep("tell", subject="x", message="y", topic=Placeholder("team_topic"))),
            "placeholder 'team_topic' is not declared",
        ),
        (lambda: _small(s.ProcessingStep("nameless", inputs={}, output="x")), "module is empty"),
    ],
    ids=[
        "dangling-goto",
        "duplicate-name",
        "unproduced-output",
        "unknown-field",
        "undeclared-placeholder",
        "no-module",
    ],
)
def test_bad_pipelines_are_refused_when_built(build: Any, message: str) -> None:
    with pytest.raises(PipelineError) as raised:
        build().validate()
    assert message in str(raised.value)


def test_a_use_case_inserts_replaces_and_removes_steps() -> None:
    pipeline = compiler.registry_pipeline("training")
    check = s.ProcessingStep(
        "data-validation",
        module="steps.validation",
        inputs={"features": Result("feature-engineering") / "train/"},
        output="report",
    )
    pipeline.insert_before("training", check)
    names = pipeline.names()
    assert names.index("feature-engineering") < names.index("data-validation") < names.index("training")
    asl = pipeline.render(_values(pipeline))
    assert asl["States"]["feature-engineering"]["Next"] == "data-validation"
    assert (
        asl["States"]["data-validation"]["Parameters"]["AppSpecification"]["ContainerEntrypoint"][-1]
        == "steps.validation"
    )
    pipeline.replace("data-validation", s.NotifyStep("data-validation", subject="checked", message="ok"))
    assert pipeline["data-validation"].resource == "arn:${partition}:states:::sns:publish"
    pipeline.remove("data-validation")
    assert "data-validation" not in pipeline.names() and validate.problems(pipeline.render(_values(pipeline))) == []
    with pytest.raises(PipelineError, match="no state 'nope' to change"):
        pipeline.remove("nope")


def test_the_documented_pipeline_changes_compile(tmp_path: Path) -> None:
    """docs/pipelines.md's `pipelines.py`, executed as written: add, replace and remove."""
    text = (REPO / "docs" / "pipelines.md").read_text()
    section = text[text.index("## Changing a pipeline") :]
    code = section[
        section.index("```python\n") + len("```python\n") : section.index("```\n", section.index("```python"))
    ]
    (tmp_path / "pipelines.py").write_text(code)
    pipelines = compiler.load(str(tmp_path / "pipelines.py"))
    training = pipelines["training"]
    assert "data-validation" in training.names() and "approval-mode" not in training.names()
    assert training["feature-engineering"].resources.instance_type == "ml.m5.2xlarge"  # type: ignore[attr-defined]
    for pipeline in pipelines.values():
        assert compiler.check(pipeline) == []
    written = compiler.write(training, tmp_path / "out")
    assert [p.name for p in written] == ["training.asl.json.tftpl", "training.manifest.json"]


def test_ml_pipeline_fixtures_are_fresh(tmp_path: Path) -> None:
    """modules/ml-pipeline's terraform test plans compiled fixtures: they match their source."""
    from tests.modules import ml_pipeline_fixtures

    written = ml_pipeline_fixtures.write(tmp_path)
    assert len(written) == 3
    for path in [*written, tmp_path / "nested-map.manifest.json"]:
        committed = ml_pipeline_fixtures.FIXTURES / path.name
        assert committed.read_text() == path.read_text(), (
            f"stale: python -m tests.modules.ml_pipeline_fixtures ({path.name})"
        )
