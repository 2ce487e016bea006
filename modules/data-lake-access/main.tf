# Read access to a data lake in another account, for both sides, without copied credentials:
# the data-lake account names each use case's role (KMS grant + bucket policy statements), the
# use-case account gives that role the matching identity policy. Cross-account S3 reads need both.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition
  write_actions = [
    "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObject", "s3:PutObjectAcl", "s3:PutObjectTagging",
    "s3:PutObjectVersionAcl", "s3:ReplicateObject", "s3:RestoreObject",
  ]
  producer_bucket_arn = var.producer == null ? "" : "arn:${local.partition}:s3:::${var.producer.bucket_name}"
  consumers           = var.producer == null ? {} : var.producer.consumers
}

# A grant, not a key policy edit: the data lake's key policy stays the data-lake team's, each
# use case's access is one revocable object, and KMS checks the grantee role exists.
resource "aws_kms_grant" "consumer" {
  for_each = local.consumers

  name              = "${var.name}-${each.key}-read"
  key_id            = var.producer.kms_key_arn
  grantee_principal = each.value.role_arn
  operations        = ["Decrypt", "DescribeKey"]
}

data "aws_iam_policy_document" "producer_grants" {
  count = var.producer == null ? 0 : 1

  statement {
    sid       = "ConsumersBucketLocation"
    actions   = ["s3:GetBucketLocation"]
    resources = [local.producer_bucket_arn]

    principals {
      type        = "AWS"
      identifiers = sort([for c in values(local.consumers) : c.role_arn])
    }
  }

  # Without IfExists: a listing without a prefix (every dataset's keys) is not allowed.
  dynamic "statement" {
    for_each = local.consumers
    content {
      sid       = "List${replace(title(replace(statement.key, "-", " ")), " ", "")}Datasets"
      actions   = ["s3:ListBucket"]
      resources = [local.producer_bucket_arn]

      principals {
        type        = "AWS"
        identifiers = [statement.value.role_arn]
      }

      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = [for p in statement.value.prefixes : "${p}*"]
      }
    }
  }

  dynamic "statement" {
    for_each = local.consumers
    content {
      sid       = "Read${replace(title(replace(statement.key, "-", " ")), " ", "")}Datasets"
      actions   = ["s3:GetObject", "s3:GetObjectVersion"]
      resources = [for p in statement.value.prefixes : "${local.producer_bucket_arn}/${p}*"]

      principals {
        type        = "AWS"
        identifiers = [statement.value.role_arn]
      }
    }
  }

  # Reading is all a use case may do here, whatever else the bucket policy grants.
  statement {
    sid       = "DenyConsumerWrites"
    effect    = "Deny"
    actions   = local.write_actions
    resources = ["${local.producer_bucket_arn}/*"]

    principals {
      type        = "AWS"
      identifiers = sort([for c in values(local.consumers) : c.role_arn])
    }
  }
}

data "aws_iam_policy_document" "producer_bucket" {
  count = try(var.producer.manage_bucket_policy, false) ? 1 : 0

  source_policy_documents = [data.aws_iam_policy_document.producer_grants[0].json]

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.producer_bucket_arn, "${local.producer_bucket_arn}/*"]

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

resource "aws_s3_bucket_policy" "producer" {
  count = try(var.producer.manage_bucket_policy, false) ? 1 : 0

  bucket = var.producer.bucket_name
  policy = data.aws_iam_policy_document.producer_bucket[0].json
}
