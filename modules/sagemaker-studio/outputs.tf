output "domain_arn" {
  description = "ARN of the Studio domain (null when create_domain = false)."
  value       = try(aws_sagemaker_domain.this[0].arn, null)
}

output "domain_id" {
  description = "ID of the Studio domain (null when create_domain = false)."
  value       = try(aws_sagemaker_domain.this[0].id, null)
}

output "notebook_instance_name" {
  description = "Name of the notebook instance (null when notebook_instance = null)."
  value       = try(aws_sagemaker_notebook_instance.this[0].name, null)
}

output "user_profile_arns" {
  description = "ARNs of the user profiles, by user name."
  value       = { for k, p in aws_sagemaker_user_profile.this : k => p.arn }
}
