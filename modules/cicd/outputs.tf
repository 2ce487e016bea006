output "codebuild_project_arns" {
  description = "ARNs of the build projects by stage (plan, policy, test, apply, deploy-inference)."
  value       = { for k, p in aws_codebuild_project.this : k => p.arn }
}

output "inference_pipeline_arn" {
  description = "ARN of the inference pipeline: a target of the model registry's Approved rule (approved_targets.codepipeline_arns)."
  value       = try(aws_codepipeline.inference[0].arn, null)
}

output "infrastructure_pipeline_arn" {
  description = "ARN of the infrastructure pipeline (source, checks, approval, apply)."
  value       = try(aws_codepipeline.infrastructure[0].arn, null)
}

output "role_arns" {
  description = "ARNs of the module's service roles (codebuild, codepipeline)."
  value       = { for k, r in aws_iam_role.this : k => r.arn }
}
