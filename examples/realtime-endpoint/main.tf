# A model served in real time: a private endpoint (VPC, network isolation, CMK, data capture,
# autoscaling) monitored hourly against the training baseline, drift alarms to the alerts topic.

data "aws_caller_identity" "current" {}

locals {
  name       = "${var.use_case}-${var.mandatory_tags.environment}"
  account_id = data.aws_caller_identity.current.account_id
  artifacts  = module.storage.bucket_names["artifacts"]
}

module "kms" {
  source = "../../modules/kms"

  name               = local.name
  service_principals = ["cloudwatch", "logs"]
}

module "storage" {
  source = "../../modules/storage"

  name        = "${local.name}-${local.account_id}"
  kms_key_arn = module.kms.key_arn
  buckets     = { artifacts = {} }
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
    vpc_id  = module.network.vpc_id
    buckets = [{ arn = module.storage.bucket_arns["artifacts"], write_prefixes = ["${var.use_case}/"] }]
  }
}

module "alerts" {
  source = "../../modules/alerts"

  name                     = "${local.name}-alerts"
  kms_key_arn              = module.kms.key_arn
  permissions_boundary_arn = module.iam.boundary_arn
}

module "endpoint" {
  source = "../../modules/realtime-endpoint"

  name               = "${local.name}-endpoint"
  environment        = var.mandatory_tags.environment
  execution_role_arn = module.iam.execution_role_arn
  kms_key_arn        = module.kms.key_arn
  model = {
    model_data_url = var.model_data_url
    prebuilt_image = { repository_name = "sagemaker-xgboost", image_tag = "1.7-1" }
  }
  network      = { subnet_ids = module.network.private_subnet_ids, security_group_ids = [module.network.workload_security_group_id] }
  data_capture = { destination_s3_uri = "s3://${local.artifacts}/${var.use_case}/capture/" }
}

module "monitoring" {
  source = "../../modules/model-monitoring"

  name               = "${local.name}-data-quality"
  endpoint_name      = module.endpoint.endpoint_name
  execution_role_arn = module.iam.execution_role_arn
  kms_key_arn        = module.kms.key_arn
  reports_s3_uri     = "s3://${local.artifacts}/${var.use_case}/monitoring/"
  network            = { subnet_ids = module.network.private_subnet_ids, security_group_ids = [module.network.workload_security_group_id] }
  baseline = {
    statistics_s3_uri  = "${trimsuffix(var.baseline_uri, "/")}/statistics.json"
    constraints_s3_uri = "${trimsuffix(var.baseline_uri, "/")}/constraints.json"
  }
  alarm = { features = ["torque_nm", "tool_wear_min", "vibration_mm_s"], alerts_topic_arn = module.alerts.topic_arn }
}
