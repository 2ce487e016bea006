# The budget's actual and forecasted spend on the dashboard. AWS Budgets publishes no CloudWatch
# metric, so a small state machine reads the budget (budgets:DescribeBudget) and puts its figures
# into CloudWatch (MLOps/Budget), started by EventBridge Scheduler every `every_hours` hours. Each
# role may do that one thing: view this budget, put metrics in that namespace, start this state
# machine.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  publish_budget   = var.create_cost_controls && var.budget_metrics != null
  budget_publisher = "${var.name}-budget-metrics"
  budget_namespace = "MLOps/Budget"
  account          = data.aws_caller_identity.current.account_id
  partition        = data.aws_partition.current.partition
  budget_figure = { for name, path in { ActualSpend = "$.spend.ActualSpend.Amount", ForecastedSpend = "$.spend.ForecastedSpend.Amount" } : name => {
    MetricName = name
    Dimensions = [{ Name = "Budget", Value = var.name }]
    Unit       = "None"
    "Value.$"  = "States.StringToJson(${path})" # Budgets gives amounts as text
  } }
  budget_put = { for name, figures in { publish-actual = ["ActualSpend"], publish-actual-and-forecast = ["ActualSpend", "ForecastedSpend"] } : name => {
    Type       = "Task"
    Resource   = "arn:${local.partition}:states:::aws-sdk:cloudwatch:putMetricData"
    Parameters = { Namespace = local.budget_namespace, MetricData = [for f in figures : local.budget_figure[f]] }
    Retry      = [{ ErrorEquals = ["States.ALL"], IntervalSeconds = 5, MaxAttempts = 3, BackoffRate = 2 }]
    End        = true
  } }
  budget_definition = {
    Comment = "Puts budget ${var.name}'s actual and forecasted spend into CloudWatch (${local.budget_namespace}) for the dashboard (modules/observability budget_metrics)."
    StartAt = "describe-budget"
    States = merge(local.budget_put, {
      describe-budget = {
        Type           = "Task"
        Resource       = "arn:${local.partition}:states:::aws-sdk:budgets:describeBudget"
        Parameters     = { AccountId = local.account, BudgetName = var.name }
        ResultSelector = { "spend.$" = "$.Budget.CalculatedSpend" }
        Retry          = [{ ErrorEquals = ["States.ALL"], IntervalSeconds = 5, MaxAttempts = 3, BackoffRate = 2 }]
        Next           = "forecast-known"
      }
      # Early in a month Budgets has no forecast yet: the actual spend alone is published.
      forecast-known = {
        Type    = "Choice"
        Choices = [{ Variable = "$.spend.ForecastedSpend.Amount", IsPresent = true, Next = "publish-actual-and-forecast" }]
        Default = "publish-actual"
      }
    })
  }
  budget_widget = {
    type   = "metric"
    width  = 12
    height = 6
    properties = {
      title       = "Budget ${var.name}: spend this month, actual and forecast (USD)"
      region      = local.region
      stat        = "Maximum"
      period      = 3600 * try(var.budget_metrics.every_hours, 6)
      metrics     = [[local.budget_namespace, "ActualSpend", "Budget", var.name], [".", "ForecastedSpend", ".", "."]]
      annotations = { horizontal = [{ label = "monthly limit", value = var.budget.monthly_limit_usd }] }
    }
  }
}

resource "aws_cloudwatch_log_group" "budget_metrics" {
  count = local.publish_budget ? 1 : 0

  name              = "/aws/vendedlogs/states/${local.budget_publisher}"
  retention_in_days = 365
  kms_key_id        = var.budget_metrics.kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "budget_metrics_trust" {
  for_each = local.publish_budget ? { states = "states.amazonaws.com", schedule = "scheduler.amazonaws.com" } : {}

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = [each.value]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

data "aws_iam_policy_document" "budget_metrics" {
  count = local.publish_budget ? 1 : 0

  statement {
    sid       = "ViewThisBudget"
    actions   = ["budgets:ViewBudget"]
    resources = ["arn:${local.partition}:budgets::${local.account}:budget/${var.name}"]
  }

  statement {
    sid       = "PutTheBudgetMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"] # PutMetricData takes no resource; the namespace condition narrows it

    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = [local.budget_namespace]
    }
  }

  statement {
    sid       = "UseTheKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.budget_metrics.kms_key_arn]
  }

  # Step Functions log delivery and X-Ray accept no resource-level permissions (AWS documents "*").
  statement {
    sid = "LogDeliveryAndTracing"
    actions = [
      "logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups", "logs:DescribeResourcePolicies",
      "logs:GetLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:UpdateLogDelivery",
      "xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role" "budget_metrics" {
  for_each = data.aws_iam_policy_document.budget_metrics_trust

  name                 = each.key == "states" ? local.budget_publisher : "${local.budget_publisher}-schedule"
  path                 = var.budget_metrics.role_path
  assume_role_policy   = each.value.json
  permissions_boundary = var.budget_metrics.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "budget_metrics" {
  count = local.publish_budget ? 1 : 0

  name   = local.budget_publisher
  role   = aws_iam_role.budget_metrics["states"].id
  policy = data.aws_iam_policy_document.budget_metrics[0].json
}

resource "aws_sfn_state_machine" "budget_metrics" {
  count = local.publish_budget ? 1 : 0

  name       = local.budget_publisher
  role_arn   = aws_iam_role.budget_metrics["states"].arn
  type       = "STANDARD"
  definition = jsonencode(local.budget_definition)
  tags       = var.tags

  logging_configuration {
    level                  = "ALL"
    include_execution_data = true
    log_destination        = "${aws_cloudwatch_log_group.budget_metrics[0].arn}:*"
  }

  tracing_configuration {
    enabled = true
  }

  encryption_configuration {
    type                              = "CUSTOMER_MANAGED_KMS_KEY"
    kms_key_id                        = var.budget_metrics.kms_key_arn
    kms_data_key_reuse_period_seconds = 300
  }

  depends_on = [aws_iam_role_policy.budget_metrics]
}

data "aws_iam_policy_document" "budget_schedule" {
  count = local.publish_budget ? 1 : 0

  statement {
    sid       = "StartThePublisher"
    actions   = ["states:StartExecution"]
    resources = [aws_sfn_state_machine.budget_metrics[0].arn]
  }
}

resource "aws_iam_role_policy" "budget_schedule" {
  count = local.publish_budget ? 1 : 0

  name   = "${local.budget_publisher}-schedule"
  role   = aws_iam_role.budget_metrics["schedule"].id
  policy = data.aws_iam_policy_document.budget_schedule[0].json
}

resource "aws_scheduler_schedule" "budget_metrics" {
  count = local.publish_budget ? 1 : 0

  name                = local.budget_publisher
  description         = "Puts budget ${var.name}'s spend into CloudWatch for the dashboard (observability budget_metrics)."
  schedule_expression = "rate(${var.budget_metrics.every_hours} hours)"
  kms_key_arn         = var.budget_metrics.kms_key_arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_sfn_state_machine.budget_metrics[0].arn
    role_arn = aws_iam_role.budget_metrics["schedule"].arn
    input    = jsonencode({})

    retry_policy {
      maximum_retry_attempts = 3
    }
  }
}
