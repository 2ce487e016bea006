# __NAME__: the use case's infrastructure, from the module registry by version (never copies):
# key, buckets, private network, the SageMaker execution role, alerts, execution metadata, the
# model registry whose approval starts batch inference, and the training and batch-inference
# pipelines compiled from ../pipelines.py. Upgrading a module = changing its version constraint
# after reading its CHANGELOG.

data "aws_caller_identity" "current" {}

locals {
  name = "${var.use_case}-${var.mandatory_tags.environment}"
  pipeline_values = {
    alerts_topic_arn         = module.alerts.topic_arn
    artifacts_bucket         = module.storage.bucket_names["artifacts"]
    execution_role_arn       = module.iam.execution_role_arn
    image_uri                = var.image_uri
    job_prefix               = var.use_case
    metadata_table           = module.metadata.table_name
    model_package_group_name = module.registry.group_name
    security_group_ids       = [module.network.workload_security_group_id]
    subnet_ids               = module.network.private_subnet_ids
    use_case                 = var.use_case
  }
}

module "kms" {
  source  = "__REGISTRY__/__NAMESPACE__/kms/aws"
  version = "__CONSTRAINT__"

  name               = local.name
  service_principals = ["events", "logs"]
}

module "storage" {
  source  = "__REGISTRY__/__NAMESPACE__/storage/aws"
  version = "__CONSTRAINT__"

  name        = "${local.name}-${data.aws_caller_identity.current.account_id}"
  kms_key_arn = module.kms.key_arn
  buckets = {
    data      = { force_destroy = !var.protect_data }
    artifacts = { force_destroy = !var.protect_data }
  }
}

module "network" {
  source  = "__REGISTRY__/__NAMESPACE__/network/aws"
  version = "__CONSTRAINT__"

  name                     = local.name
  availability_zones       = var.availability_zones
  kms_key_arn              = module.kms.key_arn
  permissions_boundary_arn = module.iam.boundary_arn
}

module "iam" {
  source  = "__REGISTRY__/__NAMESPACE__/iam/aws"
  version = "__CONSTRAINT__"

  name         = local.name
  kms_key_arns = [module.kms.key_arn]
  sagemaker_execution = {
    vpc_id = module.network.vpc_id
    buckets = [
      { arn = module.storage.bucket_arns["data"], read_prefixes = ["${var.use_case}/"] },
      { arn = module.storage.bucket_arns["artifacts"], write_prefixes = ["${var.use_case}/"] },
    ]
  }
}

module "alerts" {
  source  = "__REGISTRY__/__NAMESPACE__/alerts/aws"
  version = "__CONSTRAINT__"

  name                     = "${local.name}-alerts"
  kms_key_arn              = module.kms.key_arn
  permissions_boundary_arn = module.iam.boundary_arn
}

module "metadata" {
  source  = "__REGISTRY__/__NAMESPACE__/metadata-store/aws"
  version = "__CONSTRAINT__"

  name                = "${local.name}-executions"
  kms_key_arn         = module.kms.key_arn
  deletion_protection = var.protect_data
}

module "registry" {
  source  = "__REGISTRY__/__NAMESPACE__/model-registry/aws"
  version = "__CONSTRAINT__"

  name                     = local.name
  alerts_topic_arn         = module.alerts.topic_arn
  permissions_boundary_arn = module.iam.boundary_arn
  approved_targets = {
    # An approved model scores the batch waiting under to-score/ (make demo puts one there).
    state_machines = {
      batch = {
        arn        = module.batch.state_machine_arn
        data_uri   = "s3://${module.storage.bucket_names["data"]}/${var.use_case}/to-score/"
        experiment = "on-approval"
        use_case   = var.use_case
      }
    }
  }
}

module "training" {
  source  = "__REGISTRY__/__NAMESPACE__/ml-pipeline/aws"
  version = "__CONSTRAINT__"

  name                     = "${local.name}-training"
  definition_template      = "${path.module}/pipelines/training.asl.json.tftpl"
  kms_key_arn              = module.kms.key_arn
  permissions_boundary_arn = module.iam.boundary_arn
  pipeline                 = local.pipeline_values
}

module "batch" {
  source  = "__REGISTRY__/__NAMESPACE__/ml-pipeline/aws"
  version = "__CONSTRAINT__"

  name                     = "${local.name}-batch-inference"
  definition_template      = "${path.module}/pipelines/batch-inference.asl.json.tftpl"
  kms_key_arn              = module.kms.key_arn
  permissions_boundary_arn = module.iam.boundary_arn
  pipeline                 = local.pipeline_values
}
