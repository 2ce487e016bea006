output "bucket_arns" {
  description = "Bucket ARNs by key."
  value       = { for k, b in aws_s3_bucket.this : k => b.arn }
}

output "bucket_names" {
  description = "Bucket names by key."
  value       = { for k, b in aws_s3_bucket.this : k => b.id }
}

output "kms_key_arn" {
  description = "The key that encrypts the buckets (passed through for composition)."
  value       = var.kms_key_arn
}
