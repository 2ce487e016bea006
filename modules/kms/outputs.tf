output "alias_arn" {
  description = "ARN of the key's alias."
  value       = aws_kms_alias.this.arn
}

output "alias_name" {
  description = "Alias of the key, alias/<name>."
  value       = aws_kms_alias.this.name
}

output "key_arn" {
  description = "ARN of the key: pass it to every module's kms_key_arn."
  value       = aws_kms_key.this.arn
}

output "key_id" {
  description = "ID of the key."
  value       = aws_kms_key.this.key_id
}
