# Offline unit tests: the real AWS provider with fake credentials, no API calls (plan only).
# The data-lake account is 111111111111, the use case's dev account 210987654321.

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
    account_id = "111111111111"
    arn        = "arn:aws:iam::111111111111:root"
    user_id    = "111111111111"
  }
}

variables {
  name = "cdh-share"
  producer = {
    bucket_name = "cdh-raw"
    kms_key_arn = "arn:aws:kms:eu-central-1:111111111111:key/0b6a3f6e-1111-2222-3333-444455556666"
    consumers = {
      quality = {
        role_arn = "arn:aws:iam::210987654321:role/mlops/quality-sagemaker-execution"
        prefixes = ["quality/raw/"]
      }
      warranty = {
        role_arn = "arn:aws:iam::310987654321:role/mlops/warranty-sagemaker-execution"
        prefixes = ["warranty/claims/", "warranty/parts/"]
      }
    }
  }
}

run "producer_grants_each_named_role_and_denies_its_writes" {
  command = plan

  assert {
    condition     = length(aws_kms_grant.consumer) == 2 && aws_kms_grant.consumer["quality"].grantee_principal == "arn:aws:iam::210987654321:role/mlops/quality-sagemaker-execution"
    error_message = "One KMS grant per consumer, to its named role."
  }

  assert {
    condition     = toset(aws_kms_grant.consumer["warranty"].operations) == toset(["Decrypt", "DescribeKey"])
    error_message = "A grant decrypts only: no Encrypt, no GenerateDataKey, so nothing new can be written with the data lake's key."
  }

  assert {
    condition     = contains([for s in jsondecode(output.bucket_policy_json).Statement : s.Sid], "DenyConsumerWrites") && contains(one([for s in jsondecode(output.bucket_policy_json).Statement : s.Action if s.Sid == "DenyConsumerWrites"]), "s3:PutObject")
    error_message = "The share denies every consumer writes."
  }

  assert {
    condition     = one([for s in jsondecode(output.bucket_policy_json).Statement : s.Resource if s.Sid == "ReadQualityDatasets"]) == "arn:aws:s3:::cdh-raw/quality/raw/*" && one([for s in jsondecode(output.bucket_policy_json).Statement : s.Condition.StringLike["s3:prefix"] if s.Sid == "ListQualityDatasets"]) == "quality/raw/*"
    error_message = "The quality use case lists and reads its prefix only."
  }

  assert {
    condition     = length(aws_s3_bucket_policy.producer) == 0 && length(aws_iam_role_policy.consumer) == 0 && length(output.data_uris) == 0
    error_message = "By default the data lake's bucket policy is not written (the statements are an output to merge), and nothing happens on the consumer side."
  }
}

run "producer_can_write_the_whole_policy" {
  command = plan

  variables {
    producer = {
      bucket_name          = "cdh-raw"
      kms_key_arn          = "arn:aws:kms:eu-central-1:111111111111:key/0b6a3f6e-1111-2222-3333-444455556666"
      manage_bucket_policy = true
      consumers = {
        quality = { role_arn = "arn:aws:iam::210987654321:role/mlops/quality-sagemaker-execution", prefixes = ["quality/raw/"] }
      }
    }
  }

  assert {
    condition     = length(aws_s3_bucket_policy.producer) == 1 && strcontains(aws_s3_bucket_policy.producer[0].policy, "aws:SecureTransport") && strcontains(aws_s3_bucket_policy.producer[0].policy, "DenyConsumerWrites")
    error_message = "manage_bucket_policy writes the share's statements plus the TLS-only deny."
  }
}

run "consumer_reads_its_prefixes_of_that_account_through_s3" {
  command = plan

  variables {
    name     = "quality-dev"
    producer = null
    consumer = {
      account_id  = "111111111111"
      bucket_name = "cdh-raw"
      kms_key_arn = "arn:aws:kms:eu-central-1:111111111111:key/0b6a3f6e-1111-2222-3333-444455556666"
      prefixes    = ["quality/raw/"]
      role_names  = ["quality-sagemaker-execution", "quality-pipeline"]
    }
  }

  assert {
    condition     = length(aws_iam_role_policy.consumer) == 2 && aws_iam_role_policy.consumer["quality-pipeline"].name == "quality-dev-data-lake-read"
    error_message = "Each named role gets the read policy."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.consumer["quality-pipeline"].policy).Statement :
      try(s.Condition.StringEquals["s3:ResourceAccount"] == "111111111111", false) || try(s.Condition.StringEquals["kms:ViaService"] == "s3.eu-central-1.amazonaws.com", false)
    ])
    error_message = "Every S3 statement is pinned to the data-lake account, the key is used through S3 only."
  }

  assert {
    condition     = !strcontains(aws_iam_role_policy.consumer["quality-pipeline"].policy, "PutObject") && length(output.data_uris) == 1 && output.data_uris[0] == "s3://cdh-raw/quality/raw/"
    error_message = "The consumer reads; its data URIs are the shared prefixes."
  }

  assert {
    condition     = length(aws_kms_grant.consumer) == 0 && output.bucket_policy_json == null
    error_message = "Nothing happens on the producer side."
  }
}

run "rejects_a_wildcard_consumer_role" {
  command = plan
  variables {
    producer = {
      bucket_name = "cdh-raw"
      kms_key_arn = "arn:aws:kms:eu-central-1:111111111111:key/0b6a3f6e-1111-2222-3333-444455556666"
      consumers   = { quality = { role_arn = "arn:aws:iam::210987654321:role/*", prefixes = ["quality/raw/"] } }
    }
  }
  expect_failures = [var.producer]
}

run "rejects_an_account_root_consumer" {
  command = plan
  variables {
    producer = {
      bucket_name = "cdh-raw"
      kms_key_arn = "arn:aws:kms:eu-central-1:111111111111:key/0b6a3f6e-1111-2222-3333-444455556666"
      consumers   = { quality = { role_arn = "arn:aws:iam::210987654321:root", prefixes = ["quality/raw/"] } }
    }
  }
  expect_failures = [var.producer]
}

run "rejects_sharing_the_whole_bucket" {
  command = plan
  variables {
    producer = {
      bucket_name = "cdh-raw"
      kms_key_arn = "arn:aws:kms:eu-central-1:111111111111:key/0b6a3f6e-1111-2222-3333-444455556666"
      consumers   = { quality = { role_arn = "arn:aws:iam::210987654321:role/q", prefixes = ["*"] } }
    }
  }
  expect_failures = [var.producer]
}

run "rejects_a_key_of_another_account_on_the_producer_side" {
  command = plan
  variables {
    producer = {
      bucket_name = "cdh-raw"
      kms_key_arn = "arn:aws:kms:eu-central-1:999999999999:key/0b6a3f6e-1111-2222-3333-444455556666"
      consumers   = { quality = { role_arn = "arn:aws:iam::210987654321:role/q", prefixes = ["quality/raw/"] } }
    }
  }
  expect_failures = [var.producer]
}

run "rejects_neither_side" {
  command = plan
  variables {
    producer = null
  }
  expect_failures = [var.producer]
}

run "rejects_a_bad_consumer" {
  command = plan
  variables {
    producer = null
    consumer = {
      account_id  = "cdh"
      bucket_name = "cdh-raw"
      kms_key_arn = "arn:aws:kms:eu-central-1:111111111111:key/0b6a3f6e-1111-2222-3333-444455556666"
      prefixes    = ["quality/raw/"]
      role_names  = ["quality-pipeline"]
    }
  }
  expect_failures = [var.consumer]
}

run "rejects_a_consumer_prefix_without_a_slash" {
  command = plan
  variables {
    producer = null
    consumer = {
      account_id  = "111111111111"
      bucket_name = "cdh-raw"
      kms_key_arn = "arn:aws:kms:eu-central-1:111111111111:key/0b6a3f6e-1111-2222-3333-444455556666"
      prefixes    = ["quality"]
      role_names  = ["quality-pipeline"]
    }
  }
  expect_failures = [var.consumer]
}

run "rejects_a_bad_name" {
  command = plan
  variables {
    name = "CDH"
  }
  expect_failures = [var.name]
}
