# The complete MLOps template of one use case: secure foundation (key, buckets, private network,
# bounded roles), the training and batch-inference pipelines, the model registry whose approval
# starts batch inference, execution metadata, alerts, a dashboard with alarms and cost
# controls, Studio for exploration, and CI/CD (checks, approval, apply; redeploy on approval). A use case's own application stack plugs in beside it through the outputs (bucket
# names, subnet and security group IDs, role ARNs, topic ARN), never by reaching into modules.

data "aws_caller_identity" "current" {}

locals {
  name             = "${var.use_case}-${var.mandatory_tags.environment}"
  account_id       = data.aws_caller_identity.current.account_id
  artifacts_bucket = module.storage.bucket_names["artifacts"]
  batch_data_uri   = coalesce(var.batch_data_uri, "s3://${module.storage.bucket_names["data"]}/${var.use_case}/to-score/")
  image_uri        = coalesce(var.image_uri, "${module.ecr.repository_url}:0.1.0")
  instance_type    = "ml.m5.large" # of every pipeline job, and of the notebooks' jobs
  # What the notebooks (examples/notebooks) need to start jobs as the pipelines do: exported in
  # Studio by the lifecycle configuration, and by the tests for the local runtime.
  notebook_environment = {
    MLOPS_ARTIFACTS_BUCKET    = local.artifacts_bucket
    MLOPS_DATA_BUCKET         = module.storage.bucket_names["data"]
    MLOPS_EXECUTION_ROLE_ARN  = module.iam.execution_role_arn
    MLOPS_IMAGE_URI           = local.image_uri
    MLOPS_INSTANCE_TYPE       = local.instance_type
    MLOPS_KMS_KEY_ARN         = module.kms.key_arn
    MLOPS_MODEL_PACKAGE_GROUP = module.registry.group_name
    MLOPS_SECURITY_GROUP_IDS  = module.network.workload_security_group_id
    MLOPS_SUBNET_IDS          = join(",", module.network.private_subnet_ids)
    MLOPS_USE_CASE            = var.use_case
  }
  # What a drift-triggered retraining starts with; the rule adds trigger = "drift" and the drift.
  drift_training_input = jsonencode({
    use_case             = var.use_case
    experiment           = "drift-retraining"
    data_uri             = coalesce(var.drift_retraining.data_uri, "s3://${module.storage.bucket_names["data"]}/${var.use_case}/raw/")
    hyperparameter_sets  = var.drift_retraining.hyperparameter_sets
    evaluation_metric    = var.drift_retraining.evaluation_metric
    evaluation_threshold = var.drift_retraining.evaluation_threshold
    approval_mode        = "manual"
    model_card           = var.drift_retraining.model_card
  })
  pipeline_values = {
    alerts_topic_arn         = module.alerts.topic_arn
    artifacts_bucket         = local.artifacts_bucket
    execution_role_arn       = module.iam.execution_role_arn
    image_uri                = local.image_uri
    instance_type            = local.instance_type
    job_prefix               = var.use_case
    metadata_table           = module.metadata.table_name
    model_package_group_name = module.registry.group_name
    security_group_ids       = [module.network.workload_security_group_id]
    subnet_ids               = module.network.private_subnet_ids
    use_case                 = var.use_case
  }
}

module "kms" {
  source = "../../modules/kms"

  name               = local.name
  service_principals = ["cloudwatch", "events", "logs"]
}

module "storage" {
  source = "../../modules/storage"

  name        = "${local.name}-${local.account_id}"
  kms_key_arn = module.kms.key_arn
  buckets = {
    data      = { force_destroy = true }
    artifacts = { force_destroy = true }
  }
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
    vpc_id              = module.network.vpc_id
    ecr_repository_arns = [module.ecr.repository_arn]
    buckets = [
      { arn = module.storage.bucket_arns["data"], read_prefixes = ["${var.use_case}/"] },
      { arn = module.storage.bucket_arns["artifacts"], write_prefixes = ["${var.use_case}/"] },
    ]
  }
}

module "ecr" {
  source = "../../modules/ecr"

  name           = "${var.use_case}/mlops"
  kms_key_arn    = module.kms.key_arn
  pull_role_arns = [module.iam.execution_role_arn]
}

module "alerts" {
  source = "../../modules/alerts"

  name                     = "${local.name}-alerts"
  kms_key_arn              = module.kms.key_arn
  permissions_boundary_arn = module.iam.boundary_arn
}

module "metadata" {
  source = "../../modules/metadata-store"

  name                = "${local.name}-executions"
  kms_key_arn         = module.kms.key_arn
  deletion_protection = var.protect_metadata
}

module "registry" {
  source = "../../modules/model-registry"

  name                     = local.name
  alerts_topic_arn         = module.alerts.topic_arn
  permissions_boundary_arn = module.iam.boundary_arn
  approved_targets = {
    codepipelines  = var.create_pipelines ? { inference = module.cicd.inference_pipeline_arn } : {}
    state_machines = { batch = { arn = module.batch.state_machine_arn, data_uri = local.batch_data_uri, experiment = "on-approval", use_case = var.use_case } }
  }
  drift_retraining = var.drift_retraining.enabled ? {
    state_machine_arn = module.training.state_machine_arn
    training_input    = local.drift_training_input
    use_case          = var.use_case
    cooldown          = var.drift_retraining.cooldown
  } : null
}

module "training" {
  source = "../../modules/ml-pipeline"

  name                     = "${local.name}-training"
  definition_template      = "${path.root}/../../pipelines_src/pipelines/templates/training.asl.json.tftpl"
  kms_key_arn              = module.kms.key_arn
  permissions_boundary_arn = module.iam.boundary_arn
  pipeline                 = local.pipeline_values
}

module "batch" {
  source = "../../modules/ml-pipeline"

  name                     = "${local.name}-batch-inference"
  definition_template      = "${path.root}/../../pipelines_src/pipelines/templates/batch-inference.asl.json.tftpl"
  kms_key_arn              = module.kms.key_arn
  permissions_boundary_arn = module.iam.boundary_arn
  pipeline                 = local.pipeline_values
}

module "observability" {
  source = "../../modules/observability"

  name                 = local.name
  alerts_topic_arn     = module.alerts.topic_arn
  create_cost_controls = var.create_cost_controls
  state_machine_arns   = { training = module.training.state_machine_arn, batch-inference = module.batch.state_machine_arn }
  budget = {
    cost_allocation_value = var.mandatory_tags.cost-center
    monthly_limit_usd     = var.budget_usd
  }
  budget_metrics = {
    kms_key_arn              = module.kms.key_arn
    permissions_boundary_arn = module.iam.boundary_arn
  }
}

module "studio" {
  source = "../../modules/sagemaker-studio"

  name               = local.name
  create_domain      = var.create_studio
  kms_key_arn        = module.kms.key_arn
  execution_role_arn = module.iam.execution_role_arn
  user_profiles      = var.studio_users
  network = {
    vpc_id             = module.network.vpc_id
    subnet_ids         = module.network.private_subnet_ids
    security_group_ids = [module.network.workload_security_group_id]
  }
  environment_variables = local.notebook_environment
}

module "cicd" {
  source = "../../modules/cicd"

  name                     = local.name
  create_pipelines         = var.create_pipelines
  deploy_approval          = true
  artifacts_bucket         = local.artifacts_bucket
  kms_key_arn              = module.kms.key_arn
  deploy_root              = "examples/use-case-complete"
  inference_root           = "examples/batch-inference-only"
  permissions_boundary_arn = module.iam.boundary_arn
  source_repository        = var.source_repository
  network = {
    vpc_id             = module.network.vpc_id
    subnet_ids         = module.network.private_subnet_ids
    security_group_ids = [module.network.workload_security_group_id]
  }
}

# Upgrading from the 0.1.0 modules: the CI/CD roles moved from modules/iam into modules/cicd,
# which owns them now; same names, so they are moved, not replaced.
moved {
  from = module.iam.aws_iam_role.this["codebuild"]
  to   = module.cicd.aws_iam_role.this["codebuild"]
}

moved {
  from = module.iam.aws_iam_role.this["codepipeline"]
  to   = module.cicd.aws_iam_role.this["codepipeline"]
}
