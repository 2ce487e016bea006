"""Structural validation of ASL (statelint's rules for the features the registry uses).

Checks: StartAt names a state; every Next, Default, Choice and Catch target exists; every state is
reachable; non-terminal states have Next or End (not both); required fields per state type;
Map/Parallel bodies recursively; Retry/Catch shapes; `.$` fields hold a path or an intrinsic;
SageMaker jobs carry the registry's security settings (VpcConfig, network isolation,
inter-container encryption, volume and output KMS keys).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

STATE_TYPES = {"Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"}
TERMINAL = {"Succeed", "Fail"}
REQUIRED = {"Task": ("Resource",), "Choice": ("Choices",), "Parallel": ("Branches",), "Wait": ()}
CHOICE_OPERATORS = {
    "And",
    "Or",
    "Not",
    "BooleanEquals",
    "IsBoolean",
    "IsNull",
    "IsNumeric",
    "IsPresent",
    "IsString",
    "IsTimestamp",
    "NumericEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "StringEquals",
    "StringGreaterThan",
    "StringLessThan",
    "StringMatches",
    "TimestampEquals",
}
SAGEMAKER_JOB_ACTIONS = ("createProcessingJob", "createTrainingJob", "createTransformJob", "createModel")


def _targets(state: dict[str, Any]) -> Iterator[str]:
    if "Next" in state:
        yield state["Next"]
    if "Default" in state:
        yield state["Default"]
    for choice in state.get("Choices", []):
        yield choice.get("Next", "")
    for catcher in state.get("Catch", []):
        yield catcher.get("Next", "")


def _paths(value: Any, where: str) -> Iterator[str]:
    """Problems with `.$` fields anywhere under `value`."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key.endswith(".$") and not (
                isinstance(inner, str) and (inner.startswith("$") or inner.startswith("States."))
            ):
                yield f"{where}: {key} must hold a JSONPath ($...) or an intrinsic (States....), got {inner!r}"
            yield from _paths(inner, f"{where}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _paths(inner, f"{where}[{index}]")


def _choice_rule(rule: dict[str, Any], where: str) -> Iterator[str]:
    operators = [k for k in rule if k in CHOICE_OPERATORS]
    if len(operators) != 1:
        yield f"{where}: a choice rule needs exactly one comparison operator, found {operators or 'none'}"
        return
    operator = operators[0]
    if operator in ("And", "Or"):
        for index, inner in enumerate(rule[operator]):
            yield from _choice_rule(inner, f"{where}.{operator}[{index}]")
    elif operator == "Not":
        yield from _choice_rule(rule["Not"], f"{where}.Not")
    elif "Variable" not in rule:
        yield f"{where}: {operator} needs a Variable"


def _structure_problems(name: str, state: dict[str, Any], names: set[str]) -> Iterator[str]:
    kind = state["Type"]
    for field in REQUIRED.get(kind, ()):
        if field not in state:
            yield f"{name}: a {kind} state needs {field}"
    if kind in TERMINAL or kind == "Choice":
        if "Next" in state or "End" in state:
            yield f"{name}: a {kind} state has neither Next nor End"
    elif ("Next" in state) == bool(state.get("End")):
        yield f"{name}: needs exactly one of Next or End"
    for target in _targets(state):
        if target not in names:
            yield f"{name}: transition to unknown state {target!r}"


def _content_problems(name: str, state: dict[str, Any]) -> Iterator[str]:
    for index, rule in enumerate(state.get("Choices", [])):
        yield from _choice_rule(rule, f"{name}.Choices[{index}]")
    for field in ("Retry", "Catch"):
        for index, entry in enumerate(state.get(field, [])):
            if not isinstance(entry.get("ErrorEquals"), list) or not entry["ErrorEquals"]:
                yield f"{name}.{field}[{index}]: ErrorEquals must be a non-empty list"
    for field in ("Parameters", "ResultSelector", "ItemSelector"):
        yield from _paths(state.get(field, {}), f"{name}.{field}")


def _nested_problems(name: str, state: dict[str, Any]) -> Iterator[str]:
    if state["Type"] == "Map":
        body = state.get("ItemProcessor") or state.get("Iterator")
        if body is None:
            yield f"{name}: a Map state needs ItemProcessor"
        else:
            yield from (f"{name}/{p}" for p in problems(body))
    for index, branch in enumerate(state.get("Branches", [])):
        yield from (f"{name}/branch{index}/{p}" for p in problems(branch))


def _state_problems(name: str, state: dict[str, Any], names: set[str]) -> Iterator[str]:
    if state.get("Type") not in STATE_TYPES:
        yield f"{name}: unknown Type {state.get('Type')!r}"
        return
    yield from _structure_problems(name, state, names)
    yield from _content_problems(name, state)
    yield from _nested_problems(name, state)


def _reachable(definition: dict[str, Any]) -> set[str]:
    seen, pending = set(), [definition.get("StartAt", "")]
    while pending:
        current = pending.pop()
        if current in seen or current not in definition["States"]:
            continue
        seen.add(current)
        pending.extend(_targets(definition["States"][current]))
    return seen


def problems(definition: dict[str, Any]) -> list[str]:
    """Every structural problem of an ASL definition (empty when valid)."""
    states = definition.get("States")
    if not isinstance(states, dict) or not states:
        return ["States must be a non-empty object"]
    found = [] if definition.get("StartAt") in states else [f"StartAt {definition.get('StartAt')!r} is not a state"]
    for name, state in states.items():
        found += list(_state_problems(name, state, set(states)))
    found += [f"{name}: unreachable from StartAt" for name in sorted(set(states) - _reachable(definition))]
    return found


def _sagemaker_tasks(definition: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for name, state in definition.get("States", {}).items():
        resource = str(state.get("Resource", ""))
        action = resource.rsplit(":", maxsplit=1)[-1].removesuffix(".sync")
        if action in SAGEMAKER_JOB_ACTIONS:
            yield name, action, state.get("Parameters", {})
        body = state.get("ItemProcessor") or state.get("Iterator")
        for nested in [body] if body else []:
            yield from _sagemaker_tasks(nested)
        for branch in state.get("Branches", []):
            yield from _sagemaker_tasks(branch)


def _has(parameters: dict[str, Any], *path: str) -> bool:
    current: Any = parameters
    for key in path:
        if not isinstance(current, dict):
            return False
        current = current.get(key, current.get(f"{key}.$"))
    return current not in (None, "", [], False)


def security_problems(definition: dict[str, Any]) -> list[str]:
    """SageMaker jobs and models in the definition that miss the registry's security settings."""
    required: dict[str, list[tuple[str, ...]]] = {
        "createProcessingJob": [
            ("NetworkConfig", "VpcConfig"),
            ("NetworkConfig", "EnableNetworkIsolation"),
            ("NetworkConfig", "EnableInterContainerTrafficEncryption"),
            ("ProcessingResources", "ClusterConfig", "VolumeKmsKeyId"),
            ("ProcessingOutputConfig", "KmsKeyId"),
        ],
        "createTrainingJob": [
            ("VpcConfig",),
            ("EnableNetworkIsolation",),
            ("EnableInterContainerTrafficEncryption",),
            ("ResourceConfig", "VolumeKmsKeyId"),
            ("OutputDataConfig", "KmsKeyId"),
        ],
        "createTransformJob": [("TransformResources", "VolumeKmsKeyId"), ("TransformOutput", "KmsKeyId")],
        "createModel": [("VpcConfig",), ("EnableNetworkIsolation",)],
    }
    return [
        f"{name} ({action}): missing {'.'.join(path)}"
        for name, action, parameters in _sagemaker_tasks(definition)
        for path in required[action]
        if not _has(parameters, *path)
    ]
