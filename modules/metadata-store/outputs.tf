output "table_arn" {
  description = "ARN of the metadata table (scope the pipeline role to it)."
  value       = aws_dynamodb_table.this.arn
}

output "table_name" {
  description = "Name of the metadata table (the pipelines' metadata_table)."
  value       = aws_dynamodb_table.this.name
}
