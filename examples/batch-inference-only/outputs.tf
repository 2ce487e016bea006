output "batch_state_machine_arn" {
  description = "The batch-inference pipeline (also started by its schedule)."
  value       = module.batch.state_machine_arn
}

output "data_uri" {
  description = "Where the data to score is dropped."
  value       = local.data_uri
}

output "metadata_table" {
  description = "Execution history table."
  value       = module.metadata.table_name
}
