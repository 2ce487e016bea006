name        = "inventory-storage"
kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
buckets = {
  data      = { read_principal_arns = ["arn:aws:iam::210987654321:role/ml-training"] }
  artifacts = { noncurrent_version_expiration_days = 30, transition_to_ia_days = 60, expiration_days = 730 }
}
access_log_bucket = "org-log-archive"
tags = {
  cost-center         = "cc-1234"
  data-classification = "internal"
  environment         = "test"
  owner               = "ml-platform@example.com"
}
