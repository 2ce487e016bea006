variable "kms_key_arns" {
  description = "Customer managed keys the execution role may use (see modules/kms): its KMS permissions are scoped to these ARNs."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.kms_key_arns) > 0 && alltrue([for a in var.kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", a)) && try(split(":", a)[3] == data.aws_region.current.name, false)])
    error_message = "kms_key_arns: give at least one customer managed key ARN (arn:aws:kms:<region>:<account>:key/<id>). Keys must be in this region (${data.aws_region.current.name}): KMS keys are regional."
  }
}

variable "name" {
  description = "Prefix of every role and policy name, e.g. quality-prod."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name: use 3-31 lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "require_network_isolation" {
  description = "Whether the boundary denies training, processing and model creation without network isolation. Turn off only for containers that must call AWS APIs themselves; the registry's pipelines make those calls from Step Functions instead."
  type        = bool
  default     = true
  nullable    = false
}

variable "role_path" {
  description = "IAM path of every role and policy. The boundary forbids IAM changes outside it, so a role cannot create or edit roles elsewhere."
  type        = string
  default     = "/mlops/"
  nullable    = false

  validation {
    condition     = can(regex("^/([A-Za-z0-9_+=,.@-]+/)+$", var.role_path))
    error_message = "role_path: give an IAM path that starts and ends with /, e.g. /mlops/ or /mlops/quality/."
  }
}

variable "sagemaker_execution" {
  description = "SageMaker execution role for processing, training, transform and monitoring jobs, or null. S3 access is per bucket and prefix; network interfaces only in vpc_id."
  type = object({
    buckets = list(object({
      arn            = string
      read_prefixes  = optional(list(string), [""])
      write_prefixes = optional(list(string), [])
    }))
    ecr_repository_arns = optional(list(string), [])
    vpc_id              = string
  })
  default = null

  validation {
    condition = var.sagemaker_execution == null || (
      length(try(var.sagemaker_execution.buckets, [])) > 0 &&
      alltrue([for b in try(var.sagemaker_execution.buckets, []) : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.-]+$", b.arn))]) &&
      alltrue(flatten([for b in try(var.sagemaker_execution.buckets, []) : [for p in concat(b.read_prefixes, b.write_prefixes) : !strcontains(p, "*")]])) &&
      can(regex("^vpc-[0-9a-f]+$", try(var.sagemaker_execution.vpc_id, "")))
    )
    error_message = "sagemaker_execution: give at least one bucket (arn:aws:s3:::<bucket>, prefixes without *) and vpc_id (vpc-...): the role is scoped to exactly these."
  }
}

variable "tags" {
  description = "Tags for every role and policy (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}
