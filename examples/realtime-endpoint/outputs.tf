output "api_monitors" {
  description = "What `mlops endpoint-monitors --outputs` sets the model-quality, bias and explainability monitors up from (through the SageMaker API: the provider has no resource for them)."
  value = {
    alerts_topic_arn    = var.platform.alerts_topic_arn
    bias_facet          = var.bias_facet
    endpoint_name       = module.endpoint.endpoint_name
    ground_truth_s3_uri = "s3://${var.platform.artifacts_bucket}/${var.use_case}/ground-truth/${module.endpoint.endpoint_name}"
    kms_key_arn         = var.platform.kms_key_arn
    model_package_arn   = var.model_package_arn
    reports_s3_uri      = "s3://${var.platform.artifacts_bucket}/${var.use_case}/monitoring/api"
    role_arn            = var.platform.execution_role_arn
    security_group_ids  = var.platform.security_group_ids
    subnet_ids          = var.platform.subnet_ids
  }
}

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
