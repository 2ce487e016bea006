output "deployment_record_s3_uri" {
  description = "The record of what each variant serves, beside the capture: every version of this object is one deployment (mlops lineage reads them)."
  value       = "s3://${aws_s3_object.deployment_record.bucket}/${aws_s3_object.deployment_record.key}"
}

output "endpoint_arn" {
  description = "ARN of the endpoint."
  value       = aws_sagemaker_endpoint.this.arn
}

output "endpoint_config_name" {
  description = "Name of the endpoint configuration in use."
  value       = aws_sagemaker_endpoint_configuration.this.name
}

output "endpoint_name" {
  description = "Name of the endpoint (what clients invoke and monitoring schedules watch)."
  value       = aws_sagemaker_endpoint.this.name
}

output "model_name" {
  description = "Name of the SageMaker model behind the endpoint."
  value       = aws_sagemaker_model.this.name
}

output "shadow_model_name" {
  description = "Name of the SageMaker model of the shadow variant (null without one); its traffic is captured under <capture prefix>/<endpoint>/shadow/."
  value       = one(aws_sagemaker_model.shadow[*].name)
}
