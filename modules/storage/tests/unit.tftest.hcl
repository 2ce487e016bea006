# Offline unit tests: the real AWS provider with fake credentials, no API calls (plan only).

provider "aws" {
  region                      = "eu-central-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

variables {
  name        = "acme-unit"
  kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
  buckets = {
    data      = {}
    artifacts = { read_principal_arns = ["arn:aws:iam::210987654321:role/prod-inference"] }
  }
}

run "secure_defaults" {
  command = plan

  assert {
    condition     = toset(keys(aws_s3_bucket.this)) == toset(["artifacts", "data"]) && aws_s3_bucket.this["data"].bucket == "acme-unit-data"
    error_message = "One bucket per key, named <name>-<key>."
  }

  assert {
    condition     = alltrue([for c in aws_s3_bucket_server_side_encryption_configuration.this : one(c.rule).bucket_key_enabled && one(one(c.rule).apply_server_side_encryption_by_default).kms_master_key_id == var.kms_key_arn])
    error_message = "Every bucket must default to SSE-KMS with the CMK and bucket keys."
  }

  assert {
    condition     = alltrue([for p in aws_s3_bucket_public_access_block.this : p.block_public_acls && p.block_public_policy && p.ignore_public_acls && p.restrict_public_buckets])
    error_message = "Every bucket must block all public access."
  }

  assert {
    condition     = alltrue([for o in aws_s3_bucket_ownership_controls.this : one(o.rule).object_ownership == "BucketOwnerEnforced"])
    error_message = "ACLs must be disabled (BucketOwnerEnforced)."
  }

  assert {
    condition     = alltrue([for d in data.aws_iam_policy_document.this : strcontains(d.json, "aws:SecureTransport") && strcontains(d.json, "s3:TlsVersion")])
    error_message = "Every bucket policy must deny insecure transport and old TLS."
  }

  assert {
    condition     = strcontains(data.aws_iam_policy_document.this["artifacts"].json, "arn:aws:iam::210987654321:role/prod-inference") && !strcontains(data.aws_iam_policy_document.this["data"].json, "210987654321")
    error_message = "read_principal_arns must reach only the bucket they are given for."
  }

  assert {
    condition     = length(aws_s3_bucket_logging.this) == 0
    error_message = "Access logging is off without access_log_bucket."
  }
}

run "access_logging_to_central_bucket" {
  command = plan

  variables {
    access_log_bucket = "org-log-archive"
  }

  assert {
    condition     = aws_s3_bucket_logging.this["data"].target_bucket == "org-log-archive" && aws_s3_bucket_logging.this["data"].target_prefix == "s3-access-logs/acme-unit-data/"
    error_message = "Access logs must go to the central bucket under <prefix>/<bucket>/."
  }
}

run "rejects_bad_log_bucket" {
  command = plan

  variables {
    access_log_bucket = "Bad_Bucket"
  }

  expect_failures = [var.access_log_bucket]
}

run "rejects_no_buckets" {
  command = plan

  variables {
    buckets = {}
  }

  expect_failures = [var.buckets]
}

run "rejects_short_ia_transition" {
  command = plan

  variables {
    buckets = { data = { transition_to_ia_days = 10 } }
  }

  expect_failures = [var.buckets]
}

run "rejects_wildcard_reader" {
  command = plan

  variables {
    buckets = { data = { read_principal_arns = ["*"] } }
  }

  expect_failures = [var.buckets]
}

run "rejects_alias_instead_of_key_arn" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:alias/aws/s3"
  }

  expect_failures = [var.kms_key_arn]
}

run "rejects_bad_name" {
  command = plan

  variables {
    name = "Acme_Unit"
  }

  expect_failures = [var.name]
}

run "rejects_key_of_another_region" {
  command = plan
  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
  }
  expect_failures = [var.kms_key_arn]
}

run "rejects_expiration_before_transition" {
  command = plan
  variables {
    buckets = { data = { transition_to_ia_days = 90, expiration_days = 60 } }
  }
  expect_failures = [var.buckets]
}

run "rejects_wildcard_role_reader" {
  command = plan
  variables {
    buckets = { data = { read_principal_arns = ["arn:aws:iam::210987654321:role/*"] } }
  }
  expect_failures = [var.buckets]
}

run "a_share_is_merged_into_the_bucket_policy" {
  command = plan

  variables {
    buckets = {
      raw = {
        policy_json = jsonencode({
          Version = "2012-10-17"
          Statement = [{
            Sid       = "ReadQualityDatasets"
            Effect    = "Allow"
            Action    = "s3:GetObject"
            Resource  = "arn:aws:s3:::acme-unit-raw/quality/raw/*"
            Principal = { AWS = "arn:aws:iam::210987654321:role/mlops/quality-dev-sagemaker-execution" }
          }]
        })
      }
    }
  }

  assert {
    condition     = strcontains(data.aws_iam_policy_document.this["raw"].json, "ReadQualityDatasets") && strcontains(data.aws_iam_policy_document.this["raw"].json, "DenyInsecureTransport")
    error_message = "The share's statements join the bucket's own, which still deny insecure transport."
  }
}

run "rejects_a_policy_json_that_is_not_a_policy" {
  command = plan
  variables {
    buckets = { raw = { policy_json = "not json" } }
  }
  expect_failures = [var.buckets]
}
