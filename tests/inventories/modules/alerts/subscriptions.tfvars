name                     = "inventory-alerts"
kms_key_arn              = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
permissions_boundary_arn = "arn:aws:iam::123456789012:policy/mlops/inventory-boundary"
email_addresses          = ["ml-oncall@example.com"]
https_endpoints          = ["https://hooks.example.com/ml"]
tags = {
  cost-center         = "cc-1234"
  data-classification = "internal"
  environment         = "test"
  owner               = "ml-platform@example.com"
}
