data "aws_region" "current" {}

locals {
  region = data.aws_region.current.name
  pipeline_widgets = [
    for key, arn in var.state_machine_arns : {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title  = "Pipeline ${key}: executions and duration"
        region = local.region
        stat   = "Sum"
        period = 3600
        metrics = [
          ["AWS/States", "ExecutionsSucceeded", "StateMachineArn", arn],
          [".", "ExecutionsFailed", ".", "."],
          [".", "ExecutionsTimedOut", ".", "."],
          [".", "ExecutionTime", ".", ".", { stat = "Average", yAxis = "right" }],
        ]
      }
    }
  ]
  endpoint_widgets = [
    for endpoint in var.endpoint_names : {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title  = "Endpoint ${endpoint}: invocations, errors, latency"
        region = local.region
        period = 300
        metrics = [
          ["AWS/SageMaker", "Invocations", "EndpointName", endpoint, "VariantName", "primary", { stat = "Sum" }],
          [".", "Invocation5XXErrors", ".", ".", ".", ".", { stat = "Sum" }],
          [".", "Invocation4XXErrors", ".", ".", ".", ".", { stat = "Sum" }],
          [".", "ModelLatency", ".", ".", ".", ".", { stat = "p90", yAxis = "right" }],
        ]
      }
    }
  ]
  monitoring_widget = {
    type   = "log"
    width  = 24
    height = 6
    properties = {
      title  = "Monitoring violations reported by the pipelines"
      region = local.region
      query  = "SOURCE '/aws/vendedlogs/states/${var.name}-batch-inference' | fields @timestamp, @message | filter @message like /violation/ | sort @timestamp desc | limit 50"
    }
  }
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({ widgets = concat(local.pipeline_widgets, local.endpoint_widgets, [local.monitoring_widget], local.publish_budget ? [local.budget_widget] : []) })
}

resource "aws_cloudwatch_metric_alarm" "pipeline_failed" {
  for_each = var.state_machine_arns

  alarm_name          = "${var.name}-${each.key}-failed"
  alarm_description   = "An execution of the ${each.key} pipeline failed, timed out or was aborted"
  namespace           = "AWS/States"
  metric_name         = "ExecutionsFailed"
  dimensions          = { StateMachineArn = each.value }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alerts_topic_arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "endpoint_errors" {
  for_each = toset(var.endpoint_names)

  alarm_name          = "${var.name}-${each.key}-5xx"
  alarm_description   = "Endpoint ${each.key} answers with server errors"
  namespace           = "AWS/SageMaker"
  metric_name         = "Invocation5XXErrors"
  dimensions          = { EndpointName = each.key, VariantName = "primary" }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.endpoint_error_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alerts_topic_arn]
  ok_actions          = [var.alerts_topic_arn]
  tags                = var.tags
}

resource "aws_budgets_budget" "this" {
  count = var.create_cost_controls ? 1 : 0

  name         = var.name
  budget_type  = "COST"
  limit_amount = tostring(var.budget.monthly_limit_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"
  tags         = var.tags

  cost_filter {
    name   = "TagKeyValue"
    values = [format("user:%s$%s", var.budget.cost_allocation_tag, var.budget.cost_allocation_value)]
  }

  dynamic "notification" {
    for_each = toset(var.budget.notify_at_percent)
    content {
      comparison_operator       = "GREATER_THAN"
      threshold                 = notification.value
      threshold_type            = "PERCENTAGE"
      notification_type         = "FORECASTED"
      subscriber_sns_topic_arns = [var.alerts_topic_arn]
    }
  }
}

resource "aws_ce_anomaly_monitor" "this" {
  count = var.create_cost_controls ? 1 : 0

  name         = var.name
  monitor_type = "CUSTOM"
  tags         = var.tags
  # Every Expression field spelled out: the provider reads the monitor back as the whole
  # Expression (absent fields as null) and would otherwise plan a replacement after each apply.
  monitor_specification = jsonencode({
    And            = null
    CostCategories = null
    Dimensions     = null
    Not            = null
    Or             = null
    Tags           = { Key = var.budget.cost_allocation_tag, Values = [var.budget.cost_allocation_value], MatchOptions = ["EQUALS"] }
  })
}

resource "aws_ce_anomaly_subscription" "this" {
  count = var.create_cost_controls ? 1 : 0

  name             = var.name
  frequency        = "IMMEDIATE"
  monitor_arn_list = [aws_ce_anomaly_monitor.this[0].arn]
  tags             = var.tags

  subscriber {
    type    = "SNS"
    address = var.alerts_topic_arn
  }

  threshold_expression {
    dimension {
      key           = "ANOMALY_TOTAL_IMPACT_ABSOLUTE"
      match_options = ["GREATER_THAN_OR_EQUAL"]
      values        = [tostring(var.budget.anomaly_threshold_usd)]
    }
  }
}
