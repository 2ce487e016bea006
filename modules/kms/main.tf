data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  root_arn   = "arn:${local.partition}:iam::${local.account_id}:root"

  # Administration only: no kms:* and no cryptographic actions, so that holding the admin
  # role does not mean reading the data.
  admin_actions = [
    "kms:CancelKeyDeletion", "kms:Create*", "kms:Delete*", "kms:Describe*", "kms:Disable*",
    "kms:Enable*", "kms:Get*", "kms:List*", "kms:Put*", "kms:Revoke*", "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource", "kms:Update*",
  ]
  crypto_actions = [
    "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*",
  ]
  service_hosts = {
    for s in var.service_principals : s => s == "logs" ? "logs.${local.region}.amazonaws.com" : "${s}.amazonaws.com"
  }
}

data "aws_iam_policy_document" "this" {
  #checkov:skip=CKV_AWS_111:A key policy's Resource "*" means this key only; write actions are limited to named principals and services.
  #checkov:skip=CKV_AWS_356:A key policy's Resource "*" means this key only (AWS requires "*" in key policies).
  statement {
    sid       = "AccountAdministration"
    actions   = local.admin_actions
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = distinct(concat([local.root_arn], var.administrator_arns))
    }
  }

  dynamic "statement" {
    for_each = length(var.user_arns) > 0 ? [1] : []
    content {
      sid       = "NamedUsers"
      actions   = concat(local.crypto_actions, ["kms:CreateGrant"])
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = var.user_arns
      }
    }
  }

  dynamic "statement" {
    for_each = length(var.via_services) > 0 ? [1] : []
    content {
      sid       = "AccountPrincipalsViaServices"
      actions   = concat(local.crypto_actions, ["kms:CreateGrant"])
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = [local.root_arn]
      }

      condition {
        test     = "StringEquals"
        variable = "kms:CallerAccount"
        values   = [local.account_id]
      }

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [for s in var.via_services : "${s}.${local.region}.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = local.service_hosts
    content {
      sid       = "Service${title(statement.key)}"
      actions   = local.crypto_actions
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = [statement.value]
      }

      dynamic "condition" {
        for_each = statement.key == "logs" ? [1] : []
        content {
          test     = "ArnLike"
          variable = "kms:EncryptionContext:aws:logs:arn"
          values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:*"]
        }
      }

      dynamic "condition" {
        for_each = statement.key == "logs" ? [] : [1]
        content {
          test     = "StringEquals"
          variable = "aws:SourceAccount"
          values   = [local.account_id]
        }
      }
    }
  }
}

resource "aws_kms_key" "this" {
  description             = var.description
  key_usage               = "ENCRYPT_DECRYPT"
  enable_key_rotation     = true
  rotation_period_in_days = var.rotation_period_in_days
  # 30 days is both AWS's maximum and this registry's minimum: time to notice a mistaken deletion.
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.this.json
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}
