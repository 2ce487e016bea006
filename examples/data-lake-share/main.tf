# A use case reading the group's data lake in another account, both sides in one root: the
# data-lake account (provider aws.data_lake) keeps its bucket and key and shares prefixes with
# the use case's execution role; the use case's dev account (default provider) gives that role
# the matching read policy. In production the data-lake team applies its side from its own
# repository (the same module calls); here they are together so one apply tests both.

data "aws_caller_identity" "data_lake" {
  provider = aws.data_lake
}

# ---- data-lake account -------------------------------------------------------------------

module "lake_kms" {
  source    = "../../modules/kms"
  providers = { aws = aws.data_lake }

  name         = var.data_lake_name
  via_services = ["s3"]
}

module "lake_storage" {
  source    = "../../modules/storage"
  providers = { aws = aws.data_lake }

  name        = var.data_lake_name
  kms_key_arn = module.lake_kms.key_arn

  buckets = {
    raw = { force_destroy = true, policy_json = module.share.bucket_policy_json }
  }
}

module "share" {
  source    = "../../modules/data-lake-access"
  providers = { aws = aws.data_lake }

  name = "${var.data_lake_name}-share"
  producer = {
    bucket_name = "${var.data_lake_name}-raw"
    kms_key_arn = module.lake_kms.key_arn
    consumers = {
      quality = { role_arn = module.iam.execution_role_arn, prefixes = var.shared_prefixes }
    }
  }
}

# ---- the use case's dev account -------------------------------------------------------------

module "kms" {
  source = "../../modules/kms"

  name = var.name
}

module "storage" {
  source = "../../modules/storage"

  name        = var.name
  kms_key_arn = module.kms.key_arn

  buckets = {
    artifacts = { force_destroy = true }
  }
}

module "network" {
  source = "../../modules/network"

  name                     = var.name
  availability_zones       = var.availability_zones
  kms_key_arn              = module.kms.key_arn
  permissions_boundary_arn = module.iam.boundary_arn
}

module "iam" {
  source = "../../modules/iam"

  name         = var.name
  kms_key_arns = [module.kms.key_arn]

  sagemaker_execution = {
    vpc_id  = module.network.vpc_id
    buckets = [{ arn = module.storage.bucket_arns["artifacts"], write_prefixes = ["${var.name}/"] }]
  }
}

module "data_lake" {
  source = "../../modules/data-lake-access"

  name = var.name
  consumer = {
    account_id  = data.aws_caller_identity.data_lake.account_id
    bucket_name = "${var.data_lake_name}-raw" # known at plan (the name the storage module gives it)
    kms_key_arn = module.lake_kms.key_arn
    prefixes    = var.shared_prefixes
    role_names  = [module.iam.execution_role_name]
  }
}
