output "bucket_names" {
  description = "Data and artifact bucket names."
  value       = module.storage.bucket_names
}

output "kms_key_arn" {
  description = "ARN of the use case's key."
  value       = module.kms.key_arn
}
