# One policy document per role, each built only from the resources the caller passed in.

locals {
  logs_arn = "${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group"
  sm_arn   = "${local.arn_prefix}:sagemaker:${local.region}:${local.account_id}"
  vpc_arn  = "${local.arn_prefix}:ec2:${local.region}:${local.account_id}:vpc"
  sm_buckets = var.sagemaker_execution == null ? [] : [
    for b in var.sagemaker_execution.buckets : {
      arn    = b.arn
      read   = [for p in distinct(concat(b.read_prefixes, b.write_prefixes)) : "${b.arn}/${p}*"]
      write  = [for p in b.write_prefixes : "${b.arn}/${p}*"]
      listed = [for p in distinct(concat(b.read_prefixes, b.write_prefixes)) : "${p}*"]
    }
  ]
}

data "aws_iam_policy_document" "sagemaker_execution" {
  count = var.sagemaker_execution == null ? 0 : 1

  dynamic "statement" {
    for_each = local.sm_buckets
    content {
      sid       = "ListBucket${statement.key}"
      actions   = ["s3:GetBucketLocation", "s3:ListBucket"]
      resources = [statement.value.arn]

      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = statement.value.listed
      }
    }
  }

  statement {
    sid       = "ReadPrefixes"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = flatten(local.sm_buckets[*].read)
  }

  dynamic "statement" {
    for_each = length(flatten(local.sm_buckets[*].write)) > 0 ? [1] : []
    content {
      sid       = "WritePrefixes"
      actions   = ["s3:AbortMultipartUpload", "s3:PutObject"]
      resources = flatten(local.sm_buckets[*].write)
    }
  }

  statement {
    sid       = "UseKeys"
    actions   = concat(local.kms_use_actions, ["kms:CreateGrant"])
    resources = var.kms_key_arns
  }

  statement {
    sid       = "JobLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    resources = ["${local.logs_arn}:/aws/sagemaker/*"]
  }

  statement {
    sid       = "JobMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringLike"
      variable = "cloudwatch:namespace"
      values   = ["/aws/sagemaker/*", "aws/sagemaker/*"]
    }
  }

  statement {
    sid       = "DescribeNetwork"
    actions   = ["ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs"]
    resources = ["*"]
  }

  statement {
    sid       = "NetworkInterfacesInTheVpc"
    actions   = ["ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface", "ec2:DeleteNetworkInterfacePermission"]
    resources = ["*"]

    condition {
      test     = "ArnEquals"
      variable = "ec2:Vpc"
      values   = ["${local.vpc_arn}/${var.sagemaker_execution.vpc_id}"]
    }
  }

  dynamic "statement" {
    for_each = length(var.sagemaker_execution.ecr_repository_arns) > 0 ? [1] : []
    content {
      sid       = "PullImages"
      actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
      resources = var.sagemaker_execution.ecr_repository_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.sagemaker_execution.ecr_repository_arns) > 0 ? [1] : []
    content {
      sid       = "EcrToken"
      actions   = ["ecr:GetAuthorizationToken"]
      resources = ["*"]
    }
  }
}

data "aws_iam_policy_document" "eventbridge" {
  count = var.eventbridge == null ? 0 : 1

  dynamic "statement" {
    for_each = length(var.eventbridge.state_machine_arns) > 0 ? [1] : []
    content {
      sid       = "StartStateMachines"
      actions   = ["states:StartExecution"]
      resources = var.eventbridge.state_machine_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.eventbridge.codepipeline_arns) > 0 ? [1] : []
    content {
      sid       = "StartPipelines"
      actions   = ["codepipeline:StartPipelineExecution"]
      resources = var.eventbridge.codepipeline_arns
    }
  }
}

data "aws_iam_policy_document" "lambda" {
  count = var.lambda == null ? 0 : 1

  statement {
    sid       = "FunctionLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.logs_arn}:/aws/lambda/${var.lambda.function_name_prefix}*"]
  }

  statement {
    sid       = "UseKeys"
    actions   = local.kms_use_actions
    resources = var.kms_key_arns
  }
}

data "aws_iam_policy_document" "codebuild" {
  count = var.codebuild == null ? 0 : 1

  statement {
    sid       = "BuildLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.logs_arn}:/aws/codebuild/${var.codebuild.project_name_prefix}*"]
  }

  statement {
    sid       = "Artifacts"
    actions   = ["s3:GetBucketLocation", "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"]
    resources = [var.codebuild.artifact_bucket_arn, "${var.codebuild.artifact_bucket_arn}/*"]
  }

  statement {
    sid       = "UseKeys"
    actions   = local.kms_use_actions
    resources = var.kms_key_arns
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
      values   = ["${local.vpc_arn}/${var.codebuild.vpc_id}"]
    }
  }

  dynamic "statement" {
    for_each = length(var.codebuild.codecommit_repository_arns) > 0 ? [1] : []
    content {
      sid       = "PullSource"
      actions   = ["codecommit:GitPull"]
      resources = var.codebuild.codecommit_repository_arns
    }
  }
}

data "aws_iam_policy_document" "codepipeline" {
  count = var.codepipeline == null ? 0 : 1

  statement {
    sid       = "Artifacts"
    actions   = ["s3:GetBucketLocation", "s3:GetBucketVersioning", "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"]
    resources = [var.codepipeline.artifact_bucket_arn, "${var.codepipeline.artifact_bucket_arn}/*"]
  }

  statement {
    sid       = "RunBuilds"
    actions   = ["codebuild:BatchGetBuilds", "codebuild:StartBuild"]
    resources = var.codepipeline.codebuild_project_arns
  }

  statement {
    sid       = "UseKeys"
    actions   = local.kms_use_actions
    resources = var.kms_key_arns
  }

  dynamic "statement" {
    for_each = var.codepipeline.connection_arn == null ? [] : [var.codepipeline.connection_arn]
    content {
      sid       = "UseConnection"
      actions   = ["codeconnections:UseConnection", "codestar-connections:UseConnection"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = length(var.codepipeline.codecommit_repository_arns) > 0 ? [1] : []
    content {
      sid       = "CodeCommitSource"
      actions   = ["codecommit:GetBranch", "codecommit:GetCommit", "codecommit:GetUploadArchiveStatus", "codecommit:UploadArchive"]
      resources = var.codepipeline.codecommit_repository_arns
    }
  }
}
