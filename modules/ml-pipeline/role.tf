# The state machine's role, derived from the manifest: each integration the pipeline uses comes
# with the actions and resource patterns it needs (pipelines_src/pipelines/integrations.py), filled
# with the values passed in (jobs and models named <job_prefix>*, the model package group, the
# metadata table, the alerts topic, the use case's prefix of the artifacts bucket) and with the
# partition, region and account read here. An integration the manifest could not map fails the plan.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  context = {
    account   = data.aws_caller_identity.current.account_id
    partition = data.aws_partition.current.partition
    region    = data.aws_region.current.name
  }
  # Only text values can appear in an ARN pattern (lists such as subnet_ids never do); a missing
  # value renders empty here and fails the plan in definition_checks, with its name.
  pattern_values = merge(
    { for name in local.missing : name => "" },
    { for name, value in local.values : name => value if can(tostring(value)) },
    local.context,
  )
  unmapped = keys(try(local.manifest.unmapped, {}))
  grants = {
    for name, integration in try(local.manifest.integrations, {}) : name => {
      actions   = integration.actions
      resources = [for pattern in integration.resources : templatestring(pattern, local.pattern_values)]
      pass_role = integration.pass_role
      sync_rule = integration.sync_rule == null ? null : templatestring(integration.sync_rule, local.pattern_values)
    }
  }
}

resource "terraform_data" "integration_checks" {
  input = sort(keys(local.grants))

  lifecycle {
    precondition {
      condition     = length(local.unmapped) == 0
      error_message = "definition_template: the pipeline uses ${join(", ", local.unmapped)}, which its manifest does not map to IAM permissions: use the registry's steps, or give the step a Permission (pipelines_src.pipelines.states.Permission) and compile again."
    }
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.context.account]
    }
  }
}

data "aws_iam_policy_document" "role" {
  dynamic "statement" {
    for_each = local.grants
    content {
      sid       = replace(title(replace(statement.key, "/[^a-zA-Z0-9]+/", " ")), " ", "")
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }

  dynamic "statement" {
    for_each = length([for g in values(local.grants) : g if g.sync_rule != null]) > 0 ? [1] : []
    content {
      sid       = "SyncRules"
      actions   = ["events:DescribeRule", "events:PutRule", "events:PutTargets"]
      resources = [for g in values(local.grants) : g.sync_rule if g.sync_rule != null]
    }
  }

  dynamic "statement" {
    for_each = anytrue([for g in values(local.grants) : g.pass_role]) ? [1] : []
    content {
      sid       = "PassOnlyTheExecutionRole"
      actions   = ["iam:PassRole"]
      resources = [var.pipeline.execution_role_arn]

      condition {
        test     = "StringEquals"
        variable = "iam:PassedToService"
        values   = ["sagemaker.amazonaws.com"]
      }
    }
  }

  statement {
    sid       = "UseTheKey"
    actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }

  # Step Functions log delivery and X-Ray accept no resource-level permissions (AWS documents "*").
  statement {
    sid = "LogDeliveryAndTracing"
    actions = [
      "logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups", "logs:DescribeResourcePolicies",
      "logs:GetLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:UpdateLogDelivery",
      "xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role" "this" {
  name                 = var.name
  path                 = var.role_path
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "this" {
  name   = var.name
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.role.json
}
