# The data-lake account's side: the emulator's account 123456789012 owns the bucket and the key.
name = "inventory-cdh"
producer = {
  bucket_name          = "inventory-cdh-raw"
  kms_key_arn          = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
  manage_bucket_policy = true
  consumers = {
    quality = {
      role_arn = "arn:aws:iam::210987654321:role/mlops/quality-dev-sagemaker-execution"
      prefixes = ["quality/raw/"]
    }
  }
}
