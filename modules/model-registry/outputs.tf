output "approved_rule_arn" {
  description = "ARN of the rule that fires on ModelApprovalStatus = Approved."
  value       = aws_cloudwatch_event_rule.approved.arn
}

output "drift_rule_arn" {
  description = "ARN of the rule that starts retraining on a drift event (null when drift_retraining is null)."
  value       = try(aws_cloudwatch_event_rule.drift["retraining"].arn, null)
}

output "events_role_arn" {
  description = "ARN of the role the approval rule starts its targets with (null without targets)."
  value       = try(aws_iam_role.events[0].arn, null)
}

output "group_arn" {
  description = "ARN of the model package group."
  value       = aws_sagemaker_model_package_group.this.arn
}

output "group_name" {
  description = "Name of the model package group (the pipelines' model_package_group_name)."
  value       = aws_sagemaker_model_package_group.this.model_package_group_name
}

output "rejected_rule_arn" {
  description = "ARN of the rule that fires on ModelApprovalStatus = Rejected."
  value       = aws_cloudwatch_event_rule.rejected.arn
}
