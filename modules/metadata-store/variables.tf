variable "deletion_protection" {
  description = "Keep the table from being deleted (on by default: execution history is audit evidence). Turn off, apply, then destroy, to tear a use case down deliberately."
  type        = bool
  default     = true
  nullable    = false
}

variable "kms_key_arn" {
  description = "Customer managed key that encrypts the table."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", var.kms_key_arn)) && try(split(":", var.kms_key_arn)[3] == data.aws_region.current.name, false)
    error_message = "kms_key_arn: give the ARN of a customer managed key (arn:aws:kms:<region>:<account>:key/<id>). The key must be in this region (${data.aws_region.current.name}): KMS keys are regional."
  }
}

variable "name" {
  description = "Name of the table, e.g. quality-prod-executions."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.name))
    error_message = "name: use 3-255 letters, digits, underscores, hyphens or dots."
  }
}

variable "tags" {
  description = "Tags for the table (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}
