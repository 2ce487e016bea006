output "boundary_arn" {
  description = "ARN of the permission boundary: pass it to every module that creates a role."
  value       = aws_iam_policy.boundary.arn
}

output "role_arns" {
  description = "ARNs of the roles created, by role key (sagemaker-execution, eventbridge, lambda, codebuild, codepipeline)."
  value       = { for k, r in aws_iam_role.this : k => r.arn }
}

output "role_names" {
  description = "Names of the roles created, by role key."
  value       = { for k, r in aws_iam_role.this : k => r.name }
}
