# The use-case side: what the named roles may read of the data lake, in their own account.

locals {
  consumer_bucket_arn = var.consumer == null ? "" : "arn:${local.partition}:s3:::${var.consumer.bucket_name}"
  consumer_roles      = var.consumer == null ? toset([]) : toset(var.consumer.role_names)
  # S3 decrypts in the bucket's region, which is the key's: kms:ViaService names that endpoint.
  consumer_via_s3 = var.consumer == null ? "" : "s3.${split(":", var.consumer.kms_key_arn)[3]}.amazonaws.com"
}

data "aws_iam_policy_document" "consumer" {
  count = var.consumer == null ? 0 : 1

  # s3:prefix exists on ListBucket only, and a listing without one would show every dataset's
  # keys: GetBucketLocation gets its own statement and the prefix condition has no IfExists.
  statement {
    sid       = "BucketLocation"
    actions   = ["s3:GetBucketLocation"]
    resources = [local.consumer_bucket_arn]

    condition {
      test     = "StringEquals"
      variable = "s3:ResourceAccount"
      values   = [var.consumer.account_id]
    }
  }

  statement {
    sid       = "ListDatasets"
    actions   = ["s3:ListBucket"]
    resources = [local.consumer_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [for p in var.consumer.prefixes : "${p}*"]
    }

    condition {
      test     = "StringEquals"
      variable = "s3:ResourceAccount"
      values   = [var.consumer.account_id]
    }
  }

  statement {
    sid       = "ReadDatasets"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = [for p in var.consumer.prefixes : "${local.consumer_bucket_arn}/${p}*"]

    condition {
      test     = "StringEquals"
      variable = "s3:ResourceAccount"
      values   = [var.consumer.account_id]
    }
  }

  statement {
    sid       = "DecryptDatasetsThroughS3"
    actions   = ["kms:Decrypt", "kms:DescribeKey"]
    resources = [var.consumer.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.consumer_via_s3]
    }
  }
}

resource "aws_iam_role_policy" "consumer" {
  for_each = local.consumer_roles

  name   = "${var.name}-data-lake-read"
  role   = each.value
  policy = data.aws_iam_policy_document.consumer[0].json
}
