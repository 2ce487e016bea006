# Offline unit tests. The AWS provider validates state machine definitions through the Step
# Functions API even at plan, so these use a mocked provider (this module reads no data source
# whose values matter); the real provider plans and applies it against the emulator in the
# plan-contract and end-to-end layers.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-central-1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  # A valid document (the mock's invented text is not JSON); the statements are asserted instead.
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

variables {
  name                     = "unit-training"
  definition_template      = "../../pipelines_src/pipelines/templates/training.asl.json.tftpl"
  kms_key_arn              = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
  permissions_boundary_arn = "arn:aws:iam::123456789012:policy/mlops/unit-permission-boundary"
  pipeline = {
    alerts_topic_arn         = "arn:aws:sns:eu-central-1:123456789012:unit-alerts"
    artifacts_bucket         = "unit-artifacts"
    execution_role_arn       = "arn:aws:iam::123456789012:role/mlops/unit-sagemaker-execution"
    image_uri                = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/unit:0.1.0"
    job_prefix               = "unit"
    metadata_table           = "unit-executions"
    model_package_group_name = "unit"
    security_group_ids       = ["sg-0a1b"]
    subnet_ids               = ["subnet-0a", "subnet-0b"]
    use_case                 = "unit"
  }
}

run "logged_encrypted_traced" {
  command = plan

  assert {
    condition     = aws_sfn_state_machine.this.logging_configuration[0].level == "ALL" && aws_sfn_state_machine.this.logging_configuration[0].include_execution_data
    error_message = "Executions are logged at level ALL with their data."
  }

  assert {
    condition     = aws_sfn_state_machine.this.encryption_configuration[0].kms_key_id == var.kms_key_arn && aws_cloudwatch_log_group.this.kms_key_id == var.kms_key_arn && aws_cloudwatch_log_group.this.retention_in_days == 365
    error_message = "State machine data and logs are encrypted with the CMK; logs are kept a year."
  }

  assert {
    condition     = aws_sfn_state_machine.this.tracing_configuration[0].enabled
    error_message = "X-Ray tracing is on."
  }

  assert {
    condition     = jsondecode(aws_sfn_state_machine.this.definition).States["data-load"].Parameters.NetworkConfig.VpcConfig.Subnets == ["subnet-0a", "subnet-0b"]
    error_message = "The template is rendered with the VPC of the use case."
  }

  assert {
    condition     = length(aws_scheduler_schedule.this) == 0 && length(aws_s3_object.step_code) == 0
    error_message = "No schedule and no upload unless asked for."
  }
}

run "batch_on_a_schedule" {
  command = plan

  variables {
    name                = "unit-batch"
    definition_template = "../../pipelines_src/pipelines/templates/batch-inference.asl.json.tftpl"
    schedule = {
      expression = "cron(0 6 * * ? *)"
      input      = { use_case = "unit", experiment = "daily", data_uri = "s3://lake/daily/", model_package_arn = "arn:aws:sagemaker:eu-central-1:123456789012:model-package/unit/1" }
    }
    step_code = { bucket = "unit-artifacts", source = "tests/fixtures/not-json.asl.json.tftpl" }
  }

  assert {
    condition     = aws_scheduler_schedule.this[0].kms_key_arn == var.kms_key_arn && strcontains(aws_scheduler_schedule.this[0].target[0].input, "s3://lake/daily/")
    error_message = "The schedule starts the batch pipeline with its input, encrypted with the CMK."
  }

  assert {
    condition     = aws_s3_object.step_code[0].key == "step-code/not-json.asl.json.tftpl" && aws_s3_object.step_code[0].kms_key_id == var.kms_key_arn
    error_message = "The artefact keeps its versioned file name and is encrypted with the CMK."
  }

  assert {
    condition     = aws_iam_role.schedule[0].permissions_boundary == var.permissions_boundary_arn && aws_iam_role.schedule[0].name == "unit-batch-schedule"
    error_message = "The schedule's own role carries the boundary."
  }
}

run "rejects_template_with_undeclared_values" {
  command = plan
  variables {
    definition_template = "tests/fixtures/undeclared.asl.json.tftpl"
  }
  expect_failures = [terraform_data.definition_checks]
}

run "rejects_template_that_does_not_parse" {
  command = plan
  variables {
    definition_template = "tests/fixtures/not-json.asl.json.tftpl"
  }
  expect_failures = [terraform_data.definition_checks]
}

run "rejects_missing_template" {
  command = plan
  variables {
    definition_template = "tests/fixtures/missing.tftpl"
  }
  expect_failures = [var.definition_template]
}

run "rejects_jobs_outside_the_vpc" {
  command = plan
  variables {
    pipeline = {
      alerts_topic_arn         = "arn:aws:sns:eu-central-1:123456789012:unit-alerts"
      artifacts_bucket         = "unit-artifacts"
      execution_role_arn       = "arn:aws:iam::123456789012:role/mlops/unit-sagemaker-execution"
      image_uri                = "unit:0.1.0"
      job_prefix               = "unit"
      metadata_table           = "unit-executions"
      model_package_group_name = "unit"
      security_group_ids       = []
      subnet_ids               = []
      use_case                 = "unit"
    }
  }
  expect_failures = [var.pipeline]
}

run "rejects_non_ml_instance" {
  command = plan
  variables {
    pipeline = {
      alerts_topic_arn         = "arn:aws:sns:eu-central-1:123456789012:unit-alerts"
      artifacts_bucket         = "unit-artifacts"
      execution_role_arn       = "arn:aws:iam::123456789012:role/mlops/unit-sagemaker-execution"
      image_uri                = "unit:0.1.0"
      instance_type            = "m5.large"
      job_prefix               = "unit"
      metadata_table           = "unit-executions"
      model_package_group_name = "unit"
      security_group_ids       = ["sg-0a1b"]
      subnet_ids               = ["subnet-0a"]
      use_case                 = "unit"
    }
  }
  expect_failures = [var.pipeline]
}

run "rejects_bad_schedule" {
  command = plan
  variables {
    schedule = { expression = "every day", input = {} }
  }
  expect_failures = [var.schedule]
}

run "rejects_missing_artefact" {
  command = plan
  variables {
    step_code = { bucket = "unit-artifacts", source = "dist/none.whl" }
  }
  expect_failures = [var.step_code]
}

run "rejects_short_retention" {
  command = plan
  variables {
    log_retention_days = 30
  }
  expect_failures = [var.log_retention_days]
}

run "rejects_bad_boundary" {
  command = plan
  variables {
    permissions_boundary_arn = "boundary"
  }
  expect_failures = [var.permissions_boundary_arn]
}

run "rejects_bad_role_path" {
  command = plan
  variables {
    role_path = "mlops"
  }
  expect_failures = [var.role_path]
}

run "role_is_derived_from_the_training_integrations" {
  command = plan

  assert {
    condition = toset([for s in data.aws_iam_policy_document.role.statement : s.sid]) == toset([
      "SagemakerCreateProcessingJobSync", "SagemakerCreateTrainingJobSync", "AwsSdkS3GetObject",
      "AwsSdkSagemakerCreateModelPackage", "AwsSdkSagemakerDescribeModelPackage", "AwsSdkSagemakerListModelPackages", "AwsSdkSagemakerUpdateModelPackage", "AwsSdkSagemakerCreateModelCard", "DynamodbPutItem", "DynamodbUpdateItem", "SnsPublish",
      "SyncRules", "PassOnlyTheExecutionRole", "UseTheKey", "LogDeliveryAndTracing",
    ])
    error_message = "Exactly the integrations of the training ASL are granted (no transform jobs, no models; the champion lookup lists and describes packages; the drift guard updates its claim item; every package gets a model card)."
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.role.statement : s.resources if s.sid == "AwsSdkS3GetObject"]) == toset(["arn:aws:s3:::unit-artifacts/unit/*"])
    error_message = "The pipeline reads only its use case's prefix of the artifacts bucket."
  }

  assert {
    condition     = aws_iam_role.this.permissions_boundary == var.permissions_boundary_arn && aws_iam_role.this.path == "/mlops/"
    error_message = "The role carries the boundary, under the managed path."
  }
}

run "batch_role_adds_transform_and_models" {
  command = plan
  variables {
    definition_template = "../../pipelines_src/pipelines/templates/batch-inference.asl.json.tftpl"
  }
  assert {
    condition     = contains([for s in data.aws_iam_policy_document.role.statement : s.sid], "SagemakerCreateTransformJobSync") && contains([for s in data.aws_iam_policy_document.role.statement : s.sid], "SagemakerCreateModel") && !contains([for s in data.aws_iam_policy_document.role.statement : s.sid], "SagemakerCreateTrainingJobSync")
    error_message = "The batch ASL gets transform jobs and models, not training jobs."
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.role.statement : s.resources if s.sid == "EventsPutEvents"]) == toset(["arn:aws:events:eu-central-1:123456789012:event-bus/default"])
    error_message = "The batch pipeline may publish its drift event to the account's default bus only."
  }
}

run "rejects_integration_without_mapping" {
  command = plan
  variables {
    definition_template = "tests/fixtures/lambda.asl.json.tftpl"
  }
  expect_failures = [terraform_data.integration_checks]
}

run "rejects_template_without_manifest" {
  command = plan
  variables {
    definition_template = "tests/fixtures/no-manifest.asl.json.tftpl"
  }
  expect_failures = [terraform_data.definition_checks]
}

run "rejects_manifest_of_another_template" {
  command = plan
  variables {
    definition_template = "tests/fixtures/stale.asl.json.tftpl"
  }
  expect_failures = [terraform_data.definition_checks]
}

run "rejects_missing_manifest_file" {
  command = plan
  variables {
    manifest_file = "tests/fixtures/missing.manifest.json"
  }
  expect_failures = [var.manifest_file]
}

run "role_covers_jobs_two_map_levels_deep" {
  command = plan
  variables {
    definition_template = "tests/fixtures/nested-map.asl.json.tftpl"
  }
  assert {
    condition     = one([for s in data.aws_iam_policy_document.role.statement : s.resources if s.sid == "SagemakerCreateTrainingJobSync"]) == toset(["arn:aws:sagemaker:eu-central-1:123456789012:training-job/unit*"])
    error_message = "A training job inside a Map inside a Map is granted, scoped to the job prefix."
  }
  assert {
    condition     = contains([for s in data.aws_iam_policy_document.role.statement : s.sid], "PassOnlyTheExecutionRole")
    error_message = "The nested job may be passed the execution role."
  }
}

run "role_grants_a_new_integration_its_declared_permission" {
  command = plan
  variables {
    definition_template = "tests/fixtures/new-integration.asl.json.tftpl"
    extra_values        = { team_bus = "unit-bus" }
  }
  assert {
    condition     = one([for s in data.aws_iam_policy_document.role.statement : s.resources if s.sid == "EventsPutEvents"]) == toset(["arn:aws:events:eu-central-1:123456789012:event-bus/unit-bus"]) && one([for s in data.aws_iam_policy_document.role.statement : s.actions if s.sid == "EventsPutEvents"]) == toset(["events:PutEvents"])
    error_message = "The step's declared permission becomes a statement with the value passed in."
  }
  assert {
    condition     = !contains([for s in data.aws_iam_policy_document.role.statement : s.sid], "PassOnlyTheExecutionRole")
    error_message = "No SageMaker job, no iam:PassRole."
  }
}

run "rejects_placeholder_without_value" {
  command = plan
  variables {
    definition_template = "tests/fixtures/new-integration.asl.json.tftpl"
  }
  expect_failures = [terraform_data.definition_checks]
}

run "rejects_alias" {
  command = plan
  variables {
    kms_key_arn = "alias/aws/states"
  }
  expect_failures = [var.kms_key_arn]
}

run "rejects_bad_name" {
  command = plan
  variables {
    name = "a b"
  }
  expect_failures = [var.name]
}

run "rejects_key_of_another_region" {
  command = plan
  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
  }
  expect_failures = [var.kms_key_arn]
}
