name                     = "inventory-byo"
availability_zones       = ["eu-central-1a", "eu-central-1b"]
kms_key_arn              = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
permissions_boundary_arn = "arn:aws:iam::123456789012:policy/mlops/inventory-boundary"
existing_vpc = {
  vpc_id             = "vpc-0a1b2c3d"
  cidr_block         = "10.50.0.0/16"
  subnet_ids         = ["subnet-0a1", "subnet-0b2"]
  route_table_ids    = ["rtb-0a1"]
  existing_endpoints = ["s3", "sts", "logs", "monitoring"]
}
tags = {
  cost-center         = "cc-1234"
  data-classification = "internal"
  environment         = "test"
  owner               = "ml-platform@example.com"
}
