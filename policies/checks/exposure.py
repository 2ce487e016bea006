"""What a use-case root can still get wrong after the modules: an internet path in the ML VPC, open
egress, a bucket policy for everyone, a role that trusts more than its one service.

- CKV_MLOPS_23: no internet gateway, NAT gateway or egress-only gateway, and no route to one.
- CKV_MLOPS_24: security groups allow no egress to 0.0.0.0/0 or ::/0 (traffic leaves through the
  VPC endpoints only).
- CKV_MLOPS_25: S3 bucket policies allow no `*` principal.
- CKV_MLOPS_26: a role trusts exactly one AWS service, for this account only (`aws:SourceAccount`
  or `aws:SourceArn`: no confused deputy), and never `*`.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.data.base_check import BaseDataCheck
from mlops_policies.checks._common import ProblemsCheck, as_list, first, policy_document, statements, unwrap

OPEN = {"0.0.0.0/0", "::/0"}
INTERNET_GATEWAYS = ["aws_internet_gateway", "aws_nat_gateway", "aws_egress_only_internet_gateway"]
_DEPUTY_KEYS = {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid"}


def _routes_to_internet(route: dict[str, Any]) -> bool:
    gateway = str(unwrap(route.get("gateway_id")) or "")
    via_igw = gateway.startswith("igw-") or "aws_internet_gateway" in gateway
    return via_igw or any(unwrap(route.get(key)) for key in ("nat_gateway_id", "egress_only_gateway_id"))


class NoInternetPath(ProblemsCheck):
    def __init__(self) -> None:
        super().__init__(
            name="ML VPCs have no internet gateway, NAT gateway or route to one",
            id="CKV_MLOPS_23",
            categories=[CheckCategories.NETWORKING],
            supported_resources=["aws_route", "aws_route_table", *INTERNET_GATEWAYS],
        )

    def problems(self, conf: dict[str, Any]) -> list[str]:
        kind = self.entity_type
        if kind in INTERNET_GATEWAYS:
            return [f"{kind} gives the VPC an internet path: reach AWS through VPC endpoints instead"]
        routes = (
            [conf]
            if kind == "aws_route"
            else [unwrap(r) for r in as_list(conf.get("route")) if isinstance(unwrap(r), dict)]
        )
        return (
            ["a route leads to an internet or NAT gateway: remove it"]
            if any(_routes_to_internet(r) for r in routes)
            else []
        )


def _open_cidrs(rule: dict[str, Any]) -> set[str]:
    cidrs = {str(c) for key in ("cidr_blocks", "ipv6_cidr_blocks") for c in as_list(unwrap(rule.get(key)))}
    cidrs |= {str(unwrap(rule.get(key))) for key in ("cidr_ipv4", "cidr_ipv6") if rule.get(key)}
    return cidrs & OPEN


class NoOpenEgress(ProblemsCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Security groups allow no egress to 0.0.0.0/0 or ::/0",
            id="CKV_MLOPS_24",
            categories=[CheckCategories.NETWORKING],
            supported_resources=["aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_egress_rule"],
        )

    def problems(self, conf: dict[str, Any]) -> list[str]:
        if self.entity_type == "aws_security_group":
            rules = [unwrap(r) for r in as_list(conf.get("egress")) if isinstance(unwrap(r), dict)]
        elif self.entity_type == "aws_security_group_rule":
            rules = [conf] if first(conf, "type") == "egress" else []
        else:
            rules = [conf]
        found = sorted({c for rule in rules for c in _open_cidrs(rule)})
        return [f"egress to {c}: allow only the VPC endpoints' security group or prefix lists" for c in found]


def _everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, dict) and any("*" in as_list(v) for v in principal.values())


class BucketPolicyNoPublicPrincipal(ProblemsCheck):
    def __init__(self) -> None:
        super().__init__(
            name="S3 bucket policies allow no * principal",
            id="CKV_MLOPS_25",
            categories=[CheckCategories.IAM],
            supported_resources=["aws_s3_bucket_policy"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        if policy_document(first(conf, "policy")) is None:
            return CheckResult.UNKNOWN  # a reference on HCL: the plan scan reads the JSON
        return super().scan_resource_conf(conf)

    def problems(self, conf: dict[str, Any]) -> list[str]:
        document = policy_document(first(conf, "policy")) or {}
        return [
            f"statement {s.get('Sid', '#' + str(i))} allows everyone (*): name the accounts or roles"
            for i, s in enumerate(statements(document))
            if s.get("Effect") == "Allow" and _everyone(s.get("Principal"))
        ]


def _trust_problems(document: dict[str, Any]) -> list[str]:
    services: set[str] = set()
    problems = []
    for statement in statements(document):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal") or {}
        if _everyone(principal):
            problems.append("the trust policy lets anyone (*) assume the role: name its one service")
        named = {str(s) for s in as_list(principal.get("Service"))} if isinstance(principal, dict) else set()
        keys = {
            k.lower() for test in (statement.get("Condition") or {}).values() if isinstance(test, dict) for k in test
        }
        if named and not keys & _DEPUTY_KEYS:
            problems.append(f"{sorted(named)} may assume the role for any account: add aws:SourceAccount")
        services |= named
    if len(services) > 1:
        problems.append(f"the role trusts {sorted(services)}: give each service its own role")
    return problems


class RoleTrustsOneService(ProblemsCheck):
    def __init__(self) -> None:
        super().__init__(
            name="A role trusts exactly one AWS service, for this account only",
            id="CKV_MLOPS_26",
            categories=[CheckCategories.IAM],
            supported_resources=["aws_iam_role"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        if policy_document(first(conf, "assume_role_policy")) is None:
            return CheckResult.UNKNOWN  # a data source's JSON on HCL: read on the plan
        return super().scan_resource_conf(conf)

    def problems(self, conf: dict[str, Any]) -> list[str]:
        return _trust_problems(policy_document(first(conf, "assume_role_policy")) or {})


class TrustDocumentNamesOneService(BaseDataCheck):
    """The same rule on a trust policy written with aws_iam_policy_document (HCL scans)."""

    def __init__(self) -> None:
        super().__init__(
            name="A trust policy document names exactly one AWS service, for this account only",
            id="CKV_MLOPS_26",
            categories=[CheckCategories.IAM],
            supported_data=["aws_iam_policy_document"],
        )

    def scan_data_conf(self, conf: dict[str, Any]) -> CheckResult:
        blocks = [unwrap(s) for s in as_list(conf.get("statement")) if isinstance(unwrap(s), dict)]
        trust = [b for b in blocks if "sts:AssumeRole" in {str(a) for a in as_list(unwrap(b.get("actions")))}]
        if not trust:
            return CheckResult.UNKNOWN  # not a trust policy
        problems = _trust_problems({"Statement": [_as_statement(b) for b in trust]})
        self.details.extend(problems)
        return CheckResult.FAILED if problems else CheckResult.PASSED


def _as_statement(block: dict[str, Any]) -> dict[str, Any]:
    principals: dict[str, list[str]] = {}
    for principal in as_list(block.get("principals")):
        item = unwrap(principal)
        if isinstance(item, dict):
            kind = {"Service": "Service", "AWS": "AWS", "*": "AWS"}.get(
                str(unwrap(item.get("type"))), str(unwrap(item.get("type")))
            )
            principals.setdefault(kind, []).extend(str(i) for i in as_list(unwrap(item.get("identifiers"))))
    conditions: dict[str, dict[str, Any]] = {}
    for condition in as_list(block.get("condition")):
        item = unwrap(condition)
        if isinstance(item, dict):
            conditions.setdefault(str(unwrap(item.get("test"))), {})[str(unwrap(item.get("variable")))] = unwrap(
                item.get("values")
            )
    effect = str(unwrap(block.get("effect")) or "Allow")
    return {"Effect": effect, "Principal": principals, "Condition": conditions}


no_internet_path = NoInternetPath()
no_open_egress = NoOpenEgress()
bucket_policy_no_public_principal = BucketPolicyNoPublicPrincipal()
role_trusts_one_service = RoleTrustsOneService()
trust_document_names_one_service = TrustDocumentNamesOneService()
