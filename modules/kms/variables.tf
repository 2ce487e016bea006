variable "administrator_arns" {
  description = "IAM principal ARNs that administer the key (no cryptographic use). The account root can always administer, so the key cannot be locked out."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.administrator_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(root|(role|user)/[A-Za-z0-9+=,.@_/-]+)$", arn))])
    error_message = "administrator_arns: every entry must be an IAM role, user or root ARN such as arn:aws:iam::123456789012:role/platform-admin; wildcards (*, ?) are not allowed."
  }
}

variable "description" {
  description = "Description of the key, shown in the KMS console."
  type        = string
  default     = "Customer managed key of the MLOps registry"
  nullable    = false
}

variable "name" {
  description = "Alias of the key without the alias/ prefix, e.g. churn-prod. Lowercase letters, digits and hyphens."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,62}$", var.name)) && !startswith(var.name, "aws")
    error_message = "name: use 3-63 lowercase letters, digits and hyphens starting with a letter and not with 'aws' (reserved for AWS-managed keys), e.g. churn-prod."
  }
}

variable "rotation_period_in_days" {
  description = "Days between automatic rotations of the key material (rotation is always on)."
  type        = number
  default     = 365
  nullable    = false

  validation {
    condition     = var.rotation_period_in_days >= 90 && var.rotation_period_in_days <= 2560
    error_message = "rotation_period_in_days: choose a value from 90 to 2560 (AWS limits); 365 is the default."
  }
}

variable "service_principals" {
  description = "AWS services that use the key as themselves (not on behalf of a caller), e.g. logs for encrypted log groups, events and cloudwatch for encrypted SNS topics. Each is limited to this account."
  type        = list(string)
  default     = ["logs"]
  nullable    = false

  validation {
    condition     = alltrue([for s in var.service_principals : contains(["cloudwatch", "events", "logs", "sagemaker", "sns", "states"], s)])
    error_message = "service_principals: allowed values are cloudwatch, events, logs, sagemaker, sns and states (short names, without .amazonaws.com)."
  }
}

variable "tags" {
  description = "Tags for the key (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "user_arns" {
  description = "IAM principal ARNs allowed to encrypt and decrypt directly with the key."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.user_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/[A-Za-z0-9+=,.@_/-]+$", arn))])
    error_message = "user_arns: every entry must be an IAM role or user ARN such as arn:aws:iam::123456789012:role/ml-training; wildcards (*, ?) are not allowed."
  }
}

variable "via_services" {
  description = "AWS services through which IAM principals of this account may use the key, provided their own IAM policy also allows it (kms:ViaService + kms:CallerAccount). Lets roles created after the key use it without editing the key policy."
  type        = list(string)
  default     = ["dynamodb", "ecr", "logs", "s3", "sagemaker", "sns", "sqs", "states"]
  nullable    = false

  validation {
    condition     = alltrue([for s in var.via_services : contains(["codebuild", "codepipeline", "dynamodb", "ecr", "events", "logs", "s3", "sagemaker", "secretsmanager", "sns", "sqs", "states"], s)])
    error_message = "via_services: allowed values are codebuild, codepipeline, dynamodb, ecr, events, logs, s3, sagemaker, secretsmanager, sns, sqs and states."
  }
}
