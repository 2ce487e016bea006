# The provider's region, with no API call: keys and zones given to this module must be in it.
data "aws_region" "current" {}

locals {
  # Exported by the lifecycle configuration; single-quoted so values are never expanded.
  exports = join("\n", [for k in sort(keys(var.environment_variables)) : "export ${k}='${var.environment_variables[k]}'"])
  # One script for Studio apps and notebook instances: it writes the use case's settings where
  # the notebooks read them, and installs nothing (a VpcOnly domain has no internet).
  lifecycle_script = <<-SCRIPT
    #!/bin/bash
    set -euo pipefail
    target="$${HOME}/.mlops.env"
    if [ -d /home/ec2-user/SageMaker ]; then target=/home/ec2-user/SageMaker/.mlops.env; fi
    cat > "$target" <<'VARS'
    ${local.exports}
    VARS
    SCRIPT
}

resource "aws_sagemaker_studio_lifecycle_config" "this" {
  count = var.create_domain ? 1 : 0

  studio_lifecycle_config_name     = "${var.name}-environment"
  studio_lifecycle_config_app_type = "JupyterLab"
  studio_lifecycle_config_content  = base64encode(local.lifecycle_script)
  tags                             = var.tags
}

resource "aws_sagemaker_domain" "this" {
  count = var.create_domain ? 1 : 0

  domain_name             = var.name
  auth_mode               = "IAM"
  app_network_access_type = "VpcOnly"
  vpc_id                  = var.network.vpc_id
  subnet_ids              = var.network.subnet_ids
  kms_key_id              = var.kms_key_arn
  tag_propagation         = "ENABLED"
  tags                    = var.tags

  domain_settings {
    security_group_ids = var.network.security_group_ids
  }

  default_user_settings {
    execution_role  = var.execution_role_arn
    security_groups = var.network.security_group_ids

    sharing_settings {
      notebook_output_option = "Disabled"
    }

    jupyter_lab_app_settings {
      lifecycle_config_arns = [aws_sagemaker_studio_lifecycle_config.this[0].arn]

      # Cost control: an idle app stops by itself, day or night (issue 18, idle non-prod cost).
      dynamic "app_lifecycle_management" {
        for_each = var.idle_shutdown_minutes == null ? [] : [var.idle_shutdown_minutes]
        content {
          idle_settings {
            lifecycle_management    = "ENABLED"
            idle_timeout_in_minutes = app_lifecycle_management.value
          }
        }
      }

      default_resource_spec {
        instance_type        = "ml.t3.medium"
        lifecycle_config_arn = aws_sagemaker_studio_lifecycle_config.this[0].arn
      }
    }
  }

  retention_policy {
    home_efs_file_system = var.home_retention
  }
}

resource "aws_sagemaker_user_profile" "this" {
  for_each = toset(var.create_domain ? var.user_profiles : [])

  domain_id         = aws_sagemaker_domain.this[0].id
  user_profile_name = each.key
  tags              = var.tags

  user_settings {
    execution_role  = var.execution_role_arn
    security_groups = var.network.security_group_ids
  }
}

resource "aws_sagemaker_notebook_instance_lifecycle_configuration" "this" {
  count = var.notebook_instance == null ? 0 : 1

  name     = "${var.name}-environment"
  on_start = base64encode(local.lifecycle_script)
  tags     = var.tags
}

resource "aws_sagemaker_notebook_instance" "this" {
  #checkov:skip=CKV2_AWS_68:the role is an input (modules/iam's execution role: scoped, bounded, checked where it is defined)
  count = var.notebook_instance == null ? 0 : 1

  name                   = var.name
  instance_type          = var.notebook_instance.instance_type
  volume_size            = var.notebook_instance.volume_size
  role_arn               = var.execution_role_arn
  kms_key_id             = var.kms_key_arn
  subnet_id              = var.network.subnet_ids[0]
  security_groups        = var.network.security_group_ids
  direct_internet_access = "Disabled"
  root_access            = "Disabled"
  lifecycle_config_name  = aws_sagemaker_notebook_instance_lifecycle_configuration.this[0].name
  tags                   = var.tags

  instance_metadata_service_configuration {
    minimum_instance_metadata_service_version = "2"
  }
}
