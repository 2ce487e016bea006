# Offline unit tests: the real AWS provider with fake credentials, no API calls (plan only).

provider "aws" {
  region                      = "eu-central-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

override_data {
  target = data.aws_caller_identity.current
  values = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:root"
    user_id    = "123456789012"
  }
}

variables {
  name = "unit-test"
}

run "secure_defaults" {
  command = plan

  assert {
    condition     = aws_kms_key.this.enable_key_rotation && aws_kms_key.this.rotation_period_in_days == 365
    error_message = "Rotation must be on with the default 365-day period."
  }

  assert {
    condition     = aws_kms_key.this.deletion_window_in_days == 30
    error_message = "The deletion window must be 30 days."
  }

  assert {
    condition     = aws_kms_alias.this.name == "alias/unit-test"
    error_message = "The alias must be alias/<name>."
  }

  assert {
    condition     = !strcontains(data.aws_iam_policy_document.this.json, "\"kms:*\"")
    error_message = "The key policy must not grant kms:*."
  }

  assert {
    condition     = strcontains(data.aws_iam_policy_document.this.json, "logs.eu-central-1.amazonaws.com")
    error_message = "CloudWatch Logs (regional principal) must be allowed by default."
  }
}

run "named_users_get_crypto_access" {
  command = plan

  variables {
    user_arns = ["arn:aws:iam::123456789012:role/ml-training"]
  }

  assert {
    condition     = strcontains(data.aws_iam_policy_document.this.json, "arn:aws:iam::123456789012:role/ml-training")
    error_message = "Named users must appear in the key policy."
  }
}

run "rejects_bad_name" {
  command = plan

  variables {
    name = "Bad_Name"
  }

  expect_failures = [var.name]
}

run "rejects_reserved_aws_prefix" {
  command = plan

  variables {
    name = "aws-data"
  }

  expect_failures = [var.name]
}

run "rejects_wildcard_administrator" {
  command = plan

  variables {
    administrator_arns = ["*"]
  }

  expect_failures = [var.administrator_arns]
}

run "rejects_non_role_user" {
  command = plan

  variables {
    user_arns = ["arn:aws:iam::123456789012:root"]
  }

  expect_failures = [var.user_arns]
}

run "rejects_short_rotation" {
  command = plan

  variables {
    rotation_period_in_days = 30
  }

  expect_failures = [var.rotation_period_in_days]
}

run "rejects_unknown_service_principal" {
  command = plan

  variables {
    service_principals = ["logs", "ec2"]
  }

  expect_failures = [var.service_principals]
}

run "rejects_unknown_via_service" {
  command = plan

  variables {
    via_services = ["s3", "rds"]
  }

  expect_failures = [var.via_services]
}

run "rejects_wildcard_role_user" {
  command = plan
  variables {
    user_arns = ["arn:aws:iam::123456789012:role/ml-*"]
  }
  expect_failures = [var.user_arns]
}
