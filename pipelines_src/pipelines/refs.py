"""What a pipeline step reads at run time, in two renderings from one object:

- `asl()`: the JSONPath or intrinsic function Step Functions evaluates (the deployed ASL);
- `resolve(scope)`: the same value computed in Python from the execution's data (`$`, `$$`),
  which is how the local chain and the notebooks build the very requests the state machine makes.

`Placeholder`s are infrastructure values (bucket, role, subnets) that Terraform fills in with
`templatefile()`; they appear as `${name}` in the ASL template and are listed, with their types,
in the pipeline's manifest.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipelines_src.contracts import ContractError

JOB_NAME_LIMIT = 63  # SageMaker's limit for job and model names
JOB_PREFIX_LIMIT = 20  # modules/ml-pipeline validates job_prefix to at most this
_HASH_LENGTH = 32  # MD5 in hex


class PipelineError(ContractError):
    """A pipeline that cannot be built or compiled; the message names the state and the fix."""


@dataclass(frozen=True)
class Placeholder:
    """An infrastructure value of the ASL template (`${name}`), filled in by Terraform."""

    name: str
    type: str = "string"  # or "list(string)", inserted as raw JSON
    description: str = ""

    @property
    def token(self) -> str:
        return "${" + self.name + "}"


def _placeholders(*specs: tuple[str, str, str]) -> dict[str, Placeholder]:
    return {name: Placeholder(name, kind, description) for name, kind, description in specs}


# The registry's placeholders: what modules/ml-pipeline passes (var.pipeline + kms_key_arn).
PLACEHOLDERS = _placeholders(
    ("alerts_topic_arn", "string", "SNS topic every alert and approval request goes to"),
    ("artifacts_bucket", "string", "bucket of every state's outputs (the S3 layout of contracts.s3_prefix)"),
    ("execution_role_arn", "string", "role the SageMaker jobs and models run with"),
    ("image_uri", "string", "the step image the jobs run"),
    ("instance_type", "string", "instance type of the jobs"),
    ("job_prefix", "string", f"prefix of job and model names (at most {JOB_PREFIX_LIMIT} characters)"),
    ("kms_key_arn", "string", "customer managed key of volumes and outputs"),
    ("metadata_table", "string", "DynamoDB table of execution metadata"),
    ("partition", "string", "AWS partition of the account (aws, aws-cn, aws-us-gov), read by the module"),
    ("model_package_group_name", "string", "model package group of the use case"),
    ("security_group_ids", "list(string)", "security groups of the jobs"),
    ("subnet_ids", "list(string)", "private subnets of the jobs"),
    ("use_case", "string", "name of the use case (first part of every S3 key)"),
)


def placeholder(name: str) -> Placeholder:
    try:
        return PLACEHOLDERS[name]
    except KeyError:
        raise PipelineError(f"placeholder {name!r} is unknown: use one of {sorted(PLACEHOLDERS)}") from None


@dataclass(frozen=True)
class Scope:
    """What references resolve against in Python: the execution's data (`$`), its context
    object (`$$`) and the placeholder values Terraform would fill in."""

    data: Mapping[str, Any] = field(default_factory=dict)
    context: Mapping[str, Any] = field(default_factory=dict)
    placeholders: Mapping[str, Any] = field(default_factory=dict)

    def placeholder(self, name: str) -> Any:
        if name not in self.placeholders:
            raise PipelineError(f"placeholder {name!r} has no value: pass it with the pipeline's values")
        return self.placeholders[name]


class Ref:
    """A value read at run time (subclasses say from where)."""

    def asl(self) -> str:
        raise NotImplementedError

    def resolve(self, scope: Scope) -> Any:
        raise NotImplementedError

    @property
    def producers(self) -> tuple[str, ...]:
        """The states that must have run before this can be read (none: the execution input)."""
        return ()


def _lookup(data: Mapping[str, Any], path: Sequence[str], shown: str) -> Any:
    current: Any = data
    for key in path:
        if not isinstance(current, Mapping) or key not in current:
            raise PipelineError(f"{shown} is not in the execution's data: the state that writes it has not run")
        current = current[key]
    return current


@dataclass(frozen=True)
class FromInput(Ref):
    """A field of the execution input, e.g. `FromInput("data_uri")`."""

    field: str

    def asl(self) -> str:
        return f"$.{self.field}"

    def resolve(self, scope: Scope) -> Any:
        return _lookup(scope.data, self.field.split("."), self.asl())


def state_key(state: str) -> str:
    """Where a state's result lives in the execution's data: `$.steps.<key>`."""
    return state.replace("-", "_")


@dataclass(frozen=True)
class Result(Ref):
    """A field of a state's result (`$.steps.<state>.<field>`), optionally with a suffix
    appended (a sub-prefix such as `train/`): `Result("feature-engineering") / "train/"`."""

    state: str
    field: str = "output"
    suffix: str = ""

    @property
    def path(self) -> str:
        return f"$.steps.{state_key(self.state)}.{self.field}"

    def asl(self) -> str:
        return f"States.Format('{{}}{_escape(self.suffix)}', {self.path})" if self.suffix else self.path

    def resolve(self, scope: Scope) -> Any:
        value = _lookup(scope.data, ["steps", state_key(self.state), *self.field.split(".")], self.path)
        return f"{value}{self.suffix}" if self.suffix else value

    def __truediv__(self, suffix: str) -> Result:
        return Result(self.state, self.field, self.suffix + suffix)

    @property
    def producers(self) -> tuple[str, ...]:
        return (self.state,)


@dataclass(frozen=True)
class Context(Ref):
    """A field of the context object, e.g. `Context("Execution.Name")` is `$$.Execution.Name`."""

    path: str

    def asl(self) -> str:
        return f"$$.{self.path}"

    def resolve(self, scope: Scope) -> Any:
        return _lookup(scope.context, self.path.split("."), self.asl())


EXECUTION_NAME = Context("Execution.Name")
EXECUTION_ID = Context("Execution.Id")
RETRY_COUNT = Context("State.RetryCount")
TASK_TOKEN = Context("Task.Token")

_TOKENS = re.compile(r"(\{\}|\$\{[a-z_]+\})")


def _escape(text: str) -> str:
    """A literal inside an intrinsic's quoted string: `\\`, `'`, `{` and `}` are escaped."""
    for char in ("\\", "'", "{", "}"):
        text = text.replace(char, "\\" + char)
    return text


def _quoted_template(template: str) -> str:
    """A States.Format template: `{}` slots and `${placeholders}` kept, the rest escaped."""
    return "".join(part if _TOKENS.fullmatch(part) else _escape(part) for part in _TOKENS.split(template))


def _fill(template: str, scope: Scope, values: Sequence[Any]) -> str:
    pending = list(values)
    out = []
    for part in _TOKENS.split(template):
        if part == "{}":
            out.append(_text(pending.pop(0)))
        elif _TOKENS.fullmatch(part):
            out.append(str(scope.placeholder(part[2:-1])))
        else:
            out.append(part)
    return "".join(out)


def _text(value: Any) -> str:
    """A value as States.Format prints it."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


@dataclass(frozen=True)
class Format(Ref):
    """`States.Format(template, refs...)`: text with its `{}` slots filled from references in
    order; the template may hold `${placeholders}`."""

    template: str
    args: tuple[Ref, ...] = ()

    def __post_init__(self) -> None:
        if self.template.count("{}") != len(self.args):
            raise PipelineError(f"Format {self.template!r}: {self.template.count('{}')} slots, {len(self.args)} values")

    def asl(self) -> str:
        args = "".join(f", {a.asl()}" for a in self.args)
        return f"States.Format('{_quoted_template(self.template)}'{args})"

    def resolve(self, scope: Scope) -> Any:
        return _fill(self.template, scope, [a.resolve(scope) for a in self.args])

    @property
    def producers(self) -> tuple[str, ...]:
        return tuple(p for a in self.args for p in a.producers)


def text(ref: Ref) -> Format:
    """A number or boolean of the data as text."""
    return Format("{}", (ref,))


@dataclass(frozen=True)
class Arguments(Ref):
    """A container's argument list mixing literals and references (`States.Array(...)`)."""

    items: tuple[str | Ref, ...]

    def asl(self) -> str:
        return f"States.Array({', '.join(_argument(i) for i in self.items)})"

    def resolve(self, scope: Scope) -> Any:
        return [i.resolve(scope) if isinstance(i, Ref) else i for i in self.items]

    @property
    def producers(self) -> tuple[str, ...]:
        return tuple(p for i in self.items if isinstance(i, Ref) for p in i.producers)


def _argument(value: str | Ref) -> str:
    return value.asl() if isinstance(value, Ref) else f"'{_escape(value)}'"


@dataclass(frozen=True)
class Intrinsic(Ref):
    """Any other intrinsic expression, with its Python meaning given as a function."""

    expression: str
    evaluate: Callable[[Scope], Any]
    reads: tuple[str, ...] = ()

    def asl(self) -> str:
        return self.expression

    def resolve(self, scope: Scope) -> Any:
        return self.evaluate(scope)

    @property
    def producers(self) -> tuple[str, ...]:
        return self.reads


def json_text(ref: Ref) -> Intrinsic:
    """`States.JsonToString(ref)`: a value as compact JSON text."""
    return Intrinsic(
        f"States.JsonToString({ref.asl()})",
        lambda scope: json.dumps(ref.resolve(scope), separators=(",", ":")),
        ref.producers,
    )


def start_time_window(separator: str) -> Intrinsic:
    """The execution's start time up to the first `separator`: ':' gives the hour
    (`2026-12-02T09`), 'T' the day (`2026-12-02`); the windows of the drift cool-down."""
    start = Context("Execution.StartTime")
    return Intrinsic(
        f"States.ArrayGetItem(States.StringSplit({start.asl()}, '{_escape(separator)}'), 0)",
        lambda scope: str(start.resolve(scope)).split(separator)[0],
    )


def array_length(ref: Ref) -> Intrinsic:
    """`States.ArrayLength(ref)`."""
    return Intrinsic(f"States.ArrayLength({ref.asl()})", lambda scope: len(ref.resolve(scope)), ref.producers)


@dataclass(frozen=True)
class JobName(Ref):
    """`<job_prefix>-<abbreviation>-<md5>`: unique per execution *and* per retry (the hash covers
    the execution ARN, the retry count and an optional discriminator such as a Map index), within
    SageMaker's 63 characters for any job_prefix modules/ml-pipeline accepts."""

    abbreviation: str
    discriminator: Ref | None = None

    def __post_init__(self) -> None:
        longest = JOB_PREFIX_LIMIT + 1 + len(self.abbreviation) + 1 + _HASH_LENGTH
        if longest > JOB_NAME_LIMIT:
            allowed = JOB_NAME_LIMIT - JOB_PREFIX_LIMIT - 2 - _HASH_LENGTH
            raise PipelineError(
                f"job name abbreviation {self.abbreviation!r}: names would reach {longest} characters, over "
                f"SageMaker's {JOB_NAME_LIMIT}; use at most {allowed} letters and digits"
            )
        if not self.abbreviation.isalnum():
            raise PipelineError(f"job name abbreviation {self.abbreviation!r}: use letters and digits only")

    def _source(self) -> Format:
        parts = (EXECUTION_ID, RETRY_COUNT, *((self.discriminator,) if self.discriminator else ()))
        return Format("-".join("{}" for _ in parts), parts)

    def asl(self) -> str:
        prefix = PLACEHOLDERS["job_prefix"].token
        return f"States.Format('{prefix}-{self.abbreviation}-{{}}', States.Hash({self._source().asl()}, 'MD5'))"

    def resolve(self, scope: Scope) -> Any:
        digest = hashlib.md5(self._source().resolve(scope).encode(), usedforsecurity=False).hexdigest()
        return f"{scope.placeholder('job_prefix')}-{self.abbreviation}-{digest}"

    @property
    def scheme(self) -> str:
        extra = " + " + self.discriminator.asl() if self.discriminator else ""
        return f"${{job_prefix}}-{self.abbreviation}-md5(execution id + retry count{extra})"
