# Offline unit tests. The AWS provider validates the budget publisher's state machine definition
# through the Step Functions API and reads the caller's account even at plan, so these use a
# mocked provider; the real provider applies the module against the emulator in the end-to-end
# layer (examples/use-case-complete).

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

run "budget_metrics_chart_actual_and_forecast" {
  command = plan
  variables {
    budget_metrics = {
      kms_key_arn              = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
      permissions_boundary_arn = "arn:aws:iam::123456789012:policy/mlops/unit-permission-boundary"
    }
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets[3].properties.metrics == [["MLOps/Budget", "ActualSpend", "Budget", "unit-quality"], [".", "ForecastedSpend", ".", "."]] && jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets[3].properties.annotations.horizontal[0].value == 500
    error_message = "The dashboard charts the published spend against the monthly limit."
  }

  assert {
    condition     = jsondecode(aws_sfn_state_machine.budget_metrics[0].definition).States["describe-budget"].Parameters == { AccountId = "123456789012", BudgetName = "unit-quality" } && [for d in jsondecode(aws_sfn_state_machine.budget_metrics[0].definition).States["publish-actual-and-forecast"].Parameters.MetricData : d.MetricName] == ["ActualSpend", "ForecastedSpend"] && length(jsondecode(aws_sfn_state_machine.budget_metrics[0].definition).States["publish-actual"].Parameters.MetricData) == 1
    error_message = "The publisher reads this budget and puts both figures, or the actual alone while Budgets has no forecast."
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.budget_metrics[0].statement : s.resources if s.sid == "ViewThisBudget"]) == toset(["arn:aws:budgets::123456789012:budget/unit-quality"]) && one([for s in data.aws_iam_policy_document.budget_metrics[0].statement : [for c in s.condition : "${c.test} ${c.variable} ${join(",", c.values)}"] if s.sid == "PutTheBudgetMetrics"]) == ["StringEquals cloudwatch:namespace MLOps/Budget"]
    error_message = "The publisher may view this budget and put metrics in its own namespace only."
  }

  assert {
    condition     = aws_scheduler_schedule.budget_metrics[0].schedule_expression == "rate(6 hours)" && aws_iam_role.budget_metrics["states"].permissions_boundary == var.budget_metrics.permissions_boundary_arn && aws_iam_role.budget_metrics["schedule"].path == "/mlops/"
    error_message = "Every six hours by default; both roles bounded under the registry's path."
  }
}

run "budget_metrics_need_cost_controls" {
  command = plan
  variables {
    create_cost_controls = false
    budget_metrics = {
      kms_key_arn              = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
      permissions_boundary_arn = "arn:aws:iam::123456789012:policy/mlops/unit-permission-boundary"
    }
  }
  assert {
    condition     = length(aws_sfn_state_machine.budget_metrics) == 0 && length(jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets) == 3
    error_message = "Without the budget there is nothing to publish or chart."
  }
}

run "rejects_budget_metrics_every_zero_hours" {
  command = plan
  variables {
    budget_metrics = {
      kms_key_arn              = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
      permissions_boundary_arn = "arn:aws:iam::123456789012:policy/mlops/unit-permission-boundary"
      every_hours              = 0
    }
  }
  expect_failures = [var.budget_metrics]
}

run "rejects_budget_metrics_without_a_key" {
  command = plan
  variables {
    budget_metrics = {
      kms_key_arn              = "alias/aws/states"
      permissions_boundary_arn = "arn:aws:iam::123456789012:policy/mlops/unit-permission-boundary"
    }
  }
  expect_failures = [var.budget_metrics]
}
