# The provider's region, with no API call: keys and zones given to this module must be in it.
data "aws_region" "current" {}

# One item per pipeline execution, written once by the pipeline's store-metadata state
# (conditional put: an execution never overwrites another's record).
#   pk                 "<use case>#<pipeline>"          partition key
#   execution_id       Step Functions execution ARN      sort key
#   started_at         ISO-8601 start time of the execution
#   experiment         experiment name                   GSI by-experiment (+ started_at)
#   model_package_arn  registered/used model package     GSI by-model-package (+ started_at)
#   ...                data URI, metrics, hyperparameters, artefact URIs, status

resource "aws_dynamodb_table" "this" {
  name                        = var.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "execution_id"
  deletion_protection_enabled = var.deletion_protection
  tags                        = var.tags

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "execution_id"
    type = "S"
  }

  attribute {
    name = "started_at"
    type = "S"
  }

  attribute {
    name = "experiment"
    type = "S"
  }

  attribute {
    name = "model_package_arn"
    type = "S"
  }

  global_secondary_index {
    name            = "by-experiment"
    hash_key        = "experiment"
    range_key       = "started_at"
    projection_type = "ALL"
  }

  global_secondary_index {
    name            = "by-model-package"
    hash_key        = "model_package_arn"
    range_key       = "started_at"
    projection_type = "ALL"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }
}
