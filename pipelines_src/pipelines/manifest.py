"""The manifest: what Terraform needs to know about a compiled pipeline, beside its ASL template,
so modules/ml-pipeline never parses the ASL.

- `placeholders`: every `${name}` of the template with its type (`string`, or `list(string)`
  inserted as raw JSON) — the module fills exactly these and refuses a template that needs more;
- `integrations`: every Task integration at any depth (Map bodies included) with the IAM actions,
  resource patterns, role passing and `.sync` rule it needs — the module's role is built from
  these; `unmapped` lists the ones nobody granted, and the module fails the plan on them;
- `s3_prefixes`: where each job state writes (the one layout of `contracts.s3_prefix`);
- `job_names`: the naming scheme of each SageMaker job or model (unique per execution and retry,
  at most 63 characters);
- `definition_sha256`: the template it belongs to, checked by the module.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from pipelines_src.pipelines import states as s
from pipelines_src.pipelines.integrations import GRANTS, integration_of
from pipelines_src.pipelines.pipeline import Pipeline, layout
from pipelines_src.pipelines.refs import JOB_NAME_LIMIT

FORMAT = "mlops-pipeline-manifest/1"
CONTEXT = ("account", "partition", "region")  # read by the module from the provider


def _grant(integration: str, permission: s.Permission | None) -> dict[str, Any] | None:
    if permission is not None:
        return {
            "actions": sorted(permission.actions),
            "resources": list(permission.resources),
            "pass_role": False,
            "sync_rule": None,
        }
    grant = GRANTS.get(integration)
    if grant is None:
        return None
    return {
        "actions": sorted(grant.actions),
        "resources": list(grant.resources),
        "pass_role": grant.pass_role,
        "sync_rule": grant.sync_rule,
    }


def _tasks(definition: dict[str, Any], where: str = "") -> Iterator[tuple[str, str]]:
    """(state path, integration) of every Task, at any depth of Map and Parallel nesting."""
    for name, state in definition.get("States", {}).items():
        path = f"{where}{name}"
        if state.get("Type") == "Task":
            yield path, integration_of(str(state.get("Resource", "")))
        body = state.get("ItemProcessor") or state.get("Iterator")
        if body:
            yield from _tasks(body, f"{path}/")
        for index, branch in enumerate(state.get("Branches", [])):
            yield from _tasks(branch, f"{path}/{index}/")


def integrations(definition: dict[str, Any], permissions: dict[str, s.Permission] | None = None) -> dict[str, Any]:
    """Integrations of a definition (compiled here or written by another tool, such as the Step
    Functions Data Science SDK): mapped ones with their grants, unmapped ones listed."""
    found: dict[str, dict[str, Any]] = {}
    unmapped: dict[str, list[str]] = {}
    for path, integration in _tasks(definition):
        grant = _grant(integration, (permissions or {}).get(integration))
        if grant is None:
            unmapped.setdefault(integration, []).append(path)
            continue
        found.setdefault(integration, grant | {"states": []})["states"].append(path)
    return {"integrations": dict(sorted(found.items())), "unmapped": dict(sorted(unmapped.items()))}


def _job_names(pipeline: Pipeline) -> dict[str, Any]:
    return {
        step.name: {"scheme": name.scheme, "max_length": JOB_NAME_LIMIT}
        for step in pipeline.walk()
        for name in step.job_names()
    }


def _prefix_shown(pipeline: str, state: str) -> str:
    template = layout(pipeline, state).template
    return template.replace("{}", "<experiment>", 1).replace("{}", "<execution-name>", 1)


def _permissions(pipeline: Pipeline) -> dict[str, s.Permission]:
    return {
        integration_of(resource): permission
        for step in pipeline.walk()
        if (permission := step.permission()) is not None
        for resource in step.integrations()
    }


def build(pipeline: Pipeline, template: str) -> dict[str, Any]:
    """The manifest of a compiled pipeline (`template` is its ASL template text)."""
    definition = json.loads(_as_json(template, pipeline))
    jobs = [x for x in pipeline.walk() if isinstance(x, s.ProcessingStep | s.TrainingStep | s.TransformStep)]
    return {
        "format": FORMAT,
        "pipeline": pipeline.name,
        "definition_sha256": hashlib.sha256(template.encode()).hexdigest(),
        "placeholders": {n: {"type": p.type, "description": p.description} for n, p in pipeline.placeholders().items()},
        "context": list(CONTEXT),
        **integrations(definition, _permissions(pipeline)),
        "s3_prefixes": {x.name: _prefix_shown(pipeline.name, x.name) for x in jobs},
        "job_names": _job_names(pipeline),
        "states": pipeline.names(),
    }


def _as_json(template: str, pipeline: Pipeline) -> str:
    """The template with list placeholders quoted again, so it parses as JSON."""
    for placeholder in pipeline.placeholders().values():
        if placeholder.type != "string":
            template = template.replace(placeholder.token, f'"{placeholder.token}"')
    return template


def for_definition(definition: dict[str, Any], template: str, placeholders: dict[str, str]) -> dict[str, Any]:
    """A manifest for ASL written by another tool (its placeholders and their types given)."""
    return {
        "format": FORMAT,
        "pipeline": str(definition.get("Comment", "external")),
        "definition_sha256": hashlib.sha256(template.encode()).hexdigest(),
        "placeholders": {name: {"type": kind, "description": ""} for name, kind in sorted(placeholders.items())},
        "context": list(CONTEXT),
        **integrations(definition),
        "s3_prefixes": {},
        "job_names": {},
        "states": sorted(definition.get("States", {})),
    }


def dumps(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, indent=2, sort_keys=False) + "\n"
