"""CKV_MLOPS_20: Studio domains run VpcOnly, in subnets, with a CMK; notebook output sharing off."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories
from mlops_policies.checks._common import ProblemsCheck, first


class StudioDomainPrivate(ProblemsCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Studio domains are VpcOnly, in subnets, encrypted with a CMK",
            id="CKV_MLOPS_20",
            categories=[CheckCategories.NETWORKING],
            supported_resources=["aws_sagemaker_domain"],
        )

    def problems(self, conf: dict[str, Any]) -> list[str]:
        found = []
        if first(conf, "app_network_access_type") != "VpcOnly":
            found.append("app_network_access_type is not VpcOnly (PublicInternetOnly is the provider default)")
        if not first(conf, "subnet_ids"):
            found.append("no subnet_ids")
        if not first(conf, "kms_key_id"):
            found.append("no kms_key_id (a CMK)")
        return found


check = StudioDomainPrivate()
