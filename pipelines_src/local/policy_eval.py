"""Resource-policy evaluation for the local emulator, with AWS's condition semantics.

moto 5.2 evaluates a bucket-policy statement as DENIED whenever its Condition is not met (even
for a Deny) and treats unknown operators as met, so a TLS-only policy blocks every object call.
This evaluator replaces it for S3 bucket policies. It follows the IAM evaluation rules that
matter for resource policies: an explicit Deny wins, a statement applies only when action,
resource, principal and every condition match, a missing context key makes positive operators
false and negated operators true, `...IfExists` operators are true on a missing key.

Principals: the emulator does not know who signed a request, so statements that name specific
principals are treated as not applying (as moto does); statements for `*` apply to everyone.
An operator this evaluator does not know is resolved towards the more restrictive outcome.
"""

from __future__ import annotations

import fnmatch
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from typing import Any

LOG = logging.getLogger(__name__)

Context = Mapping[str, str]


class Decision(Enum):
    ALLOW = "allow"
    DENY = "deny"
    NEUTRAL = "neutral"


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def _wildcard(pattern: str, value: str, case_sensitive: bool = True) -> bool:
    # IAM wildcards: * any run, ? one character; no character classes.
    escaped = pattern.replace("[", "[[]")
    if not case_sensitive:
        return fnmatch.fnmatchcase(value.lower(), escaped.lower())
    return fnmatch.fnmatchcase(value, escaped)


def _numeric(op: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
    def compare(actual: str, expected: str) -> bool:
        try:
            return op(float(actual), float(expected))
        except ValueError:
            return False

    return compare


_POSITIVE: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda a, e: a == e,
    "StringEqualsIgnoreCase": lambda a, e: a.lower() == e.lower(),
    "StringLike": lambda a, e: _wildcard(e, a),
    "ArnEquals": lambda a, e: a == e,
    "ArnLike": lambda a, e: _wildcard(e, a),
    "Bool": lambda a, e: a.lower() == e.lower(),
    "NumericEquals": _numeric(lambda a, e: a == e),
    "NumericLessThan": _numeric(lambda a, e: a < e),
    "NumericLessThanEquals": _numeric(lambda a, e: a <= e),
    "NumericGreaterThan": _numeric(lambda a, e: a > e),
    "NumericGreaterThanEquals": _numeric(lambda a, e: a >= e),
}
_NEGATED: dict[str, str] = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
}


class UnknownOperator(ValueError):
    pass


def _condition_matches(operator: str, key: str, expected: Any, context: Context) -> bool:
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists").split(":")[-1]  # ForAnyValue:/ForAllValues: prefixes
    if base != "Null" and base not in _POSITIVE and base not in _NEGATED:
        raise UnknownOperator(operator)
    present = key in context
    if base == "Null":
        wants_missing = str(expected[0] if isinstance(expected, list) else expected).lower() == "true"
        return wants_missing != present
    if not present:
        return if_exists or base in _NEGATED
    actual = context[key]
    if base in _NEGATED:
        compare = _POSITIVE[_NEGATED[base]]
        return not any(compare(actual, e) for e in _as_list(expected))
    return any(_POSITIVE[base](actual, e) for e in _as_list(expected))


def _conditions_match(statement: Mapping[str, Any], context: Context) -> bool:
    deny = statement.get("Effect") == "Deny"
    for operator, pairs in (statement.get("Condition") or {}).items():
        for key, expected in pairs.items():
            try:
                if not _condition_matches(operator, key, expected, context):
                    return False
            except UnknownOperator:
                LOG.warning("policy operator %s is not emulated; resolved restrictively", operator)
                if not deny:
                    return False
    return True


def _matches_any(patterns: Sequence[str], value: str, case_sensitive: bool) -> bool:
    return any(_wildcard(p, value, case_sensitive) for p in patterns)


def _element_applies(statement: Mapping[str, Any], name: str, value: str, case_sensitive: bool) -> bool:
    if name in statement:
        return _matches_any(_as_list(statement[name]), value, case_sensitive)
    negated = "Not" + name
    if negated in statement:
        return not _matches_any(_as_list(statement[negated]), value, case_sensitive)
    return name == "Resource"  # a resource policy statement without Resource covers the resource


def _principal_is_everyone(statement: Mapping[str, Any]) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    return isinstance(principal, dict) and "*" in _as_list(principal.get("AWS"))


def statement_decision(statement: Mapping[str, Any], action: str, resource: str, context: Context) -> Decision:
    applies = (
        _principal_is_everyone(statement)
        and _element_applies(statement, "Action", action, case_sensitive=False)
        and _element_applies(statement, "Resource", resource, case_sensitive=True)
        and _conditions_match(statement, context)
    )
    if not applies:
        return Decision.NEUTRAL
    return Decision.DENY if statement.get("Effect") == "Deny" else Decision.ALLOW


def evaluate(policy_json: str, action: str, resource: str, context: Context) -> Decision:
    """Decision of a resource policy for one request: DENY beats ALLOW beats NEUTRAL."""
    statements = json.loads(policy_json).get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    decisions = {statement_decision(s, action, resource, context) for s in statements}
    for outcome in (Decision.DENY, Decision.ALLOW):
        if outcome in decisions:
            return outcome
    return Decision.NEUTRAL
