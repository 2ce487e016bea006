"""A `Pipeline`: a chain of typed steps (`states.py`), compiled to the ASL the state machine runs
and a manifest beside it that Terraform reads (`manifest.py`).

The chain is the order states run in: each step's Next is the one after it; a Choice's branches
rejoin the chain after the Choice unless they end in a Fail. Every Task catches into the
pipeline's failure handler (an alert, then a Fail). A use case changes a pipeline in Python —
`insert_before`, `insert_after`, `replace`, `remove` — and never edits generated JSON.

Problems are found when the pipeline is built or compiled, never at run time: two states with one
name, a Choice rule going to a state that does not exist, a step reading the output of no earlier
step (or a field that step does not write), a placeholder nobody declared, a job name over
SageMaker's limit (`refs.JobName`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pipelines_src.contracts import SAGEMAKER_JOBS, s3_key, s3_prefix
from pipelines_src.pipelines import states as s
from pipelines_src.pipelines.refs import (
    EXECUTION_ID,
    EXECUTION_NAME,
    PLACEHOLDERS,
    Format,
    FromInput,
    PipelineError,
    Placeholder,
    Ref,
    Result,
)

FAILURE_STATE = "read-failure"
NOTIFY_FAILURE_STATE = "notify-failure"
FAILED_STATE = "failed"
INVALID_INPUT_STATE = "invalid-input"
NOTIFY_INVALID_STATE = "notify-invalid-input"


def layout(pipeline: str, state: str, name: str = "") -> Format:
    """The state's S3 location of an execution (`contracts.s3_prefix`), as an intrinsic."""
    uri = s3_prefix(
        PLACEHOLDERS["artifacts_bucket"].token,
        use_case=PLACEHOLDERS["use_case"].token,
        pipeline=pipeline,
        experiment="{}",
        execution_id="{}",
        state=state,
    )
    return Format(uri + name, (FromInput("experiment"), EXECUTION_NAME))


def layout_key(pipeline: str, state: str, name: str) -> Format:
    """The object key (without bucket) of a file a state wrote, as an intrinsic."""
    key = s3_key(
        use_case=PLACEHOLDERS["use_case"].token,
        pipeline=pipeline,
        experiment="{}",
        execution_id="{}",
        state=state,
    )
    return Format(key + name, (FromInput("experiment"), EXECUTION_NAME))


@dataclass
class Pipeline:
    """The registry's unit of orchestration: `name` (training, batch-inference or a use case's
    own), the chain of `steps`, and the alert subject of its failure handler."""

    name: str
    steps: list[s.Step]
    comment: str = ""
    failure_subject: str = ""
    extra_placeholders: dict[str, Placeholder] = field(default_factory=dict)

    # ----------------------------------------------------------------------------- composition
    def walk(self) -> Iterator[s.Step]:
        """Every step, branches included, in chain order."""
        yield from _walk(self.steps)

    def __getitem__(self, name: str) -> s.Step:
        found = next((step for step in self.walk() if step.name == name), None)
        if found is None:
            raise PipelineError(f"pipeline {self.name}: no state {name!r}; its states: {[x.name for x in self.walk()]}")
        return found

    def _locate(self, name: str) -> tuple[list[s.Step], int]:
        for chain in _chains(self.steps):
            for index, step in enumerate(chain):
                if step.name == name:
                    return chain, index
        raise PipelineError(f"pipeline {self.name}: no state {name!r} to change; its states: {self.names()}")

    def insert_before(self, name: str, *steps: s.Step) -> Pipeline:
        chain, index = self._locate(name)
        chain[index:index] = list(steps)
        return self

    def insert_after(self, name: str, *steps: s.Step) -> Pipeline:
        chain, index = self._locate(name)
        chain[index + 1 : index + 1] = list(steps)
        return self

    def replace(self, name: str, step: s.Step) -> Pipeline:
        chain, index = self._locate(name)
        chain[index] = step
        return self

    def remove(self, name: str) -> Pipeline:
        chain, index = self._locate(name)
        del chain[index]
        return self

    def names(self) -> list[str]:
        return [step.name for step in self.walk()]

    def job_steps(self) -> list[s.Step]:
        """The main chain's steps the local chain runs (jobs, selections, reads), in order."""
        return [step for step in self.steps if step.local is not None]

    # ----------------------------------------------------------------------------- validation
    def problems(self) -> list[str]:
        found = _duplicate_names([*self.names(), *self._handler_names()])
        found += self._dangling_gotos()
        found += _read_problems(self.steps, set())
        found += self._placeholder_problems()
        found += [f"state {x.name!r}: module is empty; name the step's python module" for x in _unnamed(self)]
        return found

    def validate(self) -> Pipeline:
        found = self.problems()
        if found:
            raise PipelineError(f"pipeline {self.name}: " + "; ".join(found))
        return self

    def _handler_names(self) -> list[str]:
        names = [FAILURE_STATE, NOTIFY_FAILURE_STATE, FAILED_STATE]
        if any(isinstance(x, s.ValidateInputStep) for x in self.steps):
            names += [NOTIFY_INVALID_STATE, INVALID_INPUT_STATE]
            names += [
                f"invalid-{rule.field}" for x in self.steps if isinstance(x, s.ValidateInputStep) for rule in x.rules
            ]
        return names

    def _dangling_gotos(self) -> list[str]:
        known = set(self.names())
        return [
            f"state {step.name!r}: a rule goes to {rule.goto!r}, which is not a state; name one of {sorted(known)}"
            for step in self.walk()
            if isinstance(step, s.ChoiceStep)
            for rule in step.rules
            if rule.goto is not None and rule.goto not in known
        ]

    def placeholders(self) -> dict[str, Placeholder]:
        """The placeholders the compiled template holds, with their types."""
        known = PLACEHOLDERS | self.extra_placeholders
        return {name: known[name] for name in sorted(_tokens(self._compile())) if name in known}

    def _placeholder_problems(self) -> list[str]:
        known = PLACEHOLDERS | self.extra_placeholders
        try:
            unknown = sorted(_tokens(self._compile()) - set(known))
        except PipelineError as exc:
            return [str(exc)]
        return [
            f"placeholder {name!r} is not declared: use one of {sorted(known)} or declare it in extra_placeholders"
            for name in unknown
        ]

    # ----------------------------------------------------------------------------- compilation
    def prepared(self) -> Pipeline:
        """A copy whose job steps know their S3 output prefix (the one layout function)."""
        return Pipeline(
            self.name, _prepare(self.steps, self.name), self.comment, self.failure_subject, self.extra_placeholders
        )

    def definition(self) -> dict[str, Any]:
        """The ASL with `${placeholders}` (lists as `"${name}"` strings: see `template()`)."""
        self.validate()
        return self._compile()

    def _compile(self) -> dict[str, Any]:
        ready = self.prepared()
        states: dict[str, Any] = {}
        _compile_chain(ready.steps, None, states)
        states.update(ready._handlers())
        chain = [x.name for x in self.steps if not isinstance(x, s.ValidateInputStep)]
        return {
            "Comment": self.comment or f"{self.name} pipeline: {' -> '.join(chain)}",
            "StartAt": self.steps[0].name,
            "States": states,
        }

    def _handlers(self) -> dict[str, Any]:
        handlers = {
            FAILURE_STATE: _read_failure(NOTIFY_FAILURE_STATE),
            NOTIFY_FAILURE_STATE: _notify(
                self.failure_subject or f"{self.name} pipeline failed",
                Format("{} failed: {}: {}", (EXECUTION_ID, FromInput("error.Error"), FromInput("error.Cause"))),
                FAILED_STATE,
            ),
            FAILED_STATE: {
                "Type": "Fail",
                "Error": "PipelineFailed",
                "Cause": "a state failed; the alert topic has the details",
            },
        }
        validators = [x for x in self.steps if isinstance(x, s.ValidateInputStep)]
        if validators:
            handlers |= _invalid_input_states(validators[0], self.name)
        return handlers

    def template(self) -> str:
        """The definition as a Terraform template: list placeholders unquoted (raw JSON)."""
        text = json.dumps(self.definition(), indent=2)
        for placeholder in self.placeholders().values():
            if placeholder.type != "string":
                text = text.replace(f'"{placeholder.token}"', placeholder.token)
        return text + "\n"

    def render(self, values: dict[str, Any]) -> dict[str, Any]:
        """The definition with values substituted as templatefile() does (lists as JSON)."""
        missing = sorted(set(self.placeholders()) - set(values))
        if missing:
            raise PipelineError(f"pipeline {self.name}: placeholders without a value: {missing}; pass them")
        text = self.template()
        for name, placeholder in self.placeholders().items():
            value = values[name]
            rendered = json.dumps(value) if placeholder.type != "string" else str(value)
            text = text.replace(placeholder.token, rendered)
        result: dict[str, Any] = json.loads(text)
        return result


# --------------------------------------------------------------------------------- helpers
def _walk(chain: Sequence[s.Step]) -> Iterator[s.Step]:
    for step in chain:
        yield step
        if isinstance(step, s.ChoiceStep):
            for branch in step.branches():
                yield from _walk(branch)


def _chains(chain: list[s.Step]) -> Iterator[list[s.Step]]:
    yield chain
    for step in chain:
        if isinstance(step, s.ChoiceStep):
            for rule in step.rules:
                if rule.then:
                    yield from _chains(list_of(rule, "then"))
            if step.default:
                yield from _chains(list_of(step, "default"))


def list_of(owner: Any, attribute: str) -> list[s.Step]:
    """The owner's branch as a list that edits change in place."""
    current = getattr(owner, attribute)
    if not isinstance(current, list):
        current = list(current)
        setattr(owner, attribute, current)
    return current


def _duplicate_names(names: list[str]) -> list[str]:
    seen: set[str] = set()
    twice = sorted({n for n in names if n in seen or seen.add(n)})  # type: ignore[func-returns-value]
    return [f"two states named {n!r}: give each state its own name" for n in twice]


def _read_problems(chain: Sequence[s.Step], produced: set[str]) -> list[str]:
    """References to states that do not run earlier on the path, or to fields they do not write."""
    found: list[str] = []
    writes: dict[str, tuple[str, ...]] = {}
    available = set(produced)
    for step in chain:
        for ref in step.reads():
            found += _unmet(step, ref, available, writes)
        if isinstance(step, s.ChoiceStep):
            for branch in step.branches():
                found += _read_problems(branch, available)
        fields = _fields(step)
        if fields:
            available.add(step.name)
            writes[step.name] = fields
    return found


def _unmet(step: s.Step, ref: Ref, available: set[str], writes: dict[str, tuple[str, ...]]) -> list[str]:
    problems = []
    for producer in ref.producers:
        if producer not in available:
            problems.append(
                f"state {step.name!r} reads {ref.asl()}, but no earlier state {producer!r} produces it: "
                "put the step after its producer or read another output"
            )
        elif (
            isinstance(ref, Result)
            and writes.get(producer)
            and re.split(r"[.\[]", ref.field)[0] not in writes[producer]
        ):
            problems.append(
                f"state {step.name!r} reads {ref.path}, but {producer!r} writes only {list(writes[producer])}"
            )
    return problems


def _fields(step: s.Step) -> tuple[str, ...]:
    produces: Callable[[], tuple[str, ...]] | None = getattr(step, "produces", None)
    return produces() if produces is not None else step.result_fields


def _unnamed(pipeline: Pipeline) -> list[s.Step]:
    return [x for x in pipeline.walk() if isinstance(x, s.ProcessingStep) and not x.module]


def _tokens(definition: dict[str, Any]) -> set[str]:
    """Names of the `${placeholders}` in a compiled definition."""
    return set(re.findall(r"\$\{([a-z_]+)\}", json.dumps(definition)))


def _prepare(chain: Sequence[s.Step], pipeline: str) -> list[s.Step]:
    return [_prepared(step, pipeline) for step in chain]


def _prepared(step: s.Step, pipeline: str) -> s.Step:
    if isinstance(step, s.ProcessingStep | s.TrainingStep | s.TransformStep):
        return replace(step, output_prefix=layout(pipeline, step.name))
    if isinstance(step, s.ChoiceStep):
        rules = [replace(r, then=_prepare(r.then, pipeline)) for r in step.rules]
        return replace(step, rules=rules, default=_prepare(step.default, pipeline))
    return step


def _terminal(step: s.Step) -> bool:
    return isinstance(step, s.FailStep | s.SucceedStep)


def _compile_chain(chain: Sequence[s.Step], after: str | None, states: dict[str, Any]) -> None:
    for index, step in enumerate(chain):
        following = chain[index + 1].name if index + 1 < len(chain) else after
        if _terminal(step) and index + 1 < len(chain):
            raise PipelineError(f"state {chain[index + 1].name!r} follows the end state {step.name!r}: it never runs")
        states[step.name] = _compile_state(step, following, states)


def _compile_state(step: s.Step, following: str | None, states: dict[str, Any]) -> dict[str, Any]:
    if isinstance(step, s.ChoiceStep):
        return _choice(step, following, states)
    if isinstance(step, s.ValidateInputStep):
        return _validate_input(step, following)
    body = step.state()
    if step.catches and body["Type"] in ("Task", "Map"):
        body["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": FAILURE_STATE}]
    if not _terminal(step):
        body.update({"Next": following} if following else {"End": True})
    return body


def _choice(step: s.ChoiceStep, following: str | None, states: dict[str, Any]) -> dict[str, Any]:
    choices = []
    for rule in step.rules:
        if rule.then:
            _compile_chain(rule.then, following, states)
        target = rule.goto or (rule.then[0].name if rule.then else following)
        if target is None:
            raise PipelineError(f"state {step.name!r}: a rule has nowhere to go; give it steps or a goto")
        choices.append({**rule.condition.asl(), "Next": target})
    if step.default:
        _compile_chain(step.default, following, states)
    default = step.default[0].name if step.default else following
    if default is None:
        raise PipelineError(f"state {step.name!r} is last in its chain: give it a default branch")
    return {"Type": "Choice", "Choices": choices, "Default": default}


def _validate_input(step: s.ValidateInputStep, following: str | None) -> dict[str, Any]:
    if following is None:
        raise PipelineError(f"state {step.name!r}: input validation needs a state after it")
    choices = [{**s.Not(rule.condition).asl(), "Next": f"invalid-{rule.field}"} for rule in step.rules]
    return {"Type": "Choice", "Choices": choices, "Default": following}


def _invalid_input_states(step: s.ValidateInputStep, pipeline: str) -> dict[str, Any]:
    """One Pass per rule (it records which field is wrong), an alert, and the Fail."""
    found: dict[str, Any] = {}
    for rule in step.rules:
        found[f"invalid-{rule.field}"] = {
            "Type": "Pass",
            "Result": {"Error": "InvalidExecutionInput", "Cause": rule.message},
            "ResultPath": "$.error",
            "Next": NOTIFY_INVALID_STATE,
        }
    found[NOTIFY_INVALID_STATE] = _notify(
        f"{pipeline} pipeline refused its input",
        Format("{} refused its input: {}", (EXECUTION_ID, FromInput("error.Cause"))),
        INVALID_INPUT_STATE,
    )
    found[INVALID_INPUT_STATE] = {
        "Type": "Fail",
        "Error": "InvalidExecutionInput",
        "CausePath": "$.error.Cause",
    }
    return found


# Where a failed SageMaker job keeps its reason in its Describe*Job response (the `.sync` task's
# Cause): `contracts.SAGEMAKER_JOBS` names each kind's key (processing jobs write the container's
# failure file to ExitMessage), with FailureReason as the fallback. Checked in this order; the
# first present one becomes the alert's cause.
_JOB_REASONS = tuple(
    (kind.name_key, reason) for kind in SAGEMAKER_JOBS for reason in dict.fromkeys((kind.reason_key, "FailureReason"))
)


def _read_failure(following: str) -> dict[str, Any]:
    """A Parallel that turns a failed job's Cause (its Describe*Job response as escaped JSON) into
    `<job name>: <reason>`, so alerts read as the job's own reason. Any other Cause, or one that
    does not parse, passes through unchanged (the Catch keeps the caught error)."""
    return {
        "Type": "Parallel",
        "Parameters": {"Error.$": "$.error.Error", "Cause.$": "$.error.Cause"},
        "Branches": [_failure_reason_branch()],
        "ResultSelector": {"Error.$": "$[0].Error", "Cause.$": "$[0].Cause"},
        "ResultPath": "$.error",
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": following}],
        "Next": following,
    }


def _failure_reason_branch() -> dict[str, Any]:
    choices = [
        {
            "And": [
                {"Variable": f"$.job.{name}", "IsPresent": True},
                {"Variable": f"$.job.{reason}", "IsPresent": True},
            ],
            "Next": f"{name}.{reason}",
        }
        for name, reason in _JOB_REASONS
    ]
    reasons = {
        f"{name}.{reason}": {
            "Type": "Pass",
            "Parameters": {
                "Error.$": "$.Error",
                "Cause.$": f"States.Format('{{}}: {{}}', $.job.{name}, $.job.{reason})",
            },
            "End": True,
        }
        for name, reason in _JOB_REASONS
    }
    return {
        "StartAt": "cause-is-json",
        "States": {
            "cause-is-json": {
                "Type": "Choice",
                "Choices": [
                    {
                        "And": [
                            {"Variable": "$.Cause", "IsPresent": True},
                            {"Variable": "$.Cause", "IsString": True},
                            {"Variable": "$.Cause", "StringMatches": "{*}"},
                        ],
                        "Next": "parse-cause",
                    }
                ],
                "Default": "unchanged",
            },
            "parse-cause": {
                "Type": "Pass",
                "Parameters": {"Error.$": "$.Error", "Cause.$": "$.Cause", "job.$": "States.StringToJson($.Cause)"},
                "Next": "job-reason",
            },
            "job-reason": {"Type": "Choice", "Choices": choices, "Default": "unchanged"},
            **reasons,
            "unchanged": {"Type": "Pass", "Parameters": {"Error.$": "$.Error", "Cause.$": "$.Cause"}, "End": True},
        },
    }


def _notify(subject: str, message: Format, following: str | None) -> dict[str, Any]:
    body = s.NotifyStep("notify", subject=subject, message=message).state()
    body.update({"Next": following} if following else {"End": True})
    return body
