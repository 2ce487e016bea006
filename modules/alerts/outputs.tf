output "topic_arn" {
  description = "ARN of the alerts topic: the pipelines, rules and alarms publish here."
  value       = aws_sns_topic.this.arn
}

output "topic_name" {
  description = "Name of the alerts topic."
  value       = aws_sns_topic.this.name
}
