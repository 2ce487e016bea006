variable "consumer" {
  description = "Use-case side, applied in the use-case account (or null): an identity policy on each of role_names that reads prefixes of the data lake's bucket and decrypts through S3 with its key. Every S3 request is pinned to account_id (s3:ResourceAccount), so a bucket of the same name in another account is never read; writes stay impossible (the permission boundary denies writes to other accounts, the producer side denies them too)."
  type = object({
    account_id  = string
    bucket_name = string
    kms_key_arn = string
    prefixes    = list(string)
    role_names  = list(string)
  })
  default = null

  validation {
    condition = var.consumer == null || (
      can(regex("^[0-9]{12}$", try(var.consumer.account_id, ""))) &&
      can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", try(var.consumer.bucket_name, ""))) &&
      can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", try(var.consumer.kms_key_arn, ""))) &&
      length(try(var.consumer.role_names, [])) > 0 &&
      alltrue([for r in try(var.consumer.role_names, []) : can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", r))])
    )
    error_message = "consumer: give account_id (the data-lake account, 12 digits), bucket_name (the data lake's bucket), kms_key_arn (arn:aws:kms:<region>:<account>:key/<id>) and at least one of role_names (names of this account's roles, without path)."
  }

  validation {
    condition = var.consumer == null || (
      length(try(var.consumer.prefixes, [])) > 0 &&
      alltrue([for p in try(var.consumer.prefixes, []) : can(regex("^[A-Za-z0-9!_.'()=-]+(/[A-Za-z0-9!_.'()=-]+)*/$", p))])
    )
    error_message = "consumer: prefixes must name datasets, e.g. [\"sales/orders/\"]: at least one, each ending with / and without * or a leading / (the whole bucket is never shared)."
  }
}

variable "name" {
  description = "Prefix of the policy and grant names, e.g. the use case (quality-prod) on the consumer side or the data lake's share (cdh-quality) on the producer side."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,40}$", var.name))
    error_message = "name: use 3-41 lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "producer" {
  description = "Data-lake side, applied in the data-lake account (or null): for each consumer (keyed by use case), a KMS grant on the data lake's key (Decrypt, DescribeKey) to its named role, and bucket policy statements that let that role list and read its prefixes and deny it every write. The bucket stays the data lake's: the statements are the output bucket_policy_json, to merge into its policy, unless manage_bucket_policy writes the whole policy (those statements plus a TLS-only deny)."
  type = object({
    bucket_name = string
    consumers = map(object({
      prefixes = list(string)
      role_arn = string
    }))
    kms_key_arn          = string
    manage_bucket_policy = optional(bool, false)
  })
  default = null

  validation {
    condition = var.producer == null || (
      can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", try(var.producer.bucket_name, ""))) &&
      try(split(":", var.producer.kms_key_arn)[4] == data.aws_caller_identity.current.account_id, false) &&
      can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", try(var.producer.kms_key_arn, "")))
    )
    error_message = "producer: give bucket_name (the data lake's bucket) and kms_key_arn, a key of this account (${data.aws_caller_identity.current.account_id}): the producer side runs where the data lives."
  }

  validation {
    condition = var.producer == null || (
      length(try(var.producer.consumers, {})) > 0 &&
      alltrue([for k, c in try(var.producer.consumers, {}) : can(regex("^[a-z][a-z0-9-]{0,40}$", k)) && can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", c.role_arn))])
    )
    error_message = "producer: consumers must name at least one use case (key: lowercase letters, digits, hyphens), each with role_arn = a role ARN such as arn:aws:iam::210987654321:role/mlops/quality-execution; no wildcard and no account root: only that role may read."
  }

  validation {
    condition = var.producer == null || alltrue(flatten([
      for c in values(try(var.producer.consumers, {})) : [length(c.prefixes) > 0, [for p in c.prefixes : can(regex("^[A-Za-z0-9!_.'()=-]+(/[A-Za-z0-9!_.'()=-]+)*/$", p))]]
    ]))
    error_message = "producer: each consumer's prefixes must name datasets, e.g. [\"sales/orders/\"]: at least one, each ending with / and without * or a leading / (the whole bucket is never shared)."
  }

  validation {
    condition     = var.producer != null || var.consumer != null
    error_message = "producer: set producer (in the data-lake account), consumer (in the use-case account) or both; with neither the module does nothing."
  }
}
