name           = "inventory/serving"
kms_key_arn    = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
pull_role_arns = ["arn:aws:iam::123456789012:role/mlops/inventory-sagemaker-execution"]
push_role_arns = ["arn:aws:iam::123456789012:role/mlops/inventory-codebuild"]
tags = {
  cost-center         = "cc-1234"
  data-classification = "internal"
  environment         = "test"
  owner               = "ml-platform@example.com"
}
