# The storage foundation of a use case: one customer managed key and the data and artifact
# buckets it encrypts.

module "kms" {
  source = "../../modules/kms"

  name = var.name
}

module "storage" {
  source = "../../modules/storage"

  name        = var.name
  kms_key_arn = module.kms.key_arn

  buckets = {
    data      = { force_destroy = true }
    artifacts = { force_destroy = true, noncurrent_version_expiration_days = 30 }
  }
}
