# The complete MLOps template of one use case: secure foundation (key, buckets, private network,
# bounded roles), the training and batch-inference pipelines, the model registry whose approval
# starts batch inference, execution metadata, alerts, a dashboard with alarms and cost
# controls, Studio for exploration, and CI/CD (checks, approval, apply; redeploy on approval). A use case's own application stack plugs in beside it through the outputs (bucket
# names, subnet and security group IDs, role ARNs, topic ARN), never by reaching into modules.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  name       = "${var.use_case}-${var.mandatory_tags.environment}"
  account_id = data.aws_caller_identity.current.account_id
  # State machine ARNs built from their names: the EventBridge role (modules/iam) must name the
  # batch pipeline, whose module needs the boundary from modules/iam (no cycle this way).
  state_machine_arn = {
    for p in ["training", "batch-inference"] :
    p => "arn:${data.aws_partition.current.partition}:states:${var.region}:${local.account_id}:stateMachine:${local.name}-${p}"
  }
  artifacts_bucket = module.storage.bucket_names["artifacts"]
  # CI/CD resources by name, for the same reason (the roles name them, the projects need the roles).
  build_stages      = ["plan", "policy", "test", "apply", "deploy-inference"]
  codebuild_arns    = [for stage in local.build_stages : "arn:${data.aws_partition.current.partition}:codebuild:${var.region}:${local.account_id}:project/${local.name}-${stage}"]
  inference_release = var.create_pipelines ? ["arn:${data.aws_partition.current.partition}:codepipeline:${var.region}:${local.account_id}:${local.name}-inference"] : []
  codecommit_arns   = var.source_repository.type == "CodeCommit" ? ["arn:${data.aws_partition.current.partition}:codecommit:${var.region}:${local.account_id}:${var.source_repository.repository}"] : []
  batch_data_uri    = coalesce(var.batch_data_uri, "s3://${module.storage.bucket_names["data"]}/${var.use_case}/to-score/")
  image_uri         = coalesce(var.image_uri, "${module.ecr.repository_url}:0.1.0")
  instance_type     = "ml.m5.large" # of every pipeline job, and of the notebooks' jobs
  # What the notebooks (examples/notebooks) need to start jobs as the pipelines do: exported in
  # Studio by the lifecycle configuration, and by the tests for the local runtime.
  notebook_environment = {
    MLOPS_ARTIFACTS_BUCKET    = local.artifacts_bucket
    MLOPS_DATA_BUCKET         = module.storage.bucket_names["data"]
    MLOPS_EXECUTION_ROLE_ARN  = module.iam.role_arns["sagemaker-execution"]
    MLOPS_IMAGE_URI           = local.image_uri
    MLOPS_INSTANCE_TYPE       = local.instance_type
    MLOPS_KMS_KEY_ARN         = module.kms.key_arn
    MLOPS_MODEL_PACKAGE_GROUP = module.registry.group_name
    MLOPS_SECURITY_GROUP_IDS  = module.network.workload_security_group_id
    MLOPS_SUBNET_IDS          = join(",", module.network.private_subnet_ids)
    MLOPS_USE_CASE            = var.use_case
  }
  pipeline_values = {
    alerts_topic_arn         = module.alerts.topic_arn
    artifacts_bucket         = local.artifacts_bucket
    execution_role_arn       = module.iam.role_arns["sagemaker-execution"]
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
  eventbridge = { state_machine_arns = [local.state_machine_arn["batch-inference"]], codepipeline_arns = local.inference_release }
  codebuild = {
    artifact_bucket_arn        = module.storage.bucket_arns["artifacts"]
    codecommit_repository_arns = local.codecommit_arns
    project_name_prefix        = local.name
    vpc_id                     = module.network.vpc_id
  }
  codepipeline = {
    artifact_bucket_arn        = module.storage.bucket_arns["artifacts"]
    codebuild_project_arns     = local.codebuild_arns
    codecommit_repository_arns = local.codecommit_arns
    connection_arn             = var.source_repository.connection_arn
  }
}

module "ecr" {
  source = "../../modules/ecr"

  name           = "${var.use_case}/mlops"
  kms_key_arn    = module.kms.key_arn
  pull_role_arns = [module.iam.role_arns["sagemaker-execution"]]
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

  name             = local.name
  alerts_topic_arn = module.alerts.topic_arn
  approved_targets = {
    codepipeline_arns = local.inference_release
    events_role_arn   = module.iam.role_arns["eventbridge"]
    state_machines    = [{ arn = local.state_machine_arn["batch-inference"], data_uri = local.batch_data_uri, experiment = "on-approval", use_case = var.use_case }]
  }
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
}

module "studio" {
  source = "../../modules/sagemaker-studio"

  name               = local.name
  create_domain      = var.create_studio
  kms_key_arn        = module.kms.key_arn
  execution_role_arn = module.iam.role_arns["sagemaker-execution"]
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

  name              = local.name
  create_pipelines  = var.create_pipelines
  artifact_bucket   = local.artifacts_bucket
  kms_key_arn       = module.kms.key_arn
  deploy_root       = "examples/use-case-complete"
  inference_root    = "examples/batch-inference-only"
  source_repository = var.source_repository
  roles             = { codebuild = module.iam.role_arns["codebuild"], codepipeline = module.iam.role_arns["codepipeline"] }
  network = {
    vpc_id             = module.network.vpc_id
    subnet_ids         = module.network.private_subnet_ids
    security_group_ids = [module.network.workload_security_group_id]
  }
}
