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
  name               = "unit-studio"
  execution_role_arn = "arn:aws:iam::123456789012:role/mlops/unit-sagemaker-execution"
  kms_key_arn        = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
  network            = { vpc_id = "vpc-0a", subnet_ids = ["subnet-0a", "subnet-0b"], security_group_ids = ["sg-0a"] }
  user_profiles      = ["jane", "omar"]
}

run "domain_is_vpc_only_encrypted_and_private" {
  command = plan

  assert {
    condition     = aws_sagemaker_domain.this[0].app_network_access_type == "VpcOnly" && aws_sagemaker_domain.this[0].kms_key_id == var.kms_key_arn && length(aws_sagemaker_domain.this[0].subnet_ids) == 2
    error_message = "The domain runs VpcOnly in the given subnets with the CMK."
  }

  assert {
    condition     = aws_sagemaker_domain.this[0].default_user_settings[0].sharing_settings[0].notebook_output_option == "Disabled" && aws_sagemaker_domain.this[0].retention_policy[0].home_efs_file_system == "Retain"
    error_message = "Notebook outputs are not shared and home volumes survive a destroy by default."
  }

  assert {
    condition     = toset(keys(aws_sagemaker_user_profile.this)) == toset(["jane", "omar"]) && length(aws_sagemaker_notebook_instance.this) == 0
    error_message = "One profile per user; no notebook instance unless asked."
  }
}

run "lifecycle_script_exports_settings_quoted" {
  command = plan
  variables {
    environment_variables = { MLOPS_USE_CASE = "quality" }
  }
  assert {
    condition     = strcontains(base64decode(aws_sagemaker_studio_lifecycle_config.this[0].studio_lifecycle_config_content), "export MLOPS_USE_CASE='quality'")
    error_message = "The lifecycle script exports the settings, single-quoted."
  }
}

run "notebook_instance_variant_is_locked_down" {
  command = plan
  variables {
    create_domain     = false
    notebook_instance = {}
  }
  assert {
    condition     = length(aws_sagemaker_domain.this) == 0 && aws_sagemaker_notebook_instance.this[0].direct_internet_access == "Disabled" && aws_sagemaker_notebook_instance.this[0].root_access == "Disabled" && aws_sagemaker_notebook_instance.this[0].kms_key_id == var.kms_key_arn && aws_sagemaker_notebook_instance.this[0].subnet_id == "subnet-0a"
    error_message = "The notebook instance has no internet, no root, a CMK volume and sits in the VPC."
  }
}

run "idle_apps_stop_after_two_hours_by_default" {
  command = plan

  assert {
    condition     = one(one(one(aws_sagemaker_domain.this[0].default_user_settings[0].jupyter_lab_app_settings).app_lifecycle_management).idle_settings).idle_timeout_in_minutes == 120
    error_message = "An idle JupyterLab app stops after 120 minutes unless the use case says otherwise."
  }

  assert {
    condition     = one(one(one(aws_sagemaker_domain.this[0].default_user_settings[0].jupyter_lab_app_settings).app_lifecycle_management).idle_settings).lifecycle_management == "ENABLED"
    error_message = "Idle shutdown is enabled."
  }
}

run "idle_shutdown_can_be_turned_off" {
  command = plan
  variables {
    idle_shutdown_minutes = null
  }
  assert {
    condition     = length(one(aws_sagemaker_domain.this[0].default_user_settings[0].jupyter_lab_app_settings).app_lifecycle_management) == 0
    error_message = "null turns idle shutdown off."
  }
}

run "rejects_idle_shutdown_below_an_hour" {
  command = plan
  variables {
    idle_shutdown_minutes = 15
  }
  expect_failures = [var.idle_shutdown_minutes]
}

run "rejects_bad_env_name" {
  command = plan
  variables {
    environment_variables = { "use-case" = "x" }
  }
  expect_failures = [var.environment_variables]
}

run "rejects_quote_in_env_value" {
  command = plan
  variables {
    environment_variables = { MLOPS_USE_CASE = "it's" }
  }
  expect_failures = [var.environment_variables]
}

run "rejects_non_role_arn" {
  command = plan
  variables {
    execution_role_arn = "sagemaker-execution"
  }
  expect_failures = [var.execution_role_arn]
}

run "rejects_unknown_retention" {
  command = plan
  variables {
    home_retention = "Keep"
  }
  expect_failures = [var.home_retention]
}

run "rejects_aws_managed_key" {
  command = plan
  variables {
    kms_key_arn = "alias/aws/sagemaker"
  }
  expect_failures = [var.kms_key_arn]
}

run "rejects_bad_name" {
  command = plan
  variables {
    name = "a"
  }
  expect_failures = [var.name]
}

run "rejects_no_vpc" {
  command = plan
  variables {
    network = { vpc_id = "vpc-0a", subnet_ids = [], security_group_ids = [] }
  }
  expect_failures = [var.network]
}

run "rejects_non_ml_notebook_type" {
  command = plan
  variables {
    notebook_instance = { instance_type = "t3.medium" }
  }
  expect_failures = [var.notebook_instance]
}

run "rejects_notebook_volume_out_of_range" {
  command = plan
  variables {
    notebook_instance = { volume_size = 1 }
  }
  expect_failures = [var.notebook_instance]
}

run "rejects_bad_user_name" {
  command = plan
  variables {
    user_profiles = ["jane doe"]
  }
  expect_failures = [var.user_profiles]
}

run "rejects_duplicate_users" {
  command = plan
  variables {
    user_profiles = ["jane", "jane"]
  }
  expect_failures = [var.user_profiles]
}

run "rejects_key_of_another_region" {
  command = plan
  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
  }
  expect_failures = [var.kms_key_arn]
}
