output "alarm_arns" {
  description = "Drift alarms by feature."
  value       = { for k, a in aws_cloudwatch_metric_alarm.drift : k => a.arn }
}

output "job_definition_name" {
  description = "Name of the data-quality job definition."
  value       = aws_sagemaker_data_quality_job_definition.this.name
}

output "monitoring_settings" {
  description = "What a pipeline needs to create the monitors the provider has no resource for (model quality, bias, explainability) with the same guard rails: role, key, network, reports prefix, schedule."
  value = {
    kms_key_arn         = var.kms_key_arn
    reports_s3_uri      = var.reports_s3_uri
    role_arn            = var.execution_role_arn
    schedule_expression = var.schedule_expression
    security_group_ids  = var.network.security_group_ids
    subnet_ids          = var.network.subnet_ids
  }
}

output "schedule_name" {
  description = "Name of the monitoring schedule (null when create_schedule is false)."
  value       = try(aws_sagemaker_monitoring_schedule.this[0].name, null)
}
