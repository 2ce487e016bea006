variable "baseline_uri" {
  description = "s3:// prefix of the training pipeline's model-monitoring output (statistics.json, constraints.json) the endpoint is monitored against."
  type        = string
  nullable    = false
}

variable "bias_facet" {
  description = "The records' sensitive field the endpoint's bias monitor measures (`mlops endpoint-monitors`); null: no bias or explainability monitor."
  type        = string
  default     = "shift"

  validation {
    condition     = var.bias_facet == null || can(regex("^[A-Za-z_][A-Za-z0-9_]*$", var.bias_facet))
    error_message = "bias_facet: give the name of a field of the records the endpoint receives (letters, digits, _), or null."
  }
}

variable "mandatory_tags" {
  description = "Tags every resource carries (checked by the mandatory-tag policy on the plan)."
  type = object({
    cost-center         = string
    data-classification = string
    environment         = string
    owner               = string
  })
  default = {
    cost-center         = "cc-1234"
    data-classification = "confidential"
    environment         = "dev"
    owner               = "ml-platform@example.com"
  }
  nullable = false
}

variable "model_package_arn" {
  description = "The approved model package version to serve (the registry's Approved event names it)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:model-package/[^/]+/[0-9]+$", var.model_package_arn))
    error_message = "model_package_arn: give a versioned model package ARN (arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>)."
  }
}

variable "platform" {
  description = "What the use case's platform root provides (examples/use-case-complete, output `platform`): its CMK, artefacts bucket, private subnets and workload security group, SageMaker execution role and alerts topic."
  type = object({
    alerts_topic_arn   = string
    artifacts_bucket   = string
    execution_role_arn = string
    kms_key_arn        = string
    security_group_ids = list(string)
    subnet_ids         = list(string)
  })
  nullable = false
}

variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-central-1"
  nullable    = false
}

variable "use_case" {
  description = "Name of the use case: the prefix of every resource and the key of its S3 layout."
  type        = string
  default     = "quality"
  nullable    = false
}
