name                     = "inventory-registry"
alerts_topic_arn         = "arn:aws:sns:eu-central-1:123456789012:inventory-alerts"
consumer_account_ids     = ["210987654321"]
permissions_boundary_arn = "arn:aws:iam::123456789012:policy/mlops/inventory-permission-boundary"
approved_targets = {
  state_machines = { batch = { arn = "arn:aws:states:eu-central-1:123456789012:stateMachine:inventory-batch", data_uri = "s3://lake/quality/daily/", use_case = "quality" } }
}
tags = {
  cost-center         = "cc-1234"
  data-classification = "internal"
  environment         = "test"
  owner               = "ml-platform@example.com"
}
