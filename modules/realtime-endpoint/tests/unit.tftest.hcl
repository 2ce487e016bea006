# Offline unit tests: the real AWS provider with fake credentials, no API calls (plan only).

provider "aws" {
  region                      = "eu-central-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

variables {
  name               = "unit-endpoint"
  environment        = "dev"
  execution_role_arn = "arn:aws:iam::123456789012:role/mlops/unit-sagemaker-execution"
  kms_key_arn        = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
  model = {
    model_data_url = "s3://unit-artifacts/quality/training/exp/run/training/candidate-0/job/output/model.tar.gz"
    prebuilt_image = { repository_name = "sagemaker-xgboost", image_tag = "1.7-1" }
  }
  network      = { subnet_ids = ["subnet-0a", "subnet-0b"], security_group_ids = ["sg-0a"] }
  data_capture = { destination_s3_uri = "s3://unit-artifacts/quality/capture/", sampling_percentage = 20 }
}

run "secure_defaults" {
  command = plan

  assert {
    condition     = aws_sagemaker_model.this.enable_network_isolation && aws_sagemaker_model.this.vpc_config[0].subnets == toset(["subnet-0a", "subnet-0b"])
    error_message = "The model runs network-isolated in the VPC."
  }

  assert {
    condition     = strcontains(aws_sagemaker_model.this.primary_container[0].image, "sagemaker-xgboost:1.7-1") && strcontains(aws_sagemaker_model.this.primary_container[0].image, "eu-central-1")
    error_message = "The prebuilt image is resolved for the region."
  }

  assert {
    condition     = aws_sagemaker_endpoint_configuration.this.kms_key_arn == var.kms_key_arn && aws_sagemaker_endpoint_configuration.this.data_capture_config[0].kms_key_id == var.kms_key_arn && aws_sagemaker_endpoint_configuration.this.data_capture_config[0].initial_sampling_percentage == 20
    error_message = "Storage and captured data are encrypted with the CMK at the requested sampling."
  }

  assert {
    condition     = aws_sagemaker_endpoint_configuration.this.name_prefix == "unit-endpoint-" && aws_appautoscaling_policy.this[0].target_tracking_scaling_policy_configuration[0].target_value == 100
    error_message = "Configs are replaced safely (name_prefix) and the variant scales on invocations."
  }
}

run "serverless_option" {
  command = plan
  variables {
    serverless = { memory_size_in_mb = 3072 }
  }
  assert {
    condition     = aws_sagemaker_endpoint_configuration.this.production_variants[0].serverless_config[0].memory_size_in_mb == 3072 && length(aws_appautoscaling_target.this) == 0
    error_message = "Serverless replaces instances and autoscaling."
  }
}

run "deploys_a_registered_package" {
  command = plan
  variables {
    model = { model_package_arn = "arn:aws:sagemaker:eu-central-1:123456789012:model-package/quality/3" }
  }
  assert {
    condition     = aws_sagemaker_model.this.primary_container[0].model_package_name == "arn:aws:sagemaker:eu-central-1:123456789012:model-package/quality/3"
    error_message = "A package from the registry can be deployed as is."
  }

  assert {
    condition     = aws_s3_object.deployment_record.bucket == "unit-artifacts" && aws_s3_object.deployment_record.key == "quality/capture/deployments/unit-endpoint.json" && jsondecode(aws_s3_object.deployment_record.content).variants == { primary = { model_package_arn = "arn:aws:sagemaker:eu-central-1:123456789012:model-package/quality/3", model_data_url = null, image = null } } && aws_s3_object.deployment_record.kms_key_id == var.kms_key_arn
    error_message = "The package served is recorded beside the capture, encrypted with the CMK: each version of the record is a deployment."
  }
}

run "prod_with_two_instances" {
  command = plan
  variables {
    environment = "prod"
    instance    = { count = 2 }
    autoscaling = { min_capacity = 2 }
    rollout     = { alerts_topic_arn = "arn:aws:sns:eu-central-1:123456789012:unit-alerts" }
  }
  assert {
    condition     = aws_sagemaker_endpoint_configuration.this.production_variants[0].initial_instance_count == 2
    error_message = "Prod runs at least two instances."
  }
}

run "rejects_prod_with_one_instance" {
  command = plan
  variables {
    environment = "prod"
    rollout     = { alerts_topic_arn = "arn:aws:sns:eu-central-1:123456789012:unit-alerts" }
  }
  expect_failures = [terraform_data.production_guard]
}

run "rejects_non_ml_instance" {
  command = plan
  variables {
    instance = { type = "m5.large" }
  }
  expect_failures = [var.instance]
}

run "rejects_capture_over_100" {
  command = plan
  variables {
    data_capture = { destination_s3_uri = "s3://unit-artifacts/capture/", sampling_percentage = 120 }
  }
  expect_failures = [var.data_capture]
}

run "rejects_two_model_sources" {
  command = plan
  variables {
    model = { model_data_url = "s3://a/model.tar.gz", image_uri = "img", prebuilt_image = { repository_name = "sagemaker-xgboost", image_tag = "1.7-1" } }
  }
  expect_failures = [var.model]
}

run "rejects_no_vpc" {
  command = plan
  variables {
    network = { subnet_ids = [], security_group_ids = [] }
  }
  expect_failures = [var.network]
}

run "rejects_bad_serverless_memory" {
  command = plan
  variables {
    serverless = { memory_size_in_mb = 1000 }
  }
  expect_failures = [var.serverless]
}

run "rejects_min_above_max" {
  command = plan
  variables {
    autoscaling = { min_capacity = 5, max_capacity = 2 }
  }
  expect_failures = [var.autoscaling]
}

run "rejects_unknown_environment" {
  command = plan
  variables {
    environment = "production"
  }
  expect_failures = [var.environment]
}

run "rejects_bad_role" {
  command = plan
  variables {
    execution_role_arn = "role"
  }
  expect_failures = [var.execution_role_arn]
}

run "rejects_alias" {
  command = plan
  variables {
    kms_key_arn = "alias/aws/sagemaker"
  }
  expect_failures = [var.kms_key_arn]
}

run "rejects_bad_name" {
  command = plan
  variables {
    name = "a"
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

run "dev_updates_at_once_with_rollback_alarms" {
  command = plan
  variables {
    rollout = { alerts_topic_arn = "arn:aws:sns:eu-central-1:123456789012:unit-alerts" }
  }

  assert {
    condition     = aws_sagemaker_endpoint.this.deployment_config[0].blue_green_update_policy[0].traffic_routing_configuration[0].type == "ALL_AT_ONCE" && length(aws_sagemaker_endpoint.this.deployment_config[0].auto_rollback_configuration[0].alarms) == 3
    error_message = "Outside prod an update shifts at once, still rolled back by the 5xx, 4xx and latency alarms."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.latency[0].threshold == 500000 && aws_cloudwatch_metric_alarm.latency[0].extended_statistic == "p99" && aws_cloudwatch_metric_alarm.error_rate["5xx"].threshold == 1
    error_message = "Rollback alarms: p99 model latency over 500 ms (in microseconds), 5xx over 1 % of invocations."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.latency[0].alarm_actions == toset(["arn:aws:sns:eu-central-1:123456789012:unit-alerts"])
    error_message = "The rollback alarms notify the alerts topic."
  }
}

run "no_topic_no_module_alarms" {
  command = plan

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.error_rate) == 0 && length(aws_sagemaker_endpoint.this.deployment_config[0].auto_rollback_configuration) == 0
    error_message = "Without a topic the module creates no alarm (none would be heard); updates still go blue/green."
  }
}

run "rejects_a_topic_that_is_not_sns" {
  command = plan
  variables {
    rollout = { alerts_topic_arn = "alerts" }
  }
  expect_failures = [var.rollout]
}

run "prod_defaults_to_a_canary" {
  command = plan
  variables {
    environment = "prod"
    instance    = { count = 2 }
    autoscaling = { min_capacity = 2 }
    rollout     = { rollback_alarm_names = ["unit-data-quality-drift-torque_nm"] }
  }

  assert {
    condition     = aws_sagemaker_endpoint.this.deployment_config[0].blue_green_update_policy[0].traffic_routing_configuration[0].type == "CANARY" && aws_sagemaker_endpoint.this.deployment_config[0].blue_green_update_policy[0].traffic_routing_configuration[0].canary_size[0].value == 10
    error_message = "A prod update goes to a 10 % canary first."
  }

  assert {
    condition     = contains([for a in aws_sagemaker_endpoint.this.deployment_config[0].auto_rollback_configuration[0].alarms : a.alarm_name], "unit-data-quality-drift-torque_nm") && aws_sagemaker_endpoint.this.deployment_config[0].blue_green_update_policy[0].termination_wait_in_seconds == 600
    error_message = "The drift alarm of model-monitoring also rolls back, and the old fleet bakes 10 minutes."
  }
}

run "warns_of_a_prod_endpoint_without_rollback_alarms" {
  command = plan
  variables {
    environment = "prod"
    instance    = { count = 2 }
    autoscaling = { min_capacity = 2 }
  }
  expect_failures = [check.prod_rolls_back_on_alarms]
}

run "linear_steps" {
  command = plan
  variables {
    rollout = { strategy = "LINEAR", linear_step_percent = 25, wait_seconds = 120 }
  }

  assert {
    condition     = aws_sagemaker_endpoint.this.deployment_config[0].blue_green_update_policy[0].traffic_routing_configuration[0].linear_step_size[0].value == 25 && aws_sagemaker_endpoint.this.deployment_config[0].blue_green_update_policy[0].traffic_routing_configuration[0].wait_interval_in_seconds == 120
    error_message = "LINEAR shifts 25 % every 120 s."
  }
}

run "serverless_has_no_guardrails" {
  command = plan
  variables {
    serverless = { memory_size_in_mb = 3072 }
  }

  assert {
    condition     = length(aws_sagemaker_endpoint.this.deployment_config) == 0 && length(aws_cloudwatch_metric_alarm.error_rate) == 0
    error_message = "Serverless endpoints do not support deployment guardrails: no deployment_config, no rollback alarms."
  }
}

run "rejects_unknown_strategy" {
  command = plan
  variables {
    rollout = { strategy = "BLUE" }
  }
  expect_failures = [var.rollout]
}

run "rejects_a_canary_over_half" {
  command = plan
  variables {
    rollout = { strategy = "CANARY", canary_percent = 80 }
  }
  expect_failures = [var.rollout]
}

run "stays_up_by_default" {
  command = plan

  assert {
    condition     = length(aws_scheduler_schedule.office_hours) == 0 && length(aws_iam_role.office_hours) == 0
    error_message = "Without office_hours the endpoint serves around the clock."
  }
}

run "stops_out_of_office_hours" {
  command = plan
  variables {
    office_hours = { permissions_boundary_arn = "arn:aws:iam::123456789012:policy/mlops/unit-boundary", timezone = "Europe/Berlin" }
  }

  assert {
    condition     = aws_scheduler_schedule.office_hours["stop"].schedule_expression == "cron(0 19 ? * MON-FRI *)" && aws_scheduler_schedule.office_hours["start"].schedule_expression == "cron(0 7 ? * MON-FRI *)" && aws_scheduler_schedule.office_hours["stop"].schedule_expression_timezone == "Europe/Berlin"
    error_message = "Working days 07:00 to 19:00 in the given timezone by default."
  }

  assert {
    condition     = aws_scheduler_schedule.office_hours["stop"].target[0].arn == "arn:aws:scheduler:::aws-sdk:sagemaker:deleteEndpoint" && aws_scheduler_schedule.office_hours["start"].target[0].arn == "arn:aws:scheduler:::aws-sdk:sagemaker:createEndpoint" && aws_scheduler_schedule.office_hours["stop"].kms_key_arn == var.kms_key_arn
    error_message = "Scheduler deletes the endpoint and creates it again through the SageMaker API; the schedules are encrypted with the CMK."
  }

  assert {
    condition     = aws_iam_role.office_hours[0].permissions_boundary == "arn:aws:iam::123456789012:policy/mlops/unit-boundary" && aws_iam_role.office_hours[0].path == "/mlops/"
    error_message = "The schedules' role stays within the use case's permission boundary."
  }
}

run "rejects_office_hours_for_prod" {
  command = plan
  variables {
    environment  = "prod"
    instance     = { count = 2 }
    autoscaling  = { min_capacity = 2 }
    rollout      = { alerts_topic_arn = "arn:aws:sns:eu-central-1:123456789012:unit-alerts" }
    office_hours = { permissions_boundary_arn = "arn:aws:iam::123456789012:policy/mlops/unit-boundary" }
  }
  expect_failures = [aws_scheduler_schedule.office_hours]
}

run "rejects_office_hours_for_serverless" {
  command = plan
  variables {
    serverless   = { memory_size_in_mb = 2048 }
    office_hours = { permissions_boundary_arn = "arn:aws:iam::123456789012:policy/mlops/unit-boundary" }
  }
  expect_failures = [aws_scheduler_schedule.office_hours]
}

run "rejects_office_hours_without_a_schedule_expression" {
  command = plan
  variables {
    office_hours = { permissions_boundary_arn = "arn:aws:iam::123456789012:policy/mlops/unit-boundary", stop = "19:00" }
  }
  expect_failures = [var.office_hours]
}

run "no_shadow_by_default" {
  command = plan

  assert {
    condition     = length(aws_sagemaker_model.shadow) == 0 && length(aws_sagemaker_endpoint_configuration.this.shadow_production_variants) == 0
    error_message = "Without shadow the endpoint has its primary variant only."
  }
}

run "shadow_gets_its_share_of_the_traffic" {
  command = plan
  variables {
    shadow = { model_data_url = "s3://unit-artifacts/quality/challenger/model.tar.gz", sampling_percentage = 25 }
  }
  assert {
    condition = [for v in aws_sagemaker_endpoint_configuration.this.shadow_production_variants : [
      v.variant_name, v.initial_variant_weight, v.instance_type, v.initial_instance_count
      ]] == [["shadow", 0.25, "ml.m5.large", 1]] && aws_sagemaker_model.shadow[0].primary_container[0].model_data_url == "s3://unit-artifacts/quality/challenger/model.tar.gz" && (
      aws_sagemaker_model.shadow[0].primary_container[0].image == aws_sagemaker_model.this.primary_container[0].image
    )
    error_message = "The shadow is a variant named shadow with a quarter of the primary's weight, serving the challenger with the primary's image on its instance type."
  }

  assert {
    condition     = jsondecode(aws_s3_object.deployment_record.content).variants.shadow.model_data_url == "s3://unit-artifacts/quality/challenger/model.tar.gz"
    error_message = "The shadow's model is recorded with the primary's."
  }
}

run "rejects_a_shadow_with_two_model_sources" {
  command = plan
  variables {
    shadow = {
      model_data_url    = "s3://unit-artifacts/quality/challenger/model.tar.gz"
      model_package_arn = "arn:aws:sagemaker:eu-central-1:123456789012:model-package/quality/4"
    }
  }
  expect_failures = [var.shadow]
}

run "rejects_a_shadow_sampling_over_100" {
  command = plan
  variables {
    shadow = { model_package_arn = "arn:aws:sagemaker:eu-central-1:123456789012:model-package/quality/4", sampling_percentage = 150 }
  }
  expect_failures = [var.shadow]
}

run "rejects_a_shadow_of_a_serverless_endpoint" {
  command = plan
  variables {
    serverless = { memory_size_in_mb = 2048 }
    shadow     = { model_package_arn = "arn:aws:sagemaker:eu-central-1:123456789012:model-package/quality/4" }
  }
  expect_failures = [aws_sagemaker_model.shadow]
}

run "rejects_a_shadow_artefact_without_an_image" {
  command = plan
  variables {
    model  = { model_package_arn = "arn:aws:sagemaker:eu-central-1:123456789012:model-package/quality/3" }
    shadow = { model_data_url = "s3://unit-artifacts/quality/challenger/model.tar.gz" }
  }
  expect_failures = [aws_sagemaker_model.shadow]
}
