output "account_id" {
  description = "The data-lake account (where this root is applied)."
  value       = split(":", module.kms.key_arn)[4]
}

output "bucket" {
  description = "The raw bucket the use cases read."
  value       = module.storage.bucket_names["raw"]
}

output "grant_ids" {
  description = "The key's grant per consumer (revoking one cuts that use case off)."
  value       = module.share.grant_ids
}

output "kms_key_arn" {
  description = "The key of the raw bucket: the consumer side's kms_key_arn."
  value       = module.kms.key_arn
}
