"""A small workflow written with the AWS Step Functions Data Science SDK (the seed's way of
defining pipelines), printed as ASL. Run by tests/e2e/test_sdk_compatibility.py in a virtual
environment of its own: `stepfunctions` needs `sagemaker<3`, whose `numpy<2` would change what
the project's own tests run against. Infrastructure values are written as the registry's
`${placeholders}`, so modules/ml-pipeline deploys the result like a compiled pipeline."""

from __future__ import annotations

import boto3
import sagemaker
from sagemaker.network import NetworkConfig
from sagemaker.processing import ProcessingInput, ProcessingOutput, Processor
from stepfunctions.inputs import ExecutionInput
from stepfunctions.steps import Chain, ProcessingStep, Succeed
from stepfunctions.workflow import Workflow

KEY = "${kms_key_arn}"


def definition() -> str:
    boto = boto3.Session(region_name="eu-central-1", aws_access_key_id="unused", aws_secret_access_key="unused")
    session = sagemaker.Session(boto_session=boto, default_bucket="unused")  # no AWS call is made
    execution = ExecutionInput(schema={"job_name": str, "data_uri": str, "output_uri": str})
    processor = Processor(
        role="${execution_role_arn}",
        image_uri="${image_uri}",
        instance_count=1,
        instance_type="ml.m5.large",
        volume_kms_key=KEY,
        network_config=NetworkConfig(
            enable_network_isolation=True,
            encrypt_inter_container_traffic=True,
            security_group_ids=["${security_group_ids}"],
            subnets=["${subnet_ids}"],
        ),
        sagemaker_session=session,
    )
    load = ProcessingStep(
        "data-load",
        processor=processor,
        job_name=execution["job_name"],
        inputs=[
            ProcessingInput(source=execution["data_uri"], destination="/opt/ml/processing/input/raw", input_name="raw")
        ],
        outputs=[
            ProcessingOutput(
                source="/opt/ml/processing/output/dataset", destination=execution["output_uri"], output_name="dataset"
            )
        ],
        container_entrypoint=["python3", "-m", "pipelines_src.steps.data_load"],
        kms_key_id=KEY,
    )
    workflow = Workflow(name="sdk-compat", definition=Chain([load, Succeed("done")]), role="unused")
    text: str = workflow.definition.to_json(pretty=True)
    return text


if __name__ == "__main__":
    import sys
    from pathlib import Path

    Path(sys.argv[1]).write_text(definition())  # a file: the SDK logs its config lookups to stdout
