# The secure foundation of an ML use case: a customer managed key, its buckets, a private VPC
# with the endpoints SageMaker needs, and least-privilege roles under one permission boundary.

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
    artifacts = { force_destroy = true }
  }
}

module "iam" {
  source = "../../modules/iam"

  name         = var.name
  kms_key_arns = [module.kms.key_arn]

  sagemaker_execution = {
    vpc_id = module.network.vpc_id
    buckets = [
      { arn = module.storage.bucket_arns["data"], read_prefixes = ["raw/"] },
      { arn = module.storage.bucket_arns["artifacts"], write_prefixes = ["${var.name}/"] },
    ]
  }
}

module "network" {
  source = "../../modules/network"

  name                     = var.name
  availability_zones       = var.availability_zones
  kms_key_arn              = module.kms.key_arn
  permissions_boundary_arn = module.iam.boundary_arn
}
