output "log_group_name" {
  description = "Log group of the executions (level ALL, with execution data)."
  value       = aws_cloudwatch_log_group.this.name
}

output "role_arn" {
  description = "ARN of the state machine's role (derived from the definition's integrations)."
  value       = aws_iam_role.this.arn
}

output "schedule_role_arn" {
  description = "ARN of the schedule's role (null without a schedule)."
  value       = try(aws_iam_role.schedule[0].arn, null)
}

output "state_machine_arn" {
  description = "ARN of the state machine."
  value       = aws_sfn_state_machine.this.arn
}

output "state_machine_name" {
  description = "Name of the state machine."
  value       = aws_sfn_state_machine.this.name
}

output "step_code_uri" {
  description = "s3:// URI of the uploaded step-code artefact (null when none)."
  value       = try("s3://${aws_s3_object.step_code[0].bucket}/${aws_s3_object.step_code[0].key}", null)
}
