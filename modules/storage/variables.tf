variable "access_log_bucket" {
  description = "Name of an existing bucket (usually the organisation's central log archive) that receives S3 server access logs, each bucket under <prefix>/<bucket>/. Null turns access logging off; CloudTrail data events then remain the audit trail."
  type        = string
  default     = null

  validation {
    condition     = var.access_log_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", coalesce(var.access_log_bucket, "xxx")))
    error_message = "access_log_bucket: give an existing bucket name (3-63 lowercase letters, digits, dots, hyphens) or null to turn access logging off."
  }
}

variable "access_log_prefix" {
  description = "Key prefix of the access logs in access_log_bucket."
  type        = string
  default     = "s3-access-logs"
  nullable    = false
}

variable "buckets" {
  description = "Buckets to create, keyed by purpose (e.g. data, artifacts); each is named <name>-<key>. read_principal_arns may read the bucket through its policy (e.g. a training role in another account reading a data lake); policy_json is a policy document merged into the bucket's policy, e.g. the bucket_policy_json of a data-lake-access share (its Sids must not clash with this module's Deny* statements)."
  type = map(object({
    abort_incomplete_upload_days       = optional(number, 7)
    expiration_days                    = optional(number)
    force_destroy                      = optional(bool, false)
    noncurrent_version_expiration_days = optional(number, 90)
    policy_json                        = optional(string)
    read_principal_arns                = optional(list(string), [])
    transition_to_ia_days              = optional(number)
  }))
  nullable = false

  validation {
    condition     = length(var.buckets) > 0 && alltrue([for k in keys(var.buckets) : can(regex("^[a-z0-9][a-z0-9-]{0,19}$", k))])
    error_message = "buckets: give at least one bucket, keyed by 1-20 lowercase letters, digits or hyphens (e.g. { data = {}, artifacts = {} })."
  }

  validation {
    condition = alltrue([for b in values(var.buckets) : b.noncurrent_version_expiration_days >= 1 && b.abort_incomplete_upload_days >= 1 && (b.expiration_days == null ? true : b.expiration_days >= 1) && (b.transition_to_ia_days == null ? true : b.transition_to_ia_days >= 30) && (b.expiration_days == null || b.transition_to_ia_days == null ? true : b.expiration_days > b.transition_to_ia_days)
    ])
    error_message = "buckets: lifecycle days must be >= 1, transition_to_ia_days >= 30 (S3's minimum for STANDARD_IA), and expiration_days later than transition_to_ia_days (or transition_to_ia_days = null)."
  }

  validation {
    condition     = alltrue([for b in values(var.buckets) : b.policy_json == null || can(jsondecode(b.policy_json).Statement)])
    error_message = "buckets: policy_json must be a JSON policy document with a Statement list (e.g. data.aws_iam_policy_document.x.json or module.share.bucket_policy_json)."
  }

  validation {
    condition     = alltrue(flatten([for b in values(var.buckets) : [for arn in b.read_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(root|role/[A-Za-z0-9+=,.@_/-]+)$", arn))]]))
    error_message = "buckets: read_principal_arns must be IAM role or account-root ARNs such as arn:aws:iam::210987654321:role/ml-training; wildcards are not allowed."
  }
}

variable "kms_key_arn" {
  description = "ARN of the customer managed KMS key that encrypts every object (see modules/kms)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", var.kms_key_arn)) && try(split(":", var.kms_key_arn)[3] == data.aws_region.current.name, false)
    error_message = "kms_key_arn: give the ARN of a customer managed key (arn:aws:kms:<region>:<account>:key/<id>); aliases and AWS-managed keys are not accepted. The key must be in this region (${data.aws_region.current.name}): KMS keys are regional."
  }
}

variable "name" {
  description = "Prefix of the bucket names, e.g. acme-churn-prod-123456789012 (bucket names are global: include something unique such as the account ID)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,40}[a-z0-9]$", var.name))
    error_message = "name: use 3-42 lowercase letters, digits and hyphens, starting and ending with a letter or digit, so that <name>-<bucket key> stays a valid bucket name."
  }
}

variable "tags" {
  description = "Tags for every bucket (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}
