# What `mlops demo`, `mlops run --local` and `mlops status --local` read of a deployed root.

output "alerts_topic_arn" {
  description = "Where failures, approvals and drift are published."
  value       = module.alerts.topic_arn
}

output "artifacts_bucket" {
  description = "Bucket of every execution's artefacts, reports and models."
  value       = module.storage.bucket_names["artifacts"]
}

output "data_bucket" {
  description = "Bucket of the raw data (<use_case>/raw/) and of batches to score (<use_case>/to-score/)."
  value       = module.storage.bucket_names["data"]
}

output "metadata_table" {
  description = "DynamoDB table with one item per execution."
  value       = module.metadata.table_name
}

output "model_package_group" {
  description = "The use case's model package group."
  value       = module.registry.group_name
}

output "state_machine_arns" {
  description = "The pipelines' state machines by pipeline."
  value       = { training = module.training.state_machine_arn, batch-inference = module.batch.state_machine_arn }
}

output "use_case" {
  description = "Name of the use case."
  value       = var.use_case
}
