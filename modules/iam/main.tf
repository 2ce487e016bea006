data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  arn_prefix = "arn:${local.partition}"

  boundary_name = "${var.name}-permission-boundary"
  # Built from names (not read from the resource) so roles and the boundary's own
  # self-protection can refer to it without a cycle, and plans show it.
  boundary_arn = "${local.arn_prefix}:iam::${local.account_id}:policy${var.path}${local.boundary_name}"
  role_keys    = ["codebuild", "codepipeline", "eventbridge", "lambda", "sagemaker-execution"]
  role_arn     = { for key in local.role_keys : key => "${local.arn_prefix}:iam::${local.account_id}:role${var.path}${var.name}-${key}" }

  # Every role this module can create: the service that assumes it and its inline policy.
  roles = { for key, role in {
    sagemaker-execution = { enabled = var.sagemaker_execution != null, service = ["sagemaker.amazonaws.com"], policy = try(data.aws_iam_policy_document.sagemaker_execution[0].json, null) }
    eventbridge         = { enabled = var.eventbridge != null, service = ["events.amazonaws.com", "scheduler.amazonaws.com"], policy = try(data.aws_iam_policy_document.eventbridge[0].json, null) }
    lambda              = { enabled = var.lambda != null, service = ["lambda.amazonaws.com"], policy = try(data.aws_iam_policy_document.lambda[0].json, null) }
    codebuild           = { enabled = var.codebuild != null, service = ["codebuild.amazonaws.com"], policy = try(data.aws_iam_policy_document.codebuild[0].json, null) }
    codepipeline        = { enabled = var.codepipeline != null, service = ["codepipeline.amazonaws.com"], policy = try(data.aws_iam_policy_document.codepipeline[0].json, null) }
  } : key => role if role.enabled }

  kms_use_actions = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"]
}

data "aws_iam_policy_document" "trust" {
  for_each = local.roles

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = each.value.service
    }

    # Confused-deputy protection: the service may assume the role only for this account.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = local.roles

  name                 = "${var.name}-${each.key}"
  path                 = var.path
  assume_role_policy   = data.aws_iam_policy_document.trust[each.key].json
  permissions_boundary = aws_iam_policy.boundary.arn
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "this" {
  for_each = local.roles

  name   = "${var.name}-${each.key}"
  role   = aws_iam_role.this[each.key].id
  policy = each.value.policy
}
