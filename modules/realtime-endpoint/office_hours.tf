# Out of hours, a non-prod instance endpoint is deleted and created again in the morning with the
# configuration Terraform applied: SageMaker bills an instance endpoint by the hour while it
# exists and has no stopped state. EventBridge Scheduler calls the SageMaker API itself
# (universal targets), with a role that may touch this endpoint only.

locals {
  office_hours = var.office_hours == null ? {} : { start = var.office_hours.start, stop = var.office_hours.stop }
}

resource "aws_scheduler_schedule" "office_hours" {
  for_each = local.office_hours

  name                         = "${var.name}-${each.key}"
  description                  = "${each.key == "stop" ? "Deletes" : "Creates again"} endpoint ${var.name} out of office hours (realtime-endpoint office_hours)."
  schedule_expression          = each.value
  schedule_expression_timezone = var.office_hours.timezone
  kms_key_arn                  = var.kms_key_arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = "arn:aws:scheduler:::aws-sdk:sagemaker:${each.key == "stop" ? "deleteEndpoint" : "createEndpoint"}"
    role_arn = aws_iam_role.office_hours[0].arn
    input = each.key == "stop" ? jsonencode({ EndpointName = aws_sagemaker_endpoint.this.name }) : jsonencode({
      EndpointName       = aws_sagemaker_endpoint.this.name
      EndpointConfigName = aws_sagemaker_endpoint_configuration.this.name
      Tags               = [for k, v in var.tags : { Key = k, Value = v }]
    })

    retry_policy {
      maximum_retry_attempts = 3
    }
  }

  lifecycle {
    precondition {
      condition     = var.environment != "prod" && local.instance_based
      error_message = "office_hours: only non-prod instance endpoints stop out of hours (a prod endpoint serves around the clock; a serverless one costs nothing idle); set office_hours = null."
    }
  }
}

data "aws_iam_policy_document" "office_hours_trust" {
  count = var.office_hours == null ? 0 : 1

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [split(":", aws_sagemaker_endpoint.this.arn)[4]]
    }
  }
}

data "aws_iam_policy_document" "office_hours" {
  count = var.office_hours == null ? 0 : 1

  statement {
    sid       = "StopAndStartThisEndpoint"
    actions   = ["sagemaker:DeleteEndpoint", "sagemaker:CreateEndpoint", "sagemaker:AddTags"]
    resources = [aws_sagemaker_endpoint.this.arn, aws_sagemaker_endpoint_configuration.this.arn]
  }

  statement {
    sid       = "EncryptTheEndpointWithItsKey"
    actions   = ["kms:CreateGrant", "kms:DescribeKey"]
    resources = [var.kms_key_arn]

    condition {
      test     = "Bool"
      variable = "kms:GrantIsForAWSResource"
      values   = ["true"]
    }
  }
}

resource "aws_iam_role" "office_hours" {
  count = var.office_hours == null ? 0 : 1

  name                 = "${var.name}-office-hours"
  path                 = var.office_hours.role_path
  assume_role_policy   = data.aws_iam_policy_document.office_hours_trust[0].json
  permissions_boundary = var.office_hours.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "office_hours" {
  count = var.office_hours == null ? 0 : 1

  name   = "${var.name}-office-hours"
  role   = aws_iam_role.office_hours[0].id
  policy = data.aws_iam_policy_document.office_hours[0].json
}
