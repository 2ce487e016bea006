output "alerts_topic_arn" {
  description = "Where failures, approvals and alarms are published."
  value       = module.alerts.topic_arn
}

output "artifacts_bucket" {
  description = "Bucket of every execution's artefacts, reports and models."
  value       = local.artifacts_bucket
}

output "batch_state_machine_arn" {
  description = "The batch-inference pipeline (started on approval)."
  value       = module.batch.state_machine_arn
}

output "budget_metrics_state_machine_arn" {
  description = "The state machine that puts the budget's actual and forecasted spend into CloudWatch for the dashboard (EventBridge Scheduler starts it every six hours; null without cost controls)."
  value       = module.observability.budget_metrics_state_machine_arn
}

output "boundary_arn" {
  description = "Permission boundary every role of the use case carries."
  value       = module.iam.boundary_arn
}

output "data_bucket" {
  description = "Bucket of the raw data the pipelines read."
  value       = module.storage.bucket_names["data"]
}

output "drift_rule_arn" {
  description = "ARN of the rule that starts retraining when batch inference finds drift (null when drift_retraining.enabled is false)."
  value       = module.registry.drift_rule_arn
}

output "inference_pipeline_arn" {
  description = "The CodePipeline the Approved event starts (an operator approves, then it applies the inference root); null without create_pipelines."
  value       = module.cicd.inference_pipeline_arn
}

output "metadata_table" {
  description = "Execution history table."
  value       = module.metadata.table_name
}

output "model_package_group" {
  description = "Model package group of the use case."
  value       = module.registry.group_name
}

output "notebook_environment" {
  description = "Settings the notebooks of examples/notebooks read (Studio's lifecycle configuration exports them)."
  value       = local.notebook_environment
}

output "platform" {
  description = "What a serving root on top of this one needs (examples/realtime-endpoint, var platform)."
  value = {
    alerts_topic_arn   = module.alerts.topic_arn
    artifacts_bucket   = local.artifacts_bucket
    execution_role_arn = module.iam.execution_role_arn
    kms_key_arn        = module.kms.key_arn
    security_group_ids = [module.network.workload_security_group_id]
    subnet_ids         = module.network.private_subnet_ids
  }
}

output "private_subnet_ids" {
  description = "Private subnets where the use case's jobs (and its own application stack) run."
  value       = module.network.private_subnet_ids
}

output "promotion_stage" {
  description = "This root as a stage of the use case's promotion.yaml (mlops promote): its account, the artifacts bucket and the prefix its execution role reads (promoted copies land there), the key, its model package group."
  value = {
    name                = var.mandatory_tags.environment
    account_id          = local.account_id
    artifacts_bucket    = local.artifacts_bucket
    artifacts_prefix    = "${var.use_case}/promoted/"
    kms_key_arn         = module.kms.key_arn
    model_package_group = module.registry.group_name
  }
}

output "role_arns" {
  description = "Roles of the use case by key (the pipelines' roles are derived from their definitions)."
  value       = { sagemaker-execution = module.iam.execution_role_arn, training-pipeline = module.training.role_arn, batch-inference-pipeline = module.batch.role_arn, approval-targets = module.registry.events_role_arn }
}

output "state_machine_arns" {
  description = "The pipelines' state machines by pipeline (what `mlops run/status --local` and `mlops demo` start)."
  value       = { training = module.training.state_machine_arn, batch-inference = module.batch.state_machine_arn }
}

output "training_state_machine_arn" {
  description = "The training pipeline."
  value       = module.training.state_machine_arn
}

output "workload_security_group_id" {
  description = "Security group for SageMaker jobs and the use case's own workloads."
  value       = module.network.workload_security_group_id
}

output "use_case" {
  description = "Name of the use case (first part of every S3 key and job name)."
  value       = var.use_case
}
