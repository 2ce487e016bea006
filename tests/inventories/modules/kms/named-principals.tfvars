name                    = "inventory-kms-named"
administrator_arns      = ["arn:aws:iam::123456789012:role/platform-admin"]
user_arns               = ["arn:aws:iam::123456789012:role/ml-training"]
service_principals      = ["events", "logs", "sns"]
rotation_period_in_days = 180
tags = {
  cost-center         = "cc-1234"
  data-classification = "internal"
  environment         = "test"
  owner               = "ml-platform@example.com"
}
