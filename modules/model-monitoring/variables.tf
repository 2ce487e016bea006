variable "alarm" {
  description = "CloudWatch alarms on the drift metrics Model Monitor emits per feature; actions go to the alerts topic."
  type = object({
    features         = list(string)
    threshold        = optional(number, 0.1)
    alerts_topic_arn = string
  })
  nullable = false

  validation {
    condition     = length(var.alarm.features) > 0 && can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:.+$", var.alarm.alerts_topic_arn)) && var.alarm.threshold > 0
    error_message = "alarm: give at least one feature, a positive threshold and alerts_topic_arn (an SNS topic ARN): an alarm without an action helps no one."
  }
}

variable "baseline" {
  description = "Baseline the schedule compares with: the statistics.json and constraints.json the training pipeline's model-monitoring state writes (and the model package carries)."
  type = object({
    constraints_s3_uri = string
    statistics_s3_uri  = string
  })
  nullable = false

  validation {
    condition     = startswith(var.baseline.constraints_s3_uri, "s3://") && startswith(var.baseline.statistics_s3_uri, "s3://")
    error_message = "baseline: constraints_s3_uri and statistics_s3_uri must be s3:// URIs."
  }
}

variable "create_schedule" {
  description = "Create the monitoring schedule; false to run the job definition on demand only (from a pipeline or a notebook)."
  type        = bool
  default     = true
  nullable    = false
}

variable "endpoint_name" {
  description = "Endpoint whose captured data is monitored (modules/realtime-endpoint)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", var.endpoint_name))
    error_message = "endpoint_name: give the name of an existing endpoint (letters, digits, hyphens)."
  }
}

variable "execution_role_arn" {
  description = "Role of the monitoring jobs (the SageMaker execution role of modules/iam)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.execution_role_arn))
    error_message = "execution_role_arn: give an IAM role ARN, e.g. module.iam.execution_role_arn."
  }
}

variable "instance_type" {
  description = "Instance type of the monitoring jobs."
  type        = string
  default     = "ml.m5.large"
  nullable    = false

  validation {
    condition     = startswith(var.instance_type, "ml.")
    error_message = "instance_type: use an ml.* instance type, e.g. ml.m5.large."
  }
}

variable "kms_key_arn" {
  description = "Customer managed key for the jobs' volumes and reports."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", var.kms_key_arn)) && try(split(":", var.kms_key_arn)[3] == data.aws_region.current.name, false)
    error_message = "kms_key_arn: give the ARN of a customer managed key (arn:aws:kms:<region>:<account>:key/<id>). The key must be in this region (${data.aws_region.current.name}): KMS keys are regional."
  }
}

variable "name" {
  description = "Name of the job definition and schedule, e.g. quality-prod-data-quality."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){2,62}$", var.name))
    error_message = "name: use 3-63 letters, digits and hyphens."
  }
}

variable "network" {
  description = "VPC of the monitoring jobs (private subnets and the workload security group)."
  type = object({
    security_group_ids = list(string)
    subnet_ids         = list(string)
  })
  nullable = false

  validation {
    condition     = length(var.network.subnet_ids) > 0 && length(var.network.security_group_ids) > 0
    error_message = "network: subnet_ids and security_group_ids must not be empty; monitoring jobs run in the VPC."
  }
}

variable "reports_s3_uri" {
  description = "Where the monitoring reports go, e.g. s3://<artifacts>/<use case>/monitoring/."
  type        = string
  nullable    = false

  validation {
    condition     = startswith(var.reports_s3_uri, "s3://")
    error_message = "reports_s3_uri: give an s3:// URI in the artifacts bucket."
  }
}

variable "schedule_expression" {
  description = "How often data quality is checked: cron(...) in SageMaker's format, hourly by default."
  type        = string
  default     = "cron(0 * ? * * *)"
  nullable    = false

  validation {
    condition     = can(regex("^cron\\(.+\\)$", var.schedule_expression))
    error_message = "schedule_expression: give a cron(...) expression, e.g. cron(0 * ? * * *) for hourly."
  }
}

variable "tags" {
  description = "Tags for every resource (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}
