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

output "model_package_group" {
  description = "The model package group promotions land in (promotion.yaml's model_package_group)."
  value       = module.registry.group_name
}

output "promotion_stage" {
  description = "This root as a stage of the use case's promotion.yaml (mlops promote): its account, the artifacts bucket and the prefix its execution role reads (promoted copies land there), the key, its model package group, and its batch pipeline as the smoke pipeline (it scores every promoted package at once; the next stage takes only a package it scored successfully)."
  value = {
    name                    = var.mandatory_tags.environment
    account_id              = local.account_id
    artifacts_bucket        = module.storage.bucket_names["artifacts"]
    artifacts_prefix        = "${var.use_case}/promoted/"
    kms_key_arn             = module.kms.key_arn
    model_package_group     = module.registry.group_name
    smoke_state_machine_arn = module.batch.state_machine_arn
  }
}
