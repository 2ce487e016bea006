output "boundary_arn" {
  description = "ARN of the permission boundary: pass it to every module that creates a role."
  value       = aws_iam_policy.boundary.arn
}

output "execution_role_arn" {
  description = "ARN of the SageMaker execution role (null when sagemaker_execution is null): the execution_role_arn of the pipelines, Studio and endpoints."
  value       = try(aws_iam_role.execution[0].arn, null)
}

output "execution_role_name" {
  description = "Name of the SageMaker execution role (null when sagemaker_execution is null)."
  value       = try(aws_iam_role.execution[0].name, null)
}
