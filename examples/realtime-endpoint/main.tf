# A model served in real time, as its own root on top of the use case's platform
# (examples/use-case-complete, output `platform`): a private endpoint (VPC, network isolation,
# the use case's CMK, data capture, autoscaling) for one approved model package version,
# monitored hourly against the training baseline, drift alarms to the alerts topic. A separate
# state keeps a serving change from ever planning against the platform.

locals {
  name           = "${var.use_case}-${var.mandatory_tags.environment}"
  drift_features = ["torque_nm", "tool_wear_min", "vibration_mm_s"]
  prod           = var.mandatory_tags.environment == "prod"
}

module "endpoint" {
  source = "../../modules/realtime-endpoint"

  name               = "${local.name}-endpoint"
  environment        = var.mandatory_tags.environment
  execution_role_arn = var.platform.execution_role_arn
  kms_key_arn        = var.platform.kms_key_arn
  model              = { model_package_arn = var.model_package_arn }
  network            = { subnet_ids = var.platform.subnet_ids, security_group_ids = var.platform.security_group_ids }
  data_capture       = { destination_s3_uri = "s3://${var.platform.artifacts_bucket}/${var.use_case}/capture/" }
  rollout = {
    alerts_topic_arn = var.platform.alerts_topic_arn
    # prod: the module's canary (10 % for 5 min) and a 10 min bake before the old fleet goes; a
    # dev or preprod update moves at once and keeps no old fleet (its alarms are still checked)
    wait_seconds = local.prod ? 300 : 0
    bake_seconds = local.prod ? 600 : 0
    # model-monitoring's drift alarms, by name (a reference would be a cycle: they watch this endpoint)
    rollback_alarm_names = [for f in local.drift_features : "${local.name}-data-quality-drift-${f}"]
  }
}

module "monitoring" {
  source = "../../modules/model-monitoring"

  name               = "${local.name}-data-quality"
  endpoint_name      = module.endpoint.endpoint_name
  execution_role_arn = var.platform.execution_role_arn
  kms_key_arn        = var.platform.kms_key_arn
  reports_s3_uri     = "s3://${var.platform.artifacts_bucket}/${var.use_case}/monitoring/"
  network            = { subnet_ids = var.platform.subnet_ids, security_group_ids = var.platform.security_group_ids }
  baseline = {
    statistics_s3_uri  = "${trimsuffix(var.baseline_uri, "/")}/statistics.json"
    constraints_s3_uri = "${trimsuffix(var.baseline_uri, "/")}/constraints.json"
  }
  alarm = { features = local.drift_features, alerts_topic_arn = var.platform.alerts_topic_arn }
}
