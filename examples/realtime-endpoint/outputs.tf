output "endpoint_name" {
  description = "Name of the endpoint (invoke it through the sagemaker.runtime VPC endpoint)."
  value       = module.endpoint.endpoint_name
}

output "job_definition_name" {
  description = "The data-quality job definition (an on-demand run: a schedule with ScheduleExpression NOW naming it)."
  value       = module.monitoring.job_definition_name
}

output "monitoring_schedule" {
  description = "The data-quality schedule watching the endpoint."
  value       = module.monitoring.schedule_name
}
