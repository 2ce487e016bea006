variable "email_addresses" {
  description = "E-mail addresses subscribed to the alerts (each must confirm the subscription)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for e in var.email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$", e))])
    error_message = "email_addresses: every entry must be an e-mail address such as ml-oncall@example.com."
  }
}

variable "https_endpoints" {
  description = "HTTPS endpoints (chat or paging webhooks) subscribed to the alerts."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for u in var.https_endpoints : startswith(u, "https://")])
    error_message = "https_endpoints: only https:// URLs are allowed; plain HTTP would send alerts unencrypted."
  }
}

variable "kms_key_arn" {
  description = "Customer managed key that encrypts the topic (its policy must allow the publishing services: service_principals of modules/kms)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", var.kms_key_arn)) && try(split(":", var.kms_key_arn)[3] == data.aws_region.current.name, false)
    error_message = "kms_key_arn: give the ARN of a customer managed key (arn:aws:kms:<region>:<account>:key/<id>). The key must be in this region (${data.aws_region.current.name}): KMS keys are regional."
  }
}

variable "name" {
  description = "Name of the topic, e.g. quality-prod-alerts."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{3,200}$", var.name))
    error_message = "name: use 3-200 letters, digits, hyphens or underscores."
  }
}

variable "permissions_boundary_arn" {
  description = "Permission boundary for the delivery-status logging role (modules/iam boundary_arn)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn: give an IAM policy ARN, e.g. module.iam.boundary_arn."
  }
}

variable "publisher_services" {
  description = "AWS services allowed to publish (limited to this account): the pipelines' state machines publish through their role; EventBridge rules and CloudWatch alarms publish as these services."
  type        = list(string)
  default     = ["cloudwatch", "events"]
  nullable    = false

  validation {
    condition     = alltrue([for s in var.publisher_services : contains(["budgets", "cloudwatch", "codestar-notifications", "events"], s)])
    error_message = "publisher_services: allowed values are budgets, cloudwatch, codestar-notifications and events."
  }
}

variable "sqs_queue_arns" {
  description = "SQS queues subscribed to the alerts (e.g. a ticketing integration)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.sqs_queue_arns : can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:.+$", a))])
    error_message = "sqs_queue_arns: every entry must be an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>)."
  }
}

variable "tags" {
  description = "Tags for every resource (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}
