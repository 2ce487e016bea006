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
  name         = "unit-iam"
  kms_key_arns = ["arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"]
  sagemaker_execution = {
    vpc_id = "vpc-0a1b2c3d"
    buckets = [
      { arn = "arn:aws:s3:::acme-data", read_prefixes = ["raw/"] },
      { arn = "arn:aws:s3:::acme-artifacts", write_prefixes = ["quality/"] },
    ]
  }
}

run "only_boundary_without_roles" {
  command = plan

  variables {
    sagemaker_execution = null
  }

  assert {
    condition     = length(aws_iam_role.execution) == 0 && aws_iam_policy.boundary.name == "unit-iam-permission-boundary" && aws_iam_policy.boundary.path == "/mlops/"
    error_message = "No role unless asked for; the boundary always exists."
  }
}

run "boundary_denies_the_guard_rail_breaches" {
  command = plan

  assert {
    condition = alltrue([for sid in [
      "DenySageMakerWithoutVpc", "DenySageMakerWithoutVolumeKey", "DenySageMakerWithoutOutputKey", "DenyWithoutNetworkIsolation",
      "DenyPlaintextInterContainerTraffic", "DenyWeakeningEncryption", "DenyIamOutsidePath", "DenyRolesWithoutThisBoundary",
      "DenyBoundaryRemovalOrEdit", "DenyWritesToOtherAccounts", "DenyKmsGrantsExceptForAwsServices",
    ] : strcontains(data.aws_iam_policy_document.boundary.json, "\"${sid}\"")])
    error_message = "The boundary carries every deny."
  }

  assert {
    condition     = strcontains(data.aws_iam_policy_document.boundary.json, "arn:aws:iam::123456789012:policy/mlops/unit-iam-permission-boundary")
    error_message = "New roles must carry exactly this boundary."
  }
}

run "roles_carry_the_boundary_and_exact_scopes" {
  command = plan

  assert {
    condition     = aws_iam_role.execution[0].name == "unit-iam-sagemaker-execution" && aws_iam_role.execution[0].permissions_boundary == "arn:aws:iam::123456789012:policy/mlops/unit-iam-permission-boundary"
    error_message = "The execution role carries the boundary."
  }

  assert {
    condition     = aws_iam_role.execution[0].path == "/mlops/" && strcontains(aws_iam_role.execution[0].assume_role_policy, "aws:SourceAccount") && strcontains(aws_iam_role.execution[0].assume_role_policy, "sagemaker.amazonaws.com")
    error_message = "The role lives under the path and trusts SageMaker of this account only."
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.sagemaker_execution[0].statement : s.actions if s.sid == "BucketLocation"]) == toset(["s3:GetBucketLocation"]) && one([for s in data.aws_iam_policy_document.sagemaker_execution[0].statement : s.actions if s.sid == "ListBucket0"]) == toset(["s3:ListBucket"])
    error_message = "GetBucketLocation is not under the s3:prefix condition it never carries."
  }

  assert {
    condition     = strcontains(data.aws_iam_policy_document.sagemaker_execution[0].json, "arn:aws:s3:::acme-data/raw/*") && strcontains(data.aws_iam_policy_document.sagemaker_execution[0].json, "arn:aws:s3:::acme-artifacts/quality/*") && !strcontains(data.aws_iam_policy_document.sagemaker_execution[0].json, "arn:aws:s3:::acme-data/*\"")
    error_message = "S3 access is per bucket and prefix."
  }

  assert {
    condition     = !strcontains(data.aws_iam_policy_document.sagemaker_execution[0].json, "sagemaker:*") && !strcontains(data.aws_iam_policy_document.sagemaker_execution[0].json, "s3:*")
    error_message = "No service wildcards in role policies."
  }
}

run "network_isolation_opt_out" {
  command = plan

  variables {
    require_network_isolation = false
  }

  assert {
    condition     = !strcontains(data.aws_iam_policy_document.boundary.json, "DenyWithoutNetworkIsolation")
    error_message = "The opt-out removes only the isolation deny."
  }
}

run "rejects_sagemaker_without_buckets" {
  command = plan
  variables {
    sagemaker_execution = { vpc_id = "vpc-0a1b2c3d", buckets = [] }
  }
  expect_failures = [var.sagemaker_execution]
}

run "rejects_wildcard_prefix" {
  command = plan
  variables {
    sagemaker_execution = { vpc_id = "vpc-0a1b2c3d", buckets = [{ arn = "arn:aws:s3:::acme-data", read_prefixes = ["*"] }] }
  }
  expect_failures = [var.sagemaker_execution]
}

run "rejects_no_kms_key" {
  command = plan
  variables {
    kms_key_arns = []
  }
  expect_failures = [var.kms_key_arns]
}

run "rejects_bad_name" {
  command = plan
  variables {
    name = "IAM"
  }
  expect_failures = [var.name]
}

run "rejects_bad_role_path" {
  command = plan
  variables {
    role_path = "mlops"
  }
  expect_failures = [var.role_path]
}

run "rejects_key_of_another_region" {
  command = plan
  variables {
    kms_key_arns = ["arn:aws:kms:eu-west-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"]
  }
  expect_failures = [var.kms_key_arns]
}
