output "boundary_arn" {
  description = "Permission boundary every role carries."
  value       = module.iam.boundary_arn
}

output "bucket_names" {
  description = "Data and artifact bucket names."
  value       = module.storage.bucket_names
}

output "private_subnet_ids" {
  description = "Private subnets for SageMaker jobs."
  value       = module.network.private_subnet_ids
}

output "role_arns" {
  description = "Roles of the use case."
  value       = { sagemaker-execution = module.iam.execution_role_arn }
}

output "workload_security_group_id" {
  description = "Security group for SageMaker jobs."
  value       = module.network.workload_security_group_id
}
