variable "consumers" {
  description = "Use cases that read the data lake, keyed by use case: the execution role (a named role of the use case's account, never a wildcard) and the datasets (prefixes of the raw bucket, each ending with /) it reads."
  type = map(object({
    prefixes = list(string)
    role_arn = string
  }))
  default = {
    quality = { prefixes = ["quality/raw/"], role_arn = "arn:aws:iam::123456789012:role/mlops/quality-dev-sagemaker-execution" }
  }
  nullable = false
}

variable "force_destroy" {
  description = "Whether destroying the root empties the raw bucket first (true only where the data can be recreated, such as the local demo)."
  type        = bool
  default     = false
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
    cost-center         = "cc-0001"
    data-classification = "confidential"
    environment         = "prod"
    owner               = "data-lake@example.com"
  }
  nullable = false
}

variable "name" {
  description = "Prefix of the data lake's key and buckets (its raw bucket is <name>-raw)."
  type        = string
  default     = "acme-cdh"
  nullable    = false
}

variable "region" {
  description = "AWS region of the data lake (KMS keys are regional)."
  type        = string
  default     = "eu-central-1"
  nullable    = false
}
