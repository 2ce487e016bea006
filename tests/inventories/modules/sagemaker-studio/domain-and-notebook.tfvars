name               = "inventory-studio"
execution_role_arn = "arn:aws:iam::123456789012:role/mlops/inventory-sagemaker-execution"
kms_key_arn        = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
network = {
  vpc_id             = "vpc-0a1b2c3d"
  subnet_ids         = ["subnet-0a", "subnet-0b"]
  security_group_ids = ["sg-0a"]
}
user_profiles         = ["data-scientist", "ml-engineer"]
environment_variables = { MLOPS_USE_CASE = "quality", MLOPS_ARTIFACTS_BUCKET = "inventory-artifacts" }
notebook_instance     = {}
tags = {
  cost-center         = "cc-1234"
  data-classification = "internal"
  environment         = "test"
  owner               = "ml-platform@example.com"
}
