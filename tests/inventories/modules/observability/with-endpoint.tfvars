name               = "inventory-quality"
alerts_topic_arn   = "arn:aws:sns:eu-central-1:123456789012:inventory-alerts"
state_machine_arns = { training = "arn:aws:states:eu-central-1:123456789012:stateMachine:inventory-training" }
endpoint_names     = ["inventory-endpoint"]
budget             = { cost_allocation_value = "cc-1234", monthly_limit_usd = 500 }
tags = {
  cost-center         = "cc-1234"
  data-classification = "internal"
  environment         = "test"
  owner               = "ml-platform@example.com"
}
