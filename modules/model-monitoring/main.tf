data "aws_region" "current" {}

# Model Monitor's own analyzer image for the region.
data "aws_sagemaker_prebuilt_ecr_image" "analyzer" {
  repository_name = "sagemaker-model-monitor-analyzer"
  region          = data.aws_region.current.name
}

resource "aws_sagemaker_data_quality_job_definition" "this" {
  name     = var.name
  role_arn = var.execution_role_arn
  tags     = var.tags

  data_quality_app_specification {
    image_uri = data.aws_sagemaker_prebuilt_ecr_image.analyzer.registry_path
  }

  data_quality_baseline_config {
    constraints_resource {
      s3_uri = var.baseline.constraints_s3_uri
    }
    statistics_resource {
      s3_uri = var.baseline.statistics_s3_uri
    }
  }

  data_quality_job_input {
    endpoint_input {
      endpoint_name = var.endpoint_name
      local_path    = "/opt/ml/processing/input/endpoint"
    }
  }

  data_quality_job_output_config {
    kms_key_id = var.kms_key_arn

    monitoring_outputs {
      s3_output {
        s3_uri     = "${trimsuffix(var.reports_s3_uri, "/")}/data-quality/"
        local_path = "/opt/ml/processing/output"
      }
    }
  }

  job_resources {
    cluster_config {
      instance_count    = 1
      instance_type     = var.instance_type
      volume_size_in_gb = 30
      volume_kms_key_id = var.kms_key_arn
    }
  }

  network_config {
    enable_network_isolation                  = true
    enable_inter_container_traffic_encryption = true

    vpc_config {
      subnets            = var.network.subnet_ids
      security_group_ids = var.network.security_group_ids
    }
  }

  stopping_condition {
    max_runtime_in_seconds = 3600
  }
}

resource "aws_sagemaker_monitoring_schedule" "this" {
  count = var.create_schedule ? 1 : 0

  name = var.name
  tags = var.tags

  monitoring_schedule_config {
    monitoring_job_definition_name = aws_sagemaker_data_quality_job_definition.this.name
    monitoring_type                = "DataQuality"

    schedule_config {
      schedule_expression = var.schedule_expression
    }
  }
}

# Model Monitor publishes feature_baseline_drift_<feature> (distance to the baseline) per run.
resource "aws_cloudwatch_metric_alarm" "drift" {
  for_each = toset(var.alarm.features)

  alarm_name          = "${var.name}-drift-${each.key}"
  alarm_description   = "Drift of ${each.key} on ${var.endpoint_name} against the training baseline"
  namespace           = "aws/sagemaker/Endpoints/data-metrics"
  metric_name         = "feature_baseline_drift_${each.key}"
  dimensions          = { Endpoint = var.endpoint_name, MonitoringSchedule = var.name }
  statistic           = "Maximum"
  period              = 3600
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarm.threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm.alerts_topic_arn]
  ok_actions          = [var.alarm.alerts_topic_arn]
  tags                = var.tags
}
