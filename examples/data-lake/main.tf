# The group's data lake, as its own team applies it in the data-lake account: the raw bucket,
# its key, and the share naming each use case's execution role and the datasets it reads. The
# use case applies the matching consumer side (modules/data-lake-access `consumer`) in its own
# account; examples/data-lake-share holds both sides in one root for tests.

module "kms" {
  source = "../../modules/kms"

  name         = var.name
  via_services = ["s3"]
}

module "storage" {
  source = "../../modules/storage"

  name        = var.name
  kms_key_arn = module.kms.key_arn

  buckets = {
    raw = { force_destroy = var.force_destroy, policy_json = module.share.bucket_policy_json }
  }
}

module "share" {
  source = "../../modules/data-lake-access"

  name = "${var.name}-share"
  producer = {
    bucket_name = "${var.name}-raw" # the name the storage module gives it, known at plan
    kms_key_arn = module.kms.key_arn
    consumers   = var.consumers
  }
}
