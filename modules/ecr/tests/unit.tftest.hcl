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
  name           = "quality/serving"
  kms_key_arn    = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
  pull_role_arns = ["arn:aws:iam::123456789012:role/mlops/quality-sagemaker-execution"]
}

run "secure_defaults" {
  command = plan

  assert {
    condition     = aws_ecr_repository.this.image_tag_mutability == "IMMUTABLE" && aws_ecr_repository.this.image_scanning_configuration[0].scan_on_push
    error_message = "Tags are immutable and images are scanned on push."
  }

  assert {
    condition     = aws_ecr_repository.this.encryption_configuration[0].kms_key == var.kms_key_arn
    error_message = "Images are encrypted with the CMK."
  }

  assert {
    condition     = length(jsondecode(aws_ecr_lifecycle_policy.this.policy).rules) == 2
    error_message = "Untagged and surplus images expire."
  }
}

run "rejects_no_pull_roles" {
  command = plan
  variables {
    pull_role_arns = []
  }
  expect_failures = [var.pull_role_arns]
}

run "rejects_bad_push_role" {
  command = plan
  variables {
    push_role_arns = ["*"]
  }
  expect_failures = [var.push_role_arns]
}

run "rejects_bad_name" {
  command = plan
  variables {
    name = "Quality/Serving"
  }
  expect_failures = [var.name]
}

run "rejects_zero_images" {
  command = plan
  variables {
    max_image_count = 0
  }
  expect_failures = [var.max_image_count]
}

run "rejects_zero_expiry" {
  command = plan
  variables {
    untagged_expiry_days = 0
  }
  expect_failures = [var.untagged_expiry_days]
}

run "rejects_alias" {
  command = plan
  variables {
    kms_key_arn = "alias/aws/ecr"
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
