variable "kms_key_arn" {
  description = "Customer managed key that encrypts the images."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", var.kms_key_arn)) && try(split(":", var.kms_key_arn)[3] == data.aws_region.current.name, false)
    error_message = "kms_key_arn: give the ARN of a customer managed key (arn:aws:kms:<region>:<account>:key/<id>). The key must be in this region (${data.aws_region.current.name}): KMS keys are regional."
  }
}

variable "max_image_count" {
  description = "Tagged images kept (the oldest beyond this count expire)."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.max_image_count >= 1 && var.max_image_count <= 1000
    error_message = "max_image_count: choose 1 to 1000."
  }
}

variable "name" {
  description = "Repository name, e.g. quality/serving."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", var.name)) && length(var.name) <= 256
    error_message = "name: lowercase letters, digits, . _ - and / between parts (ECR's rule), e.g. quality/serving."
  }
}

variable "pull_role_arns" {
  description = "Roles allowed to pull (the SageMaker execution roles of the account's use cases)."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.pull_role_arns) > 0 && alltrue([for a in var.pull_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", a))])
    error_message = "pull_role_arns: give at least one IAM role ARN (e.g. module.iam.role_arns[\"sagemaker-execution\"]); wildcards are not allowed."
  }
}

variable "push_role_arns" {
  description = "Roles allowed to push images (the CI build role)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.push_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", a))])
    error_message = "push_role_arns: every entry must be an IAM role ARN."
  }
}

variable "tags" {
  description = "Tags for the repository (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "untagged_expiry_days" {
  description = "Days after which untagged images expire."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.untagged_expiry_days >= 1
    error_message = "untagged_expiry_days: choose at least 1."
  }
}
