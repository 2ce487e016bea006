variable "definition_template" {
  description = "Path of the ASL template compiled by pipelines_src (`mlops asl`), e.g. pipelines_src/pipelines/templates/training.asl.json.tftpl; its manifest lies beside it."
  type        = string
  nullable    = false

  validation {
    condition     = fileexists(var.definition_template)
    error_message = "definition_template: no file at that path; run `make asl` or give the path of a *.asl.json.tftpl template."
  }
}

variable "extra_values" {
  description = "Values of placeholders a use case's own steps declare (Pipeline.extra_placeholders), by name; the registry's placeholders come from `pipeline`."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "kms_key_arn" {
  description = "Customer managed key for the state machine's data, its log group and the step-code artefact."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", var.kms_key_arn)) && try(split(":", var.kms_key_arn)[3] == data.aws_region.current.name, false)
    error_message = "kms_key_arn: give the ARN of a customer managed key (arn:aws:kms:<region>:<account>:key/<id>). The key must be in this region (${data.aws_region.current.name}): KMS keys are regional."
  }
}

variable "log_retention_days" {
  description = "Days the execution logs are kept (at least a year)."
  type        = number
  default     = 365
  nullable    = false

  validation {
    condition     = contains([365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days: choose a CloudWatch retention of at least a year: 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "manifest_file" {
  description = "Path of the pipeline's manifest (placeholders, integrations and their IAM needs); default: beside definition_template, `<pipeline>.manifest.json`, as `mlops asl` writes it."
  type        = string
  default     = null

  validation {
    condition     = var.manifest_file == null ? true : fileexists(var.manifest_file)
    error_message = "manifest_file: no file at that path; compile the pipeline with `mlops asl`, which writes <pipeline>.manifest.json beside the template."
  }
}

variable "name" {
  description = "Name of the state machine, e.g. quality-prod-training."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{3,80}$", var.name))
    error_message = "name: use 3-80 letters, digits, hyphens or underscores."
  }
}

variable "permissions_boundary_arn" {
  description = "Permission boundary of the state machine's role (modules/iam boundary_arn)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn: give the boundary policy ARN, e.g. module.iam.boundary_arn."
  }
}

variable "pipeline" {
  description = "Values the template needs: where its jobs run and write, with which role, image and keys (the template's placeholders)."
  type = object({
    alerts_topic_arn         = string
    artifacts_bucket         = string
    execution_role_arn       = string
    image_uri                = string
    instance_type            = optional(string, "ml.m5.large")
    job_prefix               = string
    metadata_table           = string
    model_package_group_name = string
    security_group_ids       = list(string)
    subnet_ids               = list(string)
    use_case                 = string
  })
  nullable = false

  validation {
    condition     = length(var.pipeline.subnet_ids) > 0 && length(var.pipeline.security_group_ids) > 0
    error_message = "pipeline: subnet_ids and security_group_ids must not be empty; every SageMaker job runs in the VPC."
  }

  validation {
    condition     = startswith(var.pipeline.instance_type, "ml.") && can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{2,19}$", var.pipeline.job_prefix))
    error_message = "pipeline: instance_type must be an ml.* type and job_prefix 3-20 letters, digits and hyphens (job names are limited to 63 characters)."
  }
}

variable "role_path" {
  description = "IAM path of the state machine's role (the permission boundary only lets roles be managed under it)."
  type        = string
  default     = "/mlops/"
  nullable    = false

  validation {
    condition     = can(regex("^/([a-zA-Z0-9_+=,.@-]+/)*$", var.role_path))
    error_message = "role_path: start and end with /, e.g. /mlops/."
  }
}

variable "schedule" {
  description = "Optional EventBridge Scheduler schedule (typical for batch inference): expression such as cron(0 6 * * ? *) and the execution input. The module creates the scheduler's role (it may start this state machine only)."
  type = object({
    expression = string
    input      = map(any)
    timezone   = optional(string, "UTC")
  })
  default = null

  validation {
    condition     = var.schedule == null ? true : can(regex("^(cron|rate|at)\\(.+\\)$", var.schedule.expression))
    error_message = "schedule: expression must be cron(...), rate(...) or at(...), e.g. cron(0 6 * * ? *)."
  }
}

variable "step_code" {
  description = "Optional step-code artefact to upload (the wheel of `make build`): its file name carries the version, and the object key keeps it."
  type = object({
    bucket     = string
    key_prefix = optional(string, "step-code")
    source     = string
  })
  default = null

  validation {
    condition     = var.step_code == null ? true : fileexists(var.step_code.source)
    error_message = "step_code: source must be an existing file; run `make build` first."
  }
}

variable "tags" {
  description = "Tags for every resource (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "tracing_enabled" {
  description = "X-Ray tracing of executions."
  type        = bool
  default     = true
  nullable    = false
}
