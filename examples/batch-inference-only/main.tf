# The most common shape (most use cases are batch): a model trained and approved elsewhere scores
# new data every night. Secure foundation, the batch-inference pipeline on a schedule, its
# metadata, alerts and the model package group whose approvals it reacts to.

data "aws_caller_identity" "current" {}

locals {
  name       = "${var.use_case}-${var.mandatory_tags.environment}"
  account_id = data.aws_caller_identity.current.account_id
  data_uri   = "s3://${module.storage.bucket_names["data"]}/${var.use_case}/to-score/"
}

module "kms" {
  source = "../../modules/kms"

  name               = local.name
  service_principals = ["events", "logs"]
}

module "storage" {
  source = "../../modules/storage"

  name        = "${local.name}-${local.account_id}"
  kms_key_arn = module.kms.key_arn
  buckets     = { data = {}, artifacts = {} }
}

module "network" {
  source = "../../modules/network"

  name                     = local.name
  availability_zones       = var.availability_zones
  kms_key_arn              = module.kms.key_arn
  permissions_boundary_arn = module.iam.boundary_arn
}

module "iam" {
  source = "../../modules/iam"

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
  source = "../../modules/alerts"

  name                     = "${local.name}-alerts"
  kms_key_arn              = module.kms.key_arn
  permissions_boundary_arn = module.iam.boundary_arn
}

module "metadata" {
  source = "../../modules/metadata-store"

  name        = "${local.name}-executions"
  kms_key_arn = module.kms.key_arn
}

module "registry" {
  source = "../../modules/model-registry"

  name                     = local.name
  alerts_topic_arn         = module.alerts.topic_arn
  permissions_boundary_arn = module.iam.boundary_arn
  # A package arriving Approved (`mlops promote` into this stage) is scored at once, with exactly
  # that version: preprod's smoke batch, prod's first run; the nightly schedule keeps scoring
  # with model_package_arn.
  approved_targets = {
    state_machines = { batch = { arn = module.batch.state_machine_arn, data_uri = local.data_uri, experiment = "on-promotion", use_case = var.use_case } }
  }
}

module "batch" {
  source = "../../modules/ml-pipeline"

  name                     = "${local.name}-batch-inference"
  definition_template      = "${path.root}/../../pipelines_src/pipelines/templates/batch-inference.asl.json.tftpl"
  kms_key_arn              = module.kms.key_arn
  permissions_boundary_arn = module.iam.boundary_arn
  pipeline = {
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
  schedule = {
    expression = var.schedule
    input      = { use_case = var.use_case, experiment = "nightly", data_uri = local.data_uri, model_package_arn = var.model_package_arn }
  }
}
