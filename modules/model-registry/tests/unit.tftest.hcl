# Offline unit tests: the real AWS provider with fake credentials, no API calls (plan only).

provider "aws" {
  region                      = "eu-central-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

override_data {
  target = data.aws_caller_identity.current
  values = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:root"
    user_id    = "123456789012"
  }
}

variables {
  name                     = "unit-registry"
  alerts_topic_arn         = "arn:aws:sns:eu-central-1:123456789012:unit-alerts"
  permissions_boundary_arn = "arn:aws:iam::123456789012:policy/mlops/unit-permission-boundary"
  approved_targets = {
    state_machines = { batch = { arn = "arn:aws:states:eu-central-1:123456789012:stateMachine:unit-batch", data_uri = "s3://lake/quality/daily/", use_case = "quality" } }
  }
}

run "approved_rule_filters_on_approved_only" {
  command = plan

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.approved.event_pattern).detail.ModelApprovalStatus == ["Approved"]
    error_message = "The deployment rule must filter ModelApprovalStatus = Approved, or deploys run before anyone approves."
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.approved.event_pattern)["detail-type"] == ["SageMaker Model Package State Change"] && jsondecode(aws_cloudwatch_event_rule.rejected.event_pattern).detail.ModelApprovalStatus == ["Rejected"]
    error_message = "Rules use AWS's own event shape."
  }

  assert {
    condition     = strcontains(aws_cloudwatch_event_target.approved_state_machine["batch"].input_transformer[0].input_template, "<package>")
    error_message = "The batch pipeline gets the approved package's ARN."
  }

  assert {
    condition     = length(aws_cloudwatch_event_target.status_alert) == 2 && length(aws_sagemaker_model_package_group_policy.this) == 0
    error_message = "Approvals and rejections reach the alerts topic; no resource policy without consumers."
  }
}

run "cross_account_read" {
  command = plan
  variables {
    consumer_account_ids = ["210987654321"]
  }
  assert {
    condition     = strcontains(aws_sagemaker_model_package_group_policy.this[0].resource_policy, "arn:aws:iam::210987654321:root")
    error_message = "The production account may read the packages."
  }
}

run "the_approval_rule_starts_its_targets_with_its_own_bounded_role" {
  command = plan

  assert {
    condition     = aws_iam_role.events[0].permissions_boundary == var.permissions_boundary_arn && aws_iam_role.events[0].path == "/mlops/"
    error_message = "The rule's role carries the boundary, under the managed path."
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.events[0].statement : s.resources if s.sid == "StartApprovedStateMachines"]) == toset(["arn:aws:states:eu-central-1:123456789012:stateMachine:unit-batch"])
    error_message = "The role may start exactly the approved targets."
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_target.approved_state_machine["batch"].input_transformer[0].input_template).use_case == "quality"
    error_message = "The batch pipeline is started for the use case, not for the group's name."
  }
}

run "drift_retraining_starts_training_once_per_window_with_the_drift" {
  command = plan
  variables {
    approved_targets = {}
    drift_retraining = {
      state_machine_arn = "arn:aws:states:eu-central-1:123456789012:stateMachine:unit-training"
      training_input    = "{\"use_case\":\"quality\",\"experiment\":\"drift-retraining\",\"data_uri\":\"s3://lake/quality/raw/\"}"
      use_case          = "quality"
      cooldown          = "hour"
    }
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.drift["retraining"].event_pattern).detail.use_case == ["quality"] && jsondecode(aws_cloudwatch_event_rule.drift["retraining"].event_pattern).source == ["mlops.pipelines"]
    error_message = "The drift rule matches the registry's own drift events of this use case only."
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.drift["retraining"].event_pattern).detail.model_package_arn == [{ prefix = "arn:aws:sagemaker:eu-central-1:123456789012:model-package/unit-registry/" }]
    error_message = "A drift event about a package of another group starts nothing."
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.drift["retraining"].event_pattern).detail.window_hour == [{ exists = true }]
    error_message = "An event without the window the guard claims matches nothing."
  }

  assert {
    condition     = aws_cloudwatch_event_target.drift_retraining["retraining"].input_transformer[0].input_paths.window == "$.detail.window_hour"
    error_message = "The cool-down window of the rule is the event's window of the configured length."
  }

  assert {
    condition     = strcontains(aws_cloudwatch_event_target.drift_retraining["retraining"].input_transformer[0].input_template, "\"violated_features\":<features>") && strcontains(aws_cloudwatch_event_target.drift_retraining["retraining"].input_transformer[0].input_template, "\"trigger\":\"drift\"") && strcontains(aws_cloudwatch_event_target.drift_retraining["retraining"].input_transformer[0].input_template, "\"window\":\"<window>\"")
    error_message = "The training input gets trigger drift and the drift object, the features as a list."
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.events[0].statement : s.resources if s.sid == "StartDriftRetraining"]) == toset(["arn:aws:states:eu-central-1:123456789012:stateMachine:unit-training"])
    error_message = "The rules' role may start the training state machine, and nothing else for the drift rule."
  }
}

run "no_drift_retraining_no_rule" {
  command = plan
  assert {
    condition     = length(aws_cloudwatch_event_rule.drift) == 0 && output.drift_rule_arn == null
    error_message = "drift_retraining null is the opt-out: no rule."
  }
}

run "rejects_bad_drift_retraining" {
  command = plan
  variables {
    drift_retraining = {
      state_machine_arn = "arn:aws:states:eu-central-1:123456789012:stateMachine:unit-training"
      training_input    = "{\"trigger\":\"manual\"}"
      use_case          = "quality"
      cooldown          = "week"
    }
  }
  expect_failures = [var.drift_retraining]
}

run "no_targets_no_role" {
  command = plan
  variables {
    approved_targets = {}
  }
  assert {
    condition     = length(aws_iam_role.events) == 0 && length(aws_cloudwatch_event_target.approved_state_machine) == 0
    error_message = "Nothing to start, no role."
  }
}

run "rejects_bad_targets" {
  command = plan
  variables {
    approved_targets = { state_machines = { batch = { arn = "batch", data_uri = "s3://lake/x/" } } }
  }
  expect_failures = [var.approved_targets]
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

run "rejects_bad_account" {
  command = plan
  variables {
    consumer_account_ids = ["prod"]
  }
  expect_failures = [var.consumer_account_ids]
}

run "rejects_bad_topic" {
  command = plan
  variables {
    alerts_topic_arn = "alerts"
  }
  expect_failures = [var.alerts_topic_arn]
}

run "rejects_bad_name" {
  command = plan
  variables {
    name = "quality_prod"
  }
  expect_failures = [var.name]
}
