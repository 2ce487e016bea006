data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  arn_prefix = "arn:${local.partition}"

  boundary_name = "${var.name}-permission-boundary"
  # Built from names (not read from the resource) so the role and the boundary's own
  # self-protection can refer to it without a cycle, and plans show it.
  boundary_arn = "${local.arn_prefix}:iam::${local.account_id}:policy${var.role_path}${local.boundary_name}"

  kms_use_actions = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"]
}

# The SageMaker execution role every job, model and Studio profile of the use case runs with.
# The other roles live in the modules that need them (ml-pipeline, model-registry, cicd,
# network, alerts), each under this module's boundary.
data "aws_iam_policy_document" "trust" {
  count = var.sagemaker_execution == null ? 0 : 1

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }

    # Confused-deputy protection: the service may assume the role only for this account.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "execution" {
  count = var.sagemaker_execution == null ? 0 : 1

  name                 = "${var.name}-sagemaker-execution"
  path                 = var.role_path
  assume_role_policy   = data.aws_iam_policy_document.trust[0].json
  permissions_boundary = local.boundary_arn # known at plan, so the gate reads it
  max_session_duration = 3600
  tags                 = var.tags

  depends_on = [aws_iam_policy.boundary]
}

resource "aws_iam_role_policy" "execution" {
  count = var.sagemaker_execution == null ? 0 : 1

  name   = "${var.name}-sagemaker-execution"
  role   = aws_iam_role.execution[0].id
  policy = data.aws_iam_policy_document.sagemaker_execution[0].json
}

# 0.1.0 kept every role in one map; the execution role keeps its name and is not replaced.
moved {
  from = aws_iam_role.this["sagemaker-execution"]
  to   = aws_iam_role.execution[0]
}

moved {
  from = aws_iam_role_policy.this["sagemaker-execution"]
  to   = aws_iam_role_policy.execution[0]
}
