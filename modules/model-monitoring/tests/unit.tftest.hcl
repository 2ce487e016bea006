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
  name               = "unit-data-quality"
  endpoint_name      = "unit-endpoint"
  execution_role_arn = "arn:aws:iam::123456789012:role/mlops/unit-sagemaker-execution"
  kms_key_arn        = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
  reports_s3_uri     = "s3://unit-artifacts/quality/monitoring/"
  network            = { subnet_ids = ["subnet-0a"], security_group_ids = ["sg-0a"] }
  baseline = {
    statistics_s3_uri  = "s3://unit-artifacts/quality/training/exp/run/model-monitoring/statistics.json"
    constraints_s3_uri = "s3://unit-artifacts/quality/training/exp/run/model-monitoring/constraints.json"
  }
  alarm = { features = ["torque_nm", "tool_wear_min"], alerts_topic_arn = "arn:aws:sns:eu-central-1:123456789012:unit-alerts" }
}

run "isolated_encrypted_and_alarmed" {
  command = plan

  assert {
    condition     = aws_sagemaker_data_quality_job_definition.this.network_config[0].enable_network_isolation && aws_sagemaker_data_quality_job_definition.this.network_config[0].enable_inter_container_traffic_encryption
    error_message = "Monitoring jobs run network-isolated with encrypted inter-container traffic."
  }

  assert {
    condition     = aws_sagemaker_data_quality_job_definition.this.job_resources[0].cluster_config[0].volume_kms_key_id == var.kms_key_arn && aws_sagemaker_data_quality_job_definition.this.data_quality_job_output_config[0].kms_key_id == var.kms_key_arn
    error_message = "Volumes and reports are encrypted with the CMK."
  }

  assert {
    condition     = strcontains(aws_sagemaker_data_quality_job_definition.this.data_quality_app_specification[0].image_uri, "sagemaker-model-monitor-analyzer")
    error_message = "Model Monitor's analyzer image is used."
  }

  assert {
    condition     = length(aws_sagemaker_monitoring_schedule.this) == 1 && aws_cloudwatch_metric_alarm.drift["torque_nm"].alarm_actions == toset(["arn:aws:sns:eu-central-1:123456789012:unit-alerts"])
    error_message = "The endpoint is watched on a schedule and drift alarms reach the topic."
  }
}

run "local_profile_skips_the_schedule" {
  command = plan
  variables {
    create_schedule = false
  }
  assert {
    condition     = length(aws_sagemaker_monitoring_schedule.this) == 0
    error_message = "create_schedule = false plans no schedule."
  }
}

run "rejects_alarm_without_action" {
  command = plan
  variables {
    alarm = { features = ["torque_nm"], alerts_topic_arn = "" }
  }
  expect_failures = [var.alarm]
}

run "rejects_local_baseline" {
  command = plan
  variables {
    baseline = { statistics_s3_uri = "/tmp/statistics.json", constraints_s3_uri = "s3://a/c.json" }
  }
  expect_failures = [var.baseline]
}

run "rejects_no_vpc" {
  command = plan
  variables {
    network = { subnet_ids = [], security_group_ids = [] }
  }
  expect_failures = [var.network]
}

run "rejects_non_ml_instance" {
  command = plan
  variables {
    instance_type = "t3.large"
  }
  expect_failures = [var.instance_type]
}

run "rejects_rate_expression" {
  command = plan
  variables {
    schedule_expression = "rate(1 hour)"
  }
  expect_failures = [var.schedule_expression]
}

run "rejects_local_reports" {
  command = plan
  variables {
    reports_s3_uri = "reports/"
  }
  expect_failures = [var.reports_s3_uri]
}

run "rejects_bad_endpoint" {
  command = plan
  variables {
    endpoint_name = "bad_endpoint"
  }
  expect_failures = [var.endpoint_name]
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
    name = "x"
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
