name                    = "inventory-kms-named"
administrator_arns      = ["arn:aws:iam::123456789012:role/platform-admin"]
user_arns               = ["arn:aws:iam::123456789012:role/ml-training"]
service_principals      = ["events", "logs", "sns"]
rotation_period_in_days = 180
