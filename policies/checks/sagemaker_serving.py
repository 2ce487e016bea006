"""SageMaker serving and monitoring guard rails.

CKV_MLOPS_12: endpoint configurations encrypt storage with a CMK and capture data, encrypted.
CKV_MLOPS_13: models run in a VPC with network isolation.
CKV_MLOPS_15: monitoring job definitions run in a VPC, network-isolated, with inter-container
              encryption and KMS-encrypted volumes and outputs.
CKV_MLOPS_16: production endpoint configurations (tags_all environment = prod, read on plans)
              run more than one instance per variant (serverless variants excepted).
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from mlops_policies.checks._common import ProblemsCheck, first, unwrap

MONITORING_DEFINITIONS = {
    "aws_sagemaker_data_quality_job_definition": ("data_quality_job_output_config", "job_resources"),
}


class EndpointCaptureEncrypted(ProblemsCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Endpoint configurations use a CMK and capture data encrypted with it",
            id="CKV_MLOPS_12",
            categories=[CheckCategories.ENCRYPTION],
            supported_resources=["aws_sagemaker_endpoint_configuration"],
        )

    def problems(self, conf: dict[str, Any]) -> list[str]:
        found = [] if first(conf, "kms_key_arn") else ["no kms_key_arn"]
        capture = first(conf, "data_capture_config")
        if not isinstance(capture, dict) or first(capture, "enable_capture") is not True:
            found.append("data capture is not enabled")
        elif not first(capture, "kms_key_id"):
            found.append("captured data is not encrypted with a CMK (kms_key_id)")
        return found


class ModelInVpcIsolated(ProblemsCheck):
    def __init__(self) -> None:
        super().__init__(
            name="SageMaker models run in a VPC with network isolation",
            id="CKV_MLOPS_13",
            categories=[CheckCategories.NETWORKING],
            supported_resources=["aws_sagemaker_model"],
        )

    def problems(self, conf: dict[str, Any]) -> list[str]:
        vpc = first(conf, "vpc_config")
        found = [] if isinstance(vpc, dict) and first(vpc, "subnets") else ["no vpc_config with subnets"]
        if first(conf, "enable_network_isolation") is not True:
            found.append("enable_network_isolation is not true")
        return found


class MonitoringJobLockedDown(ProblemsCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Monitoring job definitions are network-isolated, in a VPC and encrypted",
            id="CKV_MLOPS_15",
            categories=[CheckCategories.NETWORKING],
            supported_resources=list(MONITORING_DEFINITIONS),
        )

    def problems(self, conf: dict[str, Any]) -> list[str]:
        output_block, resources_block = MONITORING_DEFINITIONS[self.entity_type]
        network = first(conf, "network_config") or {}
        found = []
        if not isinstance(network, dict) or first(network, "enable_network_isolation") is not True:
            found.append("network isolation is off")
        if not isinstance(network, dict) or first(network, "enable_inter_container_traffic_encryption") is not True:
            found.append("inter-container traffic encryption is off")
        if not isinstance(network, dict) or not first(network, "vpc_config"):
            found.append("no vpc_config")
        if not first(first(conf, output_block) or {}, "kms_key_id"):
            found.append("outputs are not encrypted with a CMK")
        cluster = first(first(conf, resources_block) or {}, "cluster_config") or {}
        if not first(cluster, "volume_kms_key_id"):
            found.append("volumes are not encrypted with a CMK")
        return found


class ProdEndpointsRedundant(ProblemsCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Production endpoint variants run more than one instance",
            id="CKV_MLOPS_16",
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_resources=["aws_sagemaker_endpoint_configuration"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        tags = first(conf, "tags_all")
        if not isinstance(tags, dict):
            return CheckResult.UNKNOWN  # an HCL scan: the environment tag is on the plan
        if unwrap(tags.get("environment")) != "prod":
            return CheckResult.PASSED
        return super().scan_resource_conf(conf)

    def problems(self, conf: dict[str, Any]) -> list[str]:
        return [
            f"variant {first(v, 'variant_name')} has {first(v, 'initial_instance_count')} instance(s)"
            for v in conf.get("production_variants") or []
            if isinstance(v, dict)
            and not first(v, "serverless_config")
            and (first(v, "initial_instance_count") or 0) < 2
        ]


check_capture = EndpointCaptureEncrypted()
check_model = ModelInVpcIsolated()
check_monitoring = MonitoringJobLockedDown()
check_prod = ProdEndpointsRedundant()
