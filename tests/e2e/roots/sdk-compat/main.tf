# A state machine whose definition the AWS Step Functions Data Science SDK wrote, deployed through
# modules/ml-pipeline with its manifest (tests/e2e/test_sdk_compatibility.py writes both).

variable "definition_template" {
  description = "The SDK's ASL with the registry's placeholders."
  type        = string
}

data "aws_caller_identity" "current" {}

resource "aws_kms_key" "this" {
  description             = "sdk compatibility test"
  deletion_window_in_days = 30
  enable_key_rotation     = true
}

resource "aws_s3_bucket" "this" {
  bucket        = "sdk-compat-${data.aws_caller_identity.current.account_id}"
  force_destroy = true
}

module "sdk" {
  source = "../../../../modules/ml-pipeline"

  name                     = "sdk-compat"
  definition_template      = var.definition_template
  kms_key_arn              = aws_kms_key.this.arn
  permissions_boundary_arn = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:policy/mlops/sdk-boundary"
  pipeline = {
    alerts_topic_arn         = "arn:aws:sns:eu-central-1:${data.aws_caller_identity.current.account_id}:sdk-alerts"
    artifacts_bucket         = aws_s3_bucket.this.bucket
    execution_role_arn       = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:role/mlops/sdk-execution"
    image_uri                = "${data.aws_caller_identity.current.account_id}.dkr.ecr.eu-central-1.amazonaws.com/mlops/steps:sdk"
    job_prefix               = "sdk"
    metadata_table           = "sdk-executions"
    model_package_group_name = "sdk"
    security_group_ids       = ["sg-0sdk"]
    subnet_ids               = ["subnet-0sdk"]
    use_case                 = "sdk"
  }
}

output "bucket" {
  value = aws_s3_bucket.this.bucket
}

output "state_machine_arn" {
  value = module.sdk.state_machine_arn
}
