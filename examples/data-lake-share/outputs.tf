output "data_lake_account_id" {
  description = "The data-lake account the share lives in."
  value       = data.aws_caller_identity.data_lake.account_id
}

output "data_lake_bucket" {
  description = "The data lake's raw bucket (in the data-lake account)."
  value       = module.lake_storage.bucket_names["raw"]
}

output "data_uris" {
  description = "What the use case's execution role reads: the shared prefixes, e.g. as the training input's data_uri."
  value       = module.data_lake.data_uris
}

output "execution_role_arn" {
  description = "The use case's SageMaker execution role, the share's consumer."
  value       = module.iam.execution_role_arn
}

output "grant_ids" {
  description = "The data lake key's grant per consumer (revoking one cuts that use case off)."
  value       = module.share.grant_ids
}

output "read_policy_name" {
  description = "The inline policy on the execution role that reads the data lake."
  value       = module.data_lake.read_policy_name
}
