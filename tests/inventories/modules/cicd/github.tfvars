name                     = "inventory"
artifacts_bucket         = "inventory-artifacts"
kms_key_arn              = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
deploy_root              = "examples/use-case-complete"
inference_root           = "examples/batch-inference-only"
permissions_boundary_arn = "arn:aws:iam::123456789012:policy/mlops/inventory-permission-boundary"
network = {
  vpc_id             = "vpc-0a1b2c3d"
  subnet_ids         = ["subnet-0a", "subnet-0b"]
  security_group_ids = ["sg-0a"]
}
source_repository = {
  type           = "GitHub"
  repository     = "acme/quality-use-case"
  connection_arn = "arn:aws:codeconnections:eu-central-1:123456789012:connection/0b6a3f6e"
}
tags = {
  cost-center         = "cc-1234"
  data-classification = "internal"
  environment         = "test"
  owner               = "ml-platform@example.com"
}
