# The budget's spend published to CloudWatch and charted on the dashboard (budget_metrics).
name               = "inventory-quality"
alerts_topic_arn   = "arn:aws:sns:eu-central-1:123456789012:inventory-alerts"
state_machine_arns = { training = "arn:aws:states:eu-central-1:123456789012:stateMachine:inventory-training" }
budget             = { cost_allocation_value = "cc-1234", monthly_limit_usd = 500 }
budget_metrics = {
  kms_key_arn              = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
  permissions_boundary_arn = "arn:aws:iam::123456789012:policy/mlops/inventory-permission-boundary"
}
tags = {
  cost-center         = "cc-1234"
  data-classification = "internal"
  environment         = "test"
  owner               = "ml-platform@example.com"
}
