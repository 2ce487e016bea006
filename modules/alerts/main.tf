data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  topic_arn  = "arn:${data.aws_partition.current.partition}:sns:${data.aws_region.current.name}:${local.account_id}:${var.name}"
}

resource "aws_sns_topic" "this" {
  name              = var.name
  kms_master_key_id = var.kms_key_arn

  # Delivery-status logging for every protocol used by the subscriptions.
  http_success_feedback_role_arn    = aws_iam_role.delivery_status.arn
  http_failure_feedback_role_arn    = aws_iam_role.delivery_status.arn
  sqs_success_feedback_role_arn     = aws_iam_role.delivery_status.arn
  sqs_failure_feedback_role_arn     = aws_iam_role.delivery_status.arn
  http_success_feedback_sample_rate = 100
  sqs_success_feedback_sample_rate  = 100

  tags = var.tags
}

data "aws_iam_policy_document" "topic" {
  statement {
    sid       = "AccountPrincipals"
    actions   = ["sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic", "sns:Publish", "sns:Subscribe"]
    resources = [local.topic_arn]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${local.account_id}:root"]
    }
  }

  dynamic "statement" {
    for_each = length(var.publisher_services) > 0 ? [1] : []
    content {
      sid       = "AccountServicesPublish"
      actions   = ["sns:Publish"]
      resources = [local.topic_arn]

      principals {
        type        = "Service"
        identifiers = [for s in var.publisher_services : "${s}.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [local.account_id]
      }
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = [local.topic_arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sns_topic_policy" "this" {
  #checkov:skip=CKV_AWS_385:The only "*" principal is in the TLS-only Deny; allows go to this account's root and to services limited by aws:SourceAccount.
  arn    = aws_sns_topic.this.arn
  policy = data.aws_iam_policy_document.topic.json
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.email_addresses)

  topic_arn = aws_sns_topic.this.arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_sns_topic_subscription" "https" {
  for_each = toset(var.https_endpoints)

  topic_arn              = aws_sns_topic.this.arn
  protocol               = "https"
  endpoint               = each.value
  endpoint_auto_confirms = false
}

resource "aws_sns_topic_subscription" "sqs" {
  for_each = toset(var.sqs_queue_arns)

  topic_arn            = aws_sns_topic.this.arn
  protocol             = "sqs"
  endpoint             = each.value
  raw_message_delivery = true
}

data "aws_iam_policy_document" "delivery_status_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

data "aws_iam_policy_document" "delivery_status" {
  statement {
    sid     = "DeliveryStatusLogs"
    actions = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:PutMetricFilter", "logs:PutRetentionPolicy"]
    resources = [
      "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${local.account_id}:log-group:sns/${data.aws_region.current.name}/${local.account_id}/${var.name}*",
    ]
  }
}

resource "aws_iam_role" "delivery_status" {
  name                 = "${var.name}-sns-delivery-status"
  assume_role_policy   = data.aws_iam_policy_document.delivery_status_trust.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "delivery_status" {
  name   = "delivery-status-logs"
  role   = aws_iam_role.delivery_status.id
  policy = data.aws_iam_policy_document.delivery_status.json
}
