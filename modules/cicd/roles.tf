# The module's own service roles, scoped to what it creates: CodeBuild may write its projects'
# log groups, read and write the pipelines' artefacts, use the key, place network interfaces in
# the VPC and pull the CodeCommit source; CodePipeline may start these projects only.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  context = {
    account   = data.aws_caller_identity.current.account_id
    partition = data.aws_partition.current.partition
    region    = data.aws_region.current.name
  }
  artifacts_bucket_arn = "arn:${local.context.partition}:s3:::${var.artifacts_bucket}"
  log_groups_arn       = "arn:${local.context.partition}:logs:${local.context.region}:${local.context.account}:log-group:/aws/codebuild/${var.name}-*"
  codecommit_arns      = local.codecommit ? ["arn:${local.context.partition}:codecommit:${local.context.region}:${local.context.account}:${var.source_repository.repository}"] : []
  kms_use              = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]
  service_roles        = var.create_pipelines ? toset(["codebuild", "codepipeline"]) : toset([])
}

data "aws_iam_policy_document" "trust" {
  for_each = local.service_roles

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["${each.key}.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.context.account]
    }
  }
}

data "aws_iam_policy_document" "codebuild" {
  count = var.create_pipelines ? 1 : 0
  # with deploy_api_monitors, what `mlops endpoint-monitors` needs (below)
  source_policy_documents = data.aws_iam_policy_document.api_monitors[*].json

  statement {
    sid       = "BuildLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [local.log_groups_arn, "${local.log_groups_arn}:*"]
  }

  statement {
    sid       = "Artifacts"
    actions   = ["s3:GetBucketLocation", "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"]
    resources = [local.artifacts_bucket_arn, "${local.artifacts_bucket_arn}/*"]
  }

  statement {
    sid       = "UseTheKey"
    actions   = local.kms_use
    resources = [var.kms_key_arn]
  }

  statement {
    sid       = "DescribeNetwork"
    actions   = ["ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs"]
    resources = ["*"]
  }

  statement {
    sid       = "NetworkInterfacesInTheVpc"
    actions   = ["ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface"]
    resources = ["*"]

    condition {
      test     = "ArnEquals"
      variable = "ec2:Vpc"
      values   = ["arn:${local.context.partition}:ec2:${local.context.region}:${local.context.account}:vpc/${var.network.vpc_id}"]
    }
  }

  dynamic "statement" {
    for_each = local.codecommit ? [1] : []
    content {
      sid       = "PullSource"
      actions   = ["codecommit:GitPull"]
      resources = local.codecommit_arns
    }
  }

  dynamic "statement" {
    for_each = var.deploy_model_package_group == null ? [] : [var.deploy_model_package_group]
    content {
      sid       = "FindTheApprovedVersion"
      actions   = ["sagemaker:ListModelPackages"]
      resources = ["arn:${local.context.partition}:sagemaker:${local.context.region}:${local.context.account}:model-package-group/${statement.value}"]
    }
  }
}

locals {
  # What `mlops endpoint-monitors` calls: the three job definition kinds and their schedules.
  monitor_kinds = ["model-quality", "model-bias", "model-explainability"]
  sagemaker_arn = "arn:${local.context.partition}:sagemaker:${local.context.region}:${local.context.account}"
}

data "aws_iam_policy_document" "api_monitors" {
  count = var.create_pipelines && var.deploy_api_monitors && var.deploy_model_package_group != null ? 1 : 0

  statement {
    sid = "SetUpTheApiMonitors"
    actions = concat(
      flatten([for kind in ["ModelQuality", "ModelBias", "ModelExplainability"] : ["sagemaker:Create${kind}JobDefinition", "sagemaker:Delete${kind}JobDefinition"]]),
      ["sagemaker:CreateMonitoringSchedule", "sagemaker:DeleteMonitoringSchedule"],
    )
    resources = concat([for kind in local.monitor_kinds : "${local.sagemaker_arn}:${kind}-job-definition/*"], ["${local.sagemaker_arn}:monitoring-schedule/*"])
  }

  statement {
    sid       = "ListTheMonitors"
    actions   = ["sagemaker:ListModelBiasJobDefinitions", "sagemaker:ListModelExplainabilityJobDefinitions", "sagemaker:ListModelQualityJobDefinitions", "sagemaker:ListMonitoringSchedules"]
    resources = ["*"] # List actions take no resource
  }

  statement {
    sid       = "ReadTheServedPackage"
    actions   = ["sagemaker:DescribeModelPackage"]
    resources = ["${local.sagemaker_arn}:model-package/${var.deploy_model_package_group}/*"]
  }

  statement {
    sid       = "AlarmOnTheMonitors"
    actions   = ["cloudwatch:PutMetricAlarm"]
    resources = [for kind in local.monitor_kinds : "arn:${local.context.partition}:cloudwatch:${local.context.region}:${local.context.account}:alarm:*-${kind}-*"]
  }
}

data "aws_iam_policy_document" "codepipeline" {
  count = var.create_pipelines ? 1 : 0

  statement {
    sid       = "Artifacts"
    actions   = ["s3:GetBucketLocation", "s3:GetBucketVersioning", "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"]
    resources = [local.artifacts_bucket_arn, "${local.artifacts_bucket_arn}/*"]
  }

  statement {
    sid       = "RunTheseBuilds"
    actions   = ["codebuild:BatchGetBuilds", "codebuild:StartBuild"]
    resources = [for p in aws_codebuild_project.this : p.arn]
  }

  statement {
    sid       = "UseTheKey"
    actions   = local.kms_use
    resources = [var.kms_key_arn]
  }

  dynamic "statement" {
    for_each = local.codecommit ? [] : [var.source_repository.connection_arn]
    content {
      sid       = "UseConnection"
      actions   = ["codeconnections:UseConnection", "codestar-connections:UseConnection"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = local.codecommit ? [1] : []
    content {
      sid       = "CodeCommitSource"
      actions   = ["codecommit:GetBranch", "codecommit:GetCommit", "codecommit:GetUploadArchiveStatus", "codecommit:UploadArchive"]
      resources = local.codecommit_arns
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = local.service_roles

  name                 = "${var.name}-${each.key}"
  path                 = var.role_path
  assume_role_policy   = data.aws_iam_policy_document.trust[each.key].json
  permissions_boundary = var.permissions_boundary_arn
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "this" {
  for_each = local.service_roles

  name   = "${var.name}-${each.key}"
  role   = aws_iam_role.this[each.key].id
  policy = each.key == "codebuild" ? data.aws_iam_policy_document.codebuild[0].json : data.aws_iam_policy_document.codepipeline[0].json
}
