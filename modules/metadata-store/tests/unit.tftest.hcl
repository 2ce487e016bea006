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
  name        = "unit-executions"
  kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
}

run "secure_defaults" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.this.deletion_protection_enabled && aws_dynamodb_table.this.point_in_time_recovery[0].enabled
    error_message = "Deletion protection and point-in-time recovery are on by default."
  }

  assert {
    condition     = aws_dynamodb_table.this.server_side_encryption[0].kms_key_arn == var.kms_key_arn
    error_message = "The table is encrypted with the CMK."
  }

  assert {
    condition     = toset([for i in aws_dynamodb_table.this.global_secondary_index : i.name]) == toset(["by-experiment", "by-model-package"])
    error_message = "Runs can be queried by experiment and by model package."
  }
}

run "rejects_bad_name" {
  command = plan
  variables {
    name = "x"
  }
  expect_failures = [var.name]
}

run "rejects_alias" {
  command = plan
  variables {
    kms_key_arn = "alias/aws/dynamodb"
  }
  expect_failures = [var.kms_key_arn]
}

run "rejects_key_of_another_region" {
  command = plan
  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
  }
  expect_failures = [var.kms_key_arn]
}
