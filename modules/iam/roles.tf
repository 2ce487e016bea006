# The execution role's policy, built only from the buckets, keys, VPC and repositories passed in.

locals {
  logs_arn = "${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group"
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

  # s3:prefix is a condition key of ListBucket only: GetBucketLocation gets its own statement, or
  # the condition would never match it and it would never be allowed.
  statement {
    sid       = "BucketLocation"
    actions   = ["s3:GetBucketLocation"]
    resources = local.sm_buckets[*].arn
  }

  dynamic "statement" {
    for_each = local.sm_buckets
    content {
      sid       = "ListBucket${statement.key}"
      actions   = ["s3:ListBucket"]
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
