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
  name               = "unit-quality"
  alerts_topic_arn   = "arn:aws:sns:eu-central-1:123456789012:unit-alerts"
  state_machine_arns = { training = "arn:aws:states:eu-central-1:123456789012:stateMachine:unit-training" }
  endpoint_names     = ["unit-endpoint"]
  budget             = { cost_allocation_value = "cc-1234", monthly_limit_usd = 500 }
}

run "dashboard_alarms_and_cost_controls" {
  command = plan

  assert {
    condition     = length(jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets) == 3
    error_message = "One widget per pipeline and endpoint, plus monitoring violations."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.pipeline_failed["training"].alarm_actions == toset([var.alerts_topic_arn]) && aws_cloudwatch_metric_alarm.endpoint_errors["unit-endpoint"].alarm_actions == toset([var.alerts_topic_arn])
    error_message = "Every alarm acts: it notifies the alerts topic."
  }

  assert {
    condition     = one(aws_budgets_budget.this[0].cost_filter).values == tolist(["user:cost-center$cc-1234"]) && length(aws_budgets_budget.this[0].notification) == 2
    error_message = "The budget follows the use case's cost-allocation tag and notifies at 80% and 100%."
  }

  assert {
    condition     = strcontains(aws_ce_anomaly_monitor.this[0].monitor_specification, "cc-1234")
    error_message = "The anomaly monitor is scoped by the cost-allocation tag."
  }
}

run "local_profile_skips_cost_controls" {
  command = plan
  variables {
    create_cost_controls = false
  }
  assert {
    condition     = length(aws_budgets_budget.this) == 0 && length(aws_ce_anomaly_monitor.this) == 0
    error_message = "create_cost_controls = false plans no budget and no monitor."
  }
}

run "rejects_budget_without_notification" {
  command = plan
  variables {
    budget = { cost_allocation_value = "cc-1234", monthly_limit_usd = 500, notify_at_percent = [] }
  }
  expect_failures = [var.budget]
}

run "rejects_alarms_without_topic" {
  command = plan
  variables {
    alerts_topic_arn = ""
  }
  expect_failures = [var.alerts_topic_arn]
}

run "rejects_no_pipelines" {
  command = plan
  variables {
    state_machine_arns = {}
  }
  expect_failures = [var.state_machine_arns]
}

run "rejects_zero_error_threshold" {
  command = plan
  variables {
    endpoint_error_threshold = 0
  }
  expect_failures = [var.endpoint_error_threshold]
}

run "rejects_bad_name" {
  command = plan
  variables {
    name = "a b"
  }
  expect_failures = [var.name]
}
