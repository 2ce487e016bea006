# The provider's region, with no API call: keys and zones given to this module must be in it.
data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  # ARNs built from names, not read from the bucket resource, so the whole bucket policy is
  # known at plan time and the policy checks can read it on the plan.
  buckets = {
    for key, cfg in var.buckets : key => merge(cfg, {
      name = "${var.name}-${key}"
      arn  = "arn:${data.aws_partition.current.partition}:s3:::${var.name}-${key}"
    })
  }
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_144:Cross-region replication is a per-account disaster-recovery decision, made outside this module.
  #checkov:skip=CKV2_AWS_62:Event notifications are added by the consumers that need them (EventBridge rules), not by the bucket module.
  #checkov:skip=CKV_AWS_18:Access logging is on when access_log_bucket is set; the target must be an existing central log bucket (S3 cannot log to an SSE-KMS bucket of its own).
  for_each = local.buckets

  bucket        = each.value.name
  force_destroy = each.value.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each = local.buckets

  bucket                  = aws_s3_bucket.this[each.key].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id

  rule {
    bucket_key_enabled = true

    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id

  rule {
    id     = "default"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = each.value.abort_incomplete_upload_days
    }

    noncurrent_version_expiration {
      noncurrent_days = each.value.noncurrent_version_expiration_days
    }

    dynamic "transition" {
      for_each = each.value.transition_to_ia_days == null ? [] : [each.value.transition_to_ia_days]
      content {
        days          = transition.value
        storage_class = "STANDARD_IA"
      }
    }

    dynamic "expiration" {
      for_each = each.value.expiration_days == null ? [] : [each.value.expiration_days]
      content {
        days = expiration.value
      }
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_logging" "this" {
  for_each = var.access_log_bucket == null ? {} : local.buckets

  bucket        = aws_s3_bucket.this[each.key].id
  target_bucket = var.access_log_bucket
  target_prefix = "${var.access_log_prefix}/${each.value.name}/"
}

data "aws_iam_policy_document" "this" {
  #checkov:skip=CKV_AWS_111:Bucket policy of Deny statements plus reads by named principals, on this bucket's ARNs only (checkov cannot resolve each.value.arn in a module scan).
  #checkov:skip=CKV_AWS_356:Resources are this bucket's ARNs (each.value.arn), which checkov cannot resolve in a module scan.
  for_each = local.buckets

  # A share's statements (e.g. data-lake-access); this document's own Deny statements still hold.
  source_policy_documents = each.value.policy_json == null ? [] : [each.value.policy_json]

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [each.value.arn, "${each.value.arn}/*"]

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

  statement {
    sid       = "DenyOutdatedTls"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [each.value.arn, "${each.value.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "NumericLessThan"
      variable = "s3:TlsVersion"
      values   = ["1.2"]
    }
  }

  # Objects without an encryption header get SSE-KMS with the CMK from the bucket default;
  # these two statements forbid asking for anything weaker or for another key.
  statement {
    sid       = "DenyUnencryptedOrOtherAlgorithm"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["${each.value.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "StringNotEquals"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["aws:kms"]
    }

    condition {
      test     = "Null"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["false"]
    }
  }

  statement {
    sid       = "DenyOtherKmsKeys"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["${each.value.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "StringNotEquals"
      variable = "s3:x-amz-server-side-encryption-aws-kms-key-id"
      values   = [var.kms_key_arn]
    }

    condition {
      test     = "Null"
      variable = "s3:x-amz-server-side-encryption-aws-kms-key-id"
      values   = ["false"]
    }
  }

  dynamic "statement" {
    for_each = length(each.value.read_principal_arns) > 0 ? [1] : []
    content {
      sid       = "ReadByNamedPrincipals"
      actions   = ["s3:GetBucketLocation", "s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"]
      resources = [each.value.arn, "${each.value.arn}/*"]

      principals {
        type        = "AWS"
        identifiers = each.value.read_principal_arns
      }
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id
  policy = data.aws_iam_policy_document.this[each.key].json

  depends_on = [aws_s3_bucket_public_access_block.this]
}
