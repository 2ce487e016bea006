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
  name                     = "unit-alerts"
  kms_key_arn              = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
  permissions_boundary_arn = "arn:aws:iam::123456789012:policy/mlops/unit-boundary"
  email_addresses          = ["ml-oncall@example.com"]
  sqs_queue_arns           = ["arn:aws:sqs:eu-central-1:123456789012:tickets"]
}

run "secure_defaults" {
  command = plan

  assert {
    condition     = aws_sns_topic.this.kms_master_key_id == var.kms_key_arn
    error_message = "The topic is encrypted with the CMK."
  }

  assert {
    condition     = strcontains(data.aws_iam_policy_document.topic.json, "aws:SecureTransport") && strcontains(data.aws_iam_policy_document.topic.json, "aws:SourceAccount")
    error_message = "The topic policy denies plain HTTP and limits services to this account."
  }

  assert {
    condition     = length(aws_sns_topic_subscription.email) == 1 && aws_sns_topic_subscription.sqs["arn:aws:sqs:eu-central-1:123456789012:tickets"].raw_message_delivery
    error_message = "Subscriptions are created per protocol."
  }

  assert {
    condition     = aws_iam_role.delivery_status.permissions_boundary == var.permissions_boundary_arn
    error_message = "The delivery-status role carries the boundary."
  }
}

run "rejects_plain_http_endpoint" {
  command = plan
  variables {
    https_endpoints = ["http://hooks.example.com/alert"]
  }
  expect_failures = [var.https_endpoints]
}

run "rejects_bad_email" {
  command = plan
  variables {
    email_addresses = ["not-an-address"]
  }
  expect_failures = [var.email_addresses]
}

run "rejects_bad_queue" {
  command = plan
  variables {
    sqs_queue_arns = ["tickets"]
  }
  expect_failures = [var.sqs_queue_arns]
}

run "rejects_unknown_publisher" {
  command = plan
  variables {
    publisher_services = ["ec2"]
  }
  expect_failures = [var.publisher_services]
}

run "rejects_alias" {
  command = plan
  variables {
    kms_key_arn = "alias/aws/sns"
  }
  expect_failures = [var.kms_key_arn]
}

run "rejects_bad_name" {
  command = plan
  variables {
    name = "a b"
  }
  expect_failures = [var.name]
}

run "rejects_bad_boundary" {
  command = plan
  variables {
    permissions_boundary_arn = "boundary"
  }
  expect_failures = [var.permissions_boundary_arn]
}

run "rejects_key_of_another_region" {
  command = plan
  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
  }
  expect_failures = [var.kms_key_arn]
}
