output "alarm_arns" {
  description = "ARNs of the pipeline and endpoint alarms."
  value       = concat([for a in aws_cloudwatch_metric_alarm.pipeline_failed : a.arn], [for a in aws_cloudwatch_metric_alarm.endpoint_errors : a.arn])
}

output "budget_metrics_state_machine_arn" {
  description = "ARN of the state machine that puts the budget's spend into CloudWatch (null without budget_metrics or cost controls)."
  value       = one(aws_sfn_state_machine.budget_metrics[*].arn)
}

output "dashboard_name" {
  description = "Name of the use case's CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}
