variable "availability_zones" {
  description = "Two or more availability zones of the region (the use case's VPC)."
  type        = list(string)
  default     = ["eu-central-1a", "eu-central-1b"]
  nullable    = false
}

variable "data_lake_deployer_role_arn" {
  description = "Role in the data-lake account that applies its side of the share (bucket, key, grant); this root's credentials must be allowed to assume it."
  type        = string
  default     = "arn:aws:iam::111111111111:role/cdh-share-deployer"
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", var.data_lake_deployer_role_arn))
    error_message = "data_lake_deployer_role_arn: give the data-lake account's deployer role ARN, e.g. arn:aws:iam::111111111111:role/cdh-share-deployer."
  }
}

variable "data_lake_name" {
  description = "Prefix of the data lake's key and buckets (its raw bucket is <data_lake_name>-raw)."
  type        = string
  default     = "acme-cdh"
  nullable    = false
}

variable "data_lake_owner" {
  description = "Owner tag of the data lake's resources (the data-lake team, not the use case)."
  type        = string
  default     = "data-lake@example.com"
  nullable    = false
}

variable "mandatory_tags" {
  description = "Tags every resource carries (checked by the mandatory-tag policy on the plan)."
  type = object({
    cost-center         = string
    data-classification = string
    environment         = string
    owner               = string
  })
  default = {
    cost-center         = "cc-1234"
    data-classification = "confidential"
    environment         = "dev"
    owner               = "ml-platform@example.com"
  }
  nullable = false
}

variable "name" {
  description = "Use-case prefix of every name in the use case's account."
  type        = string
  default     = "acme-quality-dev"
  nullable    = false
}

variable "region" {
  description = "AWS region of both accounts' resources (KMS keys are regional)."
  type        = string
  default     = "eu-central-1"
  nullable    = false
}

variable "shared_prefixes" {
  description = "Datasets of the data lake's raw bucket the use case reads (each ends with /)."
  type        = list(string)
  default     = ["quality/raw/"]
  nullable    = false
}
