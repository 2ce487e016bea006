data "aws_region" "current" {}

data "aws_sagemaker_prebuilt_ecr_image" "this" {
  count = var.model.prebuilt_image == null ? 0 : 1

  repository_name = var.model.prebuilt_image.repository_name
  image_tag       = var.model.prebuilt_image.image_tag
  region          = data.aws_region.current.name
}

locals {
  image          = var.model.prebuilt_image == null ? var.model.image_uri : data.aws_sagemaker_prebuilt_ecr_image.this[0].registry_path
  instance_based = var.serverless == null
}

resource "terraform_data" "production_guard" {
  input = var.environment

  lifecycle {
    precondition {
      condition     = var.environment != "prod" || !local.instance_based || (var.instance.count > 1 && var.autoscaling.min_capacity > 1)
      error_message = "instance: a prod endpoint needs more than one instance (instance.count and autoscaling.min_capacity >= 2) so that one failure does not take it down."
    }
  }
}

resource "aws_sagemaker_model" "this" {
  execution_role_arn       = var.execution_role_arn
  enable_network_isolation = var.network_isolation
  tags                     = var.tags

  primary_container {
    image              = var.model.model_package_arn == null ? local.image : null
    model_data_url     = var.model.model_data_url
    model_package_name = var.model.model_package_arn
  }

  vpc_config {
    subnets            = var.network.subnet_ids
    security_group_ids = var.network.security_group_ids
  }
}

# Endpoint configurations are immutable: a change creates a new one before the endpoint moves
# to it, so updates (a new model, another instance type) replace instead of failing.
resource "aws_sagemaker_endpoint_configuration" "this" {
  name_prefix = "${var.name}-"
  kms_key_arn = var.kms_key_arn
  tags        = var.tags

  production_variants {
    variant_name           = "primary"
    model_name             = aws_sagemaker_model.this.name
    initial_instance_count = local.instance_based ? var.instance.count : null
    instance_type          = local.instance_based ? var.instance.type : null

    dynamic "serverless_config" {
      for_each = local.instance_based ? [] : [var.serverless]
      content {
        max_concurrency   = serverless_config.value.max_concurrency
        memory_size_in_mb = serverless_config.value.memory_size_in_mb
      }
    }
  }

  dynamic "shadow_production_variants" {
    for_each = var.shadow == null ? [] : [var.shadow]
    content {
      variant_name           = "shadow"
      model_name             = aws_sagemaker_model.shadow[0].name
      initial_instance_count = shadow_production_variants.value.instance_count
      instance_type          = coalesce(shadow_production_variants.value.instance_type, var.instance.type)
      # the share of requests copied to the shadow is its weight over the primary's (1)
      initial_variant_weight = shadow_production_variants.value.sampling_percentage / 100
    }
  }

  data_capture_config {
    enable_capture              = true
    initial_sampling_percentage = var.data_capture.sampling_percentage
    destination_s3_uri          = var.data_capture.destination_s3_uri
    kms_key_id                  = var.kms_key_arn

    capture_options {
      capture_mode = "Input"
    }

    capture_options {
      capture_mode = "Output"
    }
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [terraform_data.production_guard]
}

resource "aws_sagemaker_endpoint" "this" {
  name                 = var.name
  endpoint_config_name = aws_sagemaker_endpoint_configuration.this.name
  tags                 = var.tags

  dynamic "deployment_config" {
    for_each = local.instance_based ? [1] : []
    content {
      blue_green_update_policy {
        termination_wait_in_seconds          = var.rollout.bake_seconds
        maximum_execution_timeout_in_seconds = 3600 + var.rollout.bake_seconds + var.rollout.wait_seconds * 10

        traffic_routing_configuration {
          type                     = local.strategy
          wait_interval_in_seconds = var.rollout.wait_seconds

          dynamic "canary_size" {
            for_each = local.strategy == "CANARY" ? [1] : []
            content {
              type  = "CAPACITY_PERCENT"
              value = local.step
            }
          }

          dynamic "linear_step_size" {
            for_each = local.strategy == "LINEAR" ? [1] : []
            content {
              type  = "CAPACITY_PERCENT"
              value = local.step
            }
          }
        }
      }

      dynamic "auto_rollback_configuration" {
        for_each = length(local.rollback_alarms) > 0 ? [1] : []
        content {
          dynamic "alarms" {
            for_each = local.rollback_alarms
            content {
              alarm_name = alarms.value
            }
          }
        }
      }
    }
  }

  lifecycle {
    # SageMaker rolls a failed or alarmed update back after the apply returned success, leaving the
    # old configuration in service (terraform-provider-aws reports nothing). Reading it back here
    # fails the next plan or apply instead of drifting silently.
    postcondition {
      condition     = self.endpoint_config_name == aws_sagemaker_endpoint_configuration.this.name
      error_message = "The endpoint serves another configuration than the one Terraform applied: SageMaker rolled the update back (an alarm fired, or the new variant failed its health checks). Read FailureReason of `aws sagemaker describe-endpoint` and the rollback alarms, fix the model or the configuration, and apply again."
    }
  }
}

resource "aws_appautoscaling_target" "this" {
  count = local.instance_based ? 1 : 0

  service_namespace  = "sagemaker"
  resource_id        = "endpoint/${aws_sagemaker_endpoint.this.name}/variant/primary"
  scalable_dimension = "sagemaker:variant:DesiredInstanceCount"
  min_capacity       = var.autoscaling.min_capacity
  max_capacity       = var.autoscaling.max_capacity
  tags               = var.tags
}

resource "aws_appautoscaling_policy" "this" {
  count = local.instance_based ? 1 : 0

  name               = "${var.name}-invocations-per-instance"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[0].service_namespace
  resource_id        = aws_appautoscaling_target.this[0].resource_id
  scalable_dimension = aws_appautoscaling_target.this[0].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.autoscaling.target_invocations_per_instance
    scale_in_cooldown  = var.autoscaling.scale_in_cooldown_seconds
    scale_out_cooldown = var.autoscaling.scale_out_cooldown_seconds

    predefined_metric_specification {
      predefined_metric_type = "SageMakerVariantInvocationsPerInstance"
    }
  }
}
