output "bucket_policy_json" {
  description = "Producer side: the bucket policy statements of the share (each consumer lists and reads its prefixes, no consumer writes), to merge into the data lake's bucket policy (source_policy_documents), or null without a producer."
  value       = var.producer == null ? null : data.aws_iam_policy_document.producer_grants[0].json
}

output "data_uris" {
  description = "Consumer side: the S3 URIs the roles may read (s3://<bucket>/<prefix>), e.g. as the training input's data_uri; empty without a consumer."
  value       = var.consumer == null ? [] : [for p in var.consumer.prefixes : "s3://${var.consumer.bucket_name}/${p}"]
}

output "grant_ids" {
  description = "Producer side: the KMS grant id per consumer (revoke one to cut that use case off)."
  value       = { for k, g in aws_kms_grant.consumer : k => g.grant_id }
}

output "read_policy_name" {
  description = "Consumer side: the name of the inline policy put on each role, or null without a consumer."
  value       = var.consumer == null ? null : "${var.name}-data-lake-read"
}
