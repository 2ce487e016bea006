# The state machine's role, derived from the definition: every Task integration the ASL uses
# maps to the actions it needs, scoped to the resources passed in (jobs and models named
# <job_prefix>*, the model package group, the metadata table, the alerts topic, the use case's
# prefix of the artifacts bucket). An integration without a mapping fails the plan.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account    = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  arn_prefix = "arn:${data.aws_partition.current.partition}"
  sm         = "${local.arn_prefix}:sagemaker:${local.region}:${local.account}"
  group_arn  = "${local.sm}:model-package-group/${var.pipeline.model_package_group_name}"
  table_arn  = "${local.arn_prefix}:dynamodb:${local.region}:${local.account}:table/${var.pipeline.metadata_table}"

  parsed = try(jsondecode(local.definition), {})
  # Task states at the top level and inside Map states (the depth our definitions use).
  tasks = concat(
    [for s in values(try(local.parsed.States, {})) : s if try(s.Type, "") == "Task"],
    flatten([for s in values(try(local.parsed.States, {})) : [
      for inner in values(try(s.ItemProcessor.States, s.Iterator.States, {})) : inner if try(inner.Type, "") == "Task"
    ]]),
  )
  integrations = toset([for t in local.tasks : t.Resource])

  job_arns = { for kind in ["Processing", "Training", "Transform"] : kind => "${local.sm}:${lower(kind)}-job/${var.pipeline.job_prefix}*" }
  sync_job = { for kind, arn in local.job_arns : "arn:aws:states:::sagemaker:create${kind}Job.sync" => {
    actions   = ["sagemaker:AddTags", "sagemaker:Create${kind}Job", "sagemaker:Describe${kind}Job", "sagemaker:Stop${kind}Job"]
    resources = [arn]
    passes    = true
    # .sync watches the job through a rule Step Functions manages.
    rule = "${local.arn_prefix}:events:${local.region}:${local.account}:rule/StepFunctionsGetEventsForSageMaker${kind}JobsRule"
  } }
  permissions = merge(local.sync_job, {
    "arn:aws:states:::sagemaker:createModel" = {
      actions = ["sagemaker:AddTags", "sagemaker:CreateModel"], resources = ["${local.sm}:model/${var.pipeline.job_prefix}*"], passes = true, rule = null
    }
    "arn:aws:states:::aws-sdk:sagemaker:createModelPackage" = {
      actions = ["sagemaker:AddTags", "sagemaker:CreateModelPackage"], resources = [local.group_arn, "${local.sm}:model-package/${var.pipeline.model_package_group_name}/*"], passes = false, rule = null
    }
    "arn:aws:states:::aws-sdk:sagemaker:describeModelPackage" = {
      actions = ["sagemaker:DescribeModelPackage"], resources = ["${local.sm}:model-package/${var.pipeline.model_package_group_name}/*"], passes = false, rule = null
    }
    "arn:aws:states:::aws-sdk:sagemaker:updateModelPackage" = {
      actions = ["sagemaker:UpdateModelPackage"], resources = ["${local.sm}:model-package/${var.pipeline.model_package_group_name}/*"], passes = false, rule = null
    }
    "arn:aws:states:::aws-sdk:s3:getObject" = {
      actions = ["s3:GetObject"], resources = ["${local.arn_prefix}:s3:::${var.pipeline.artifacts_bucket}/${var.pipeline.use_case}/*"], passes = false, rule = null
    }
    "arn:aws:states:::dynamodb:putItem" = {
      actions = ["dynamodb:PutItem"], resources = [local.table_arn], passes = false, rule = null
    }
    "arn:aws:states:::sns:publish" = {
      actions = ["sns:Publish"], resources = [var.pipeline.alerts_topic_arn], passes = false, rule = null
    }
  })
  unmapped = setsubtract(local.integrations, keys(local.permissions))
  used     = { for r in local.integrations : r => local.permissions[r] if contains(keys(local.permissions), r) }

  # Values the definition names that must be the resources this module was given.
  named = {
    TopicArn              = [var.pipeline.alerts_topic_arn]
    TableName             = [var.pipeline.metadata_table]
    Bucket                = [var.pipeline.artifacts_bucket]
    ModelPackageGroupName = [var.pipeline.model_package_group_name]
  }
  undeclared_resources = distinct(flatten([for t in local.tasks : [
    for key, allowed in local.named : "${key} ${t.Parameters[key]}" if try(tostring(t.Parameters[key]), null) != null && !contains(allowed, try(tostring(t.Parameters[key]), ""))
  ]]))
}

resource "terraform_data" "integration_checks" {
  input = sort(tolist(local.integrations))

  lifecycle {
    precondition {
      condition     = length(local.unmapped) == 0
      error_message = "definition_template: the ASL uses ${join(", ", local.unmapped)}, which this module cannot grant (no permission mapping): use the integrations of pipelines_src or extend local.permissions in modules/ml-pipeline/role.tf."
    }
    precondition {
      condition     = length(local.undeclared_resources) == 0
      error_message = "definition_template: the ASL names resources this module was not given (${join(", ", local.undeclared_resources)}): pass them in var.pipeline or fix the template."
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
      values   = [local.account]
    }
  }
}

data "aws_iam_policy_document" "role" {
  dynamic "statement" {
    for_each = local.used
    content {
      sid       = replace(title(replace(replace(statement.key, "arn:aws:states:::", ""), "/[^a-zA-Z0-9]+/", " ")), " ", "")
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }

  dynamic "statement" {
    for_each = length([for p in values(local.used) : p if p.rule != null]) > 0 ? [1] : []
    content {
      sid       = "SyncRules"
      actions   = ["events:DescribeRule", "events:PutRule", "events:PutTargets"]
      resources = [for p in values(local.used) : p.rule if p.rule != null]
    }
  }

  dynamic "statement" {
    for_each = anytrue([for p in values(local.used) : p.passes]) ? [1] : []
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
