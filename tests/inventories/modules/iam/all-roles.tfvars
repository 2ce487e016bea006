name         = "inventory-iam"
kms_key_arns = ["arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"]
sagemaker_execution = {
  vpc_id              = "vpc-0a1b2c3d"
  ecr_repository_arns = ["arn:aws:ecr:eu-central-1:123456789012:repository/quality-serving"]
  buckets = [
    { arn = "arn:aws:s3:::acme-data", read_prefixes = ["raw/"] },
    { arn = "arn:aws:s3:::acme-artifacts", write_prefixes = ["quality/"] },
  ]
}
tags = {
  cost-center         = "cc-1234"
  data-classification = "internal"
  environment         = "test"
  owner               = "ml-platform@example.com"
}
