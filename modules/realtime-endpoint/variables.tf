variable "autoscaling" {
  description = "Instance-based endpoints scale on invocations per instance between min and max capacity (ignored for serverless)."
  type = object({
    max_capacity                    = optional(number, 4)
    min_capacity                    = optional(number, 1)
    target_invocations_per_instance = optional(number, 100)
    scale_in_cooldown_seconds       = optional(number, 300)
    scale_out_cooldown_seconds      = optional(number, 60)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.autoscaling.min_capacity >= 1 && var.autoscaling.max_capacity >= var.autoscaling.min_capacity && var.autoscaling.target_invocations_per_instance > 0
    error_message = "autoscaling: need 1 <= min_capacity <= max_capacity and a positive target_invocations_per_instance."
  }
}

variable "data_capture" {
  description = "Requests and responses captured to S3 (encrypted with kms_key_arn) for model monitoring."
  type = object({
    destination_s3_uri  = string
    sampling_percentage = optional(number, 100)
  })
  nullable = false

  validation {
    condition     = startswith(var.data_capture.destination_s3_uri, "s3://") && var.data_capture.sampling_percentage >= 0 && var.data_capture.sampling_percentage <= 100
    error_message = "data_capture: destination_s3_uri must be an s3:// URI and sampling_percentage between 0 and 100."
  }
}

variable "environment" {
  description = "Environment of the endpoint; prod requires more than one instance (or serverless)."
  type        = string
  nullable    = false

  validation {
    condition     = contains(["dev", "test", "staging", "prod", "sandbox"], var.environment)
    error_message = "environment: one of dev, test, staging, prod, sandbox."
  }
}

variable "execution_role_arn" {
  description = "Role the model assumes (the SageMaker execution role of modules/iam)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.execution_role_arn))
    error_message = "execution_role_arn: give an IAM role ARN, e.g. module.iam.role_arns[\"sagemaker-execution\"]."
  }
}

variable "instance" {
  description = "Instance type and count of the production variant (ignored when serverless is set)."
  type = object({
    count = optional(number, 1)
    type  = optional(string, "ml.m5.large")
  })
  default  = {}
  nullable = false

  validation {
    condition     = startswith(var.instance.type, "ml.") && var.instance.count >= 1
    error_message = "instance: type must be an ml.* instance type (e.g. ml.m5.large) and count at least 1."
  }
}

variable "kms_key_arn" {
  description = "Customer managed key for the endpoint's storage volume and the captured data."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", var.kms_key_arn)) && try(split(":", var.kms_key_arn)[3] == data.aws_region.current.name, false)
    error_message = "kms_key_arn: give the ARN of a customer managed key (arn:aws:kms:<region>:<account>:key/<id>). The key must be in this region (${data.aws_region.current.name}): KMS keys are regional."
  }
}

variable "model" {
  description = "What to serve: an approved model package from the registry, or an image with a model artefact. The image is a private ECR URI or a SageMaker prebuilt image resolved for the region."
  type = object({
    image_uri         = optional(string)
    model_data_url    = optional(string)
    model_package_arn = optional(string)
    prebuilt_image = optional(object({
      repository_name = string
      image_tag       = string
    }))
  })
  nullable = false

  validation {
    condition = (var.model.model_package_arn != null) != (var.model.model_data_url != null) && (
      var.model.model_package_arn != null || (var.model.image_uri != null) != (var.model.prebuilt_image != null)
    )
    error_message = "model: give either model_package_arn, or model_data_url with exactly one of image_uri and prebuilt_image."
  }
}

variable "name" {
  description = "Name of the endpoint, e.g. quality-prod."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){2,50}$", var.name))
    error_message = "name: use 3-51 letters, digits and hyphens (endpoint config names add a suffix)."
  }
}

variable "network" {
  description = "VPC the model runs in (private subnets and the workload security group of modules/network)."
  type = object({
    security_group_ids = list(string)
    subnet_ids         = list(string)
  })
  nullable = false

  validation {
    condition     = length(var.network.subnet_ids) > 0 && length(var.network.security_group_ids) > 0
    error_message = "network: subnet_ids and security_group_ids must not be empty; models run in the VPC."
  }
}

variable "network_isolation" {
  description = "Run the model container without network access (it needs none to serve)."
  type        = bool
  default     = true
  nullable    = false
}

variable "office_hours" {
  description = "Opt-in for non-prod instance endpoints: EventBridge Scheduler deletes the endpoint at stop and creates it again at start (cron or rate expressions in timezone) with the configuration Terraform applied, so nights and weekends cost nothing; the role it uses may touch this endpoint only, within permissions_boundary_arn. null (default) keeps the endpoint up; refused for prod and serverless endpoints. An apply while it is stopped creates it again."
  type = object({
    permissions_boundary_arn = string
    role_path                = optional(string, "/mlops/")
    start                    = optional(string, "cron(0 7 ? * MON-FRI *)")
    stop                     = optional(string, "cron(0 19 ? * MON-FRI *)")
    timezone                 = optional(string, "UTC")
  })
  default = null

  validation {
    condition     = var.office_hours == null || (can(regex("^(cron|rate)\\(.+\\)$", try(var.office_hours.start, ""))) && can(regex("^(cron|rate)\\(.+\\)$", try(var.office_hours.stop, ""))) && can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$", try(var.office_hours.permissions_boundary_arn, ""))))
    error_message = "office_hours: start and stop are EventBridge Scheduler expressions such as cron(0 7 ? * MON-FRI *), and permissions_boundary_arn the use case's boundary policy ARN (module.iam.boundary_arn)."
  }
}

variable "rollout" {
  description = "How an update shifts traffic (SageMaker deployment guardrails, instance endpoints): strategy ALL_AT_ONCE, CANARY (canary_percent first, then the rest after wait_seconds) or LINEAR (linear_step_percent every wait_seconds); null picks CANARY for prod and ALL_AT_ONCE elsewhere. The old fleet is kept for bake_seconds after the shift; any alarm of the module (5xx and 4xx rate, p99 model latency: created when alerts_topic_arn names the topic they notify) or of rollback_alarm_names (e.g. model-monitoring's drift alarms) firing meanwhile rolls the update back."
  type = object({
    strategy             = optional(string)
    canary_percent       = optional(number, 10)
    linear_step_percent  = optional(number, 20)
    wait_seconds         = optional(number, 300)
    bake_seconds         = optional(number, 600)
    error_rate_percent   = optional(number, 1)
    latency_p99_ms       = optional(number, 500)
    rollback_alarm_names = optional(list(string), [])
    alerts_topic_arn     = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.rollout.strategy == null || contains(["ALL_AT_ONCE", "CANARY", "LINEAR"], coalesce(var.rollout.strategy, "-"))
    error_message = "rollout: strategy ALL_AT_ONCE, CANARY or LINEAR (or null for CANARY in prod, ALL_AT_ONCE elsewhere)."
  }

  validation {
    condition     = var.rollout.canary_percent > 0 && var.rollout.canary_percent <= 50 && var.rollout.linear_step_percent >= 10 && var.rollout.linear_step_percent <= 50
    error_message = "rollout: canary_percent must be within 1-50 and linear_step_percent within 10-50 (SageMaker's limits for a capacity share)."
  }

  validation {
    condition     = var.rollout.wait_seconds >= 0 && var.rollout.wait_seconds <= 3600 && var.rollout.bake_seconds >= 0 && var.rollout.bake_seconds <= 3600
    error_message = "rollout: wait_seconds and bake_seconds must be within 0-3600 (SageMaker's limits)."
  }

  validation {
    condition     = var.rollout.alerts_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:.+$", coalesce(var.rollout.alerts_topic_arn, "-")))
    error_message = "rollout: alerts_topic_arn must be an SNS topic ARN (the alerts module's topic_arn), or null for no rollback alarms of the module."
  }

  validation {
    condition     = var.rollout.error_rate_percent > 0 && var.rollout.latency_p99_ms > 0
    error_message = "rollout: error_rate_percent and latency_p99_ms must be positive: they are the rollback alarms' thresholds."
  }
}

variable "serverless" {
  description = "Serverless inference instead of instances: memory and maximum concurrency."
  type = object({
    max_concurrency   = optional(number, 5)
    memory_size_in_mb = optional(number, 2048)
  })
  default = null

  validation {
    condition     = var.serverless == null ? true : contains([1024, 2048, 3072, 4096, 5120, 6144], var.serverless.memory_size_in_mb) && var.serverless.max_concurrency >= 1 && var.serverless.max_concurrency <= 200
    error_message = "serverless: memory_size_in_mb one of 1024..6144 in steps of 1024, max_concurrency 1 to 200."
  }
}

variable "shadow" {
  description = "A challenger served beside the primary on a copy of the live traffic (instance endpoints only): sampling_percentage of the requests go to it as well; its answers are captured under the capture prefix's <endpoint>/shadow/ and measured (CloudWatch VariantName shadow), never returned to callers. The model is an approved model package (model_package_arn) or an artefact (model_data_url) served with the primary's image; its instances are the primary's type unless instance_type is given, one unless instance_count is."
  type = object({
    model_package_arn   = optional(string)
    model_data_url      = optional(string)
    sampling_percentage = optional(number, 100)
    instance_type       = optional(string)
    instance_count      = optional(number, 1)
  })
  default = null

  validation {
    condition     = var.shadow == null ? true : (var.shadow.model_package_arn != null) != (var.shadow.model_data_url != null)
    error_message = "shadow: give exactly one of model_package_arn and model_data_url."
  }

  validation {
    condition     = var.shadow == null ? true : var.shadow.sampling_percentage > 0 && var.shadow.sampling_percentage <= 100 && var.shadow.instance_count >= 1
    error_message = "shadow: sampling_percentage must be within 1-100 and instance_count at least 1."
  }

  validation {
    condition     = var.shadow == null ? true : startswith(coalesce(var.shadow.instance_type, "ml."), "ml.")
    error_message = "shadow: instance_type must be a SageMaker ML instance type (ml.*), or null for the primary's."
  }
}

variable "tags" {
  description = "Tags for every resource (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}
