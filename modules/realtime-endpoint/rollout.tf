# Safe rollouts: blue/green updates with a traffic-shifting strategy and automatic rollback on
# alarms. Serverless endpoints do not support deployment guardrails: they update at once.

locals {
  strategy = coalesce(var.rollout.strategy, var.environment == "prod" ? "CANARY" : "ALL_AT_ONCE")
  # An alarm nobody hears helps no one (and fails the policy gate): the module's alarms exist
  # when they have a topic to notify.
  alarmed = local.instance_based && var.rollout.alerts_topic_arn != null
  rollback_alarms = concat(
    [for a in aws_cloudwatch_metric_alarm.error_rate : a.alarm_name],
    aws_cloudwatch_metric_alarm.latency[*].alarm_name,
    var.rollout.rollback_alarm_names,
  )
  step = local.strategy == "CANARY" ? var.rollout.canary_percent : var.rollout.linear_step_percent
  # Endpoint metrics SageMaker publishes per variant; rates are errors per invocation.
  error_rates = {
    "5xx" = "Invocation5XXErrors"
    "4xx" = "Invocation4XXErrors"
  }
}

resource "aws_cloudwatch_metric_alarm" "error_rate" {
  #checkov:skip=CKV_MLOPS_17:created only when rollout.alerts_topic_arn (a validated SNS ARN) is set, which is its alarm action; the HCL scan cannot see the count
  for_each = local.alarmed ? local.error_rates : {}

  alarm_name          = "${var.name}-${each.key}-rate"
  alarm_description   = "${each.key} responses above ${var.rollout.error_rate_percent} % of invocations on ${var.name}: rolls an update back"
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.rollout.error_rate_percent
  evaluation_periods  = 2
  datapoints_to_alarm = 2
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.rollout.alerts_topic_arn]
  ok_actions          = [var.rollout.alerts_topic_arn]
  tags                = var.tags

  metric_query {
    id          = "rate"
    expression  = "100 * errors / MAX([errors, invocations])"
    label       = "${each.key} per invocation (%)"
    return_data = true
  }

  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/SageMaker"
      metric_name = each.value
      dimensions  = { EndpointName = var.name, VariantName = "primary" }
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id = "invocations"
    metric {
      namespace   = "AWS/SageMaker"
      metric_name = "Invocations"
      dimensions  = { EndpointName = var.name, VariantName = "primary" }
      period      = 60
      stat        = "Sum"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "latency" {
  #checkov:skip=CKV_MLOPS_17:created only when rollout.alerts_topic_arn (a validated SNS ARN) is set, which is its alarm action; the HCL scan cannot see the count
  count = local.alarmed ? 1 : 0

  alarm_name          = "${var.name}-model-latency-p99"
  alarm_description   = "p99 model latency above ${var.rollout.latency_p99_ms} ms on ${var.name}: rolls an update back"
  namespace           = "AWS/SageMaker"
  metric_name         = "ModelLatency"
  dimensions          = { EndpointName = var.name, VariantName = "primary" }
  extended_statistic  = "p99"
  period              = 60
  evaluation_periods  = 2
  datapoints_to_alarm = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.rollout.latency_p99_ms * 1000 # ModelLatency is in microseconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.rollout.alerts_topic_arn]
  ok_actions          = [var.rollout.alerts_topic_arn]
  tags                = var.tags
}

check "prod_rolls_back_on_alarms" {
  assert {
    condition     = var.environment != "prod" || !local.instance_based || length(local.rollback_alarms) > 0
    error_message = "rollout: this prod endpoint's updates have no rollback alarm: give rollout.alerts_topic_arn (the module's 5xx, 4xx and latency alarms) or rollback_alarm_names."
  }
}
