variable "availability_zones" {
  description = "Two or more availability zones of the region for the private subnets."
  type        = list(string)
  default     = ["eu-central-1a", "eu-central-1b"]
  nullable    = false
}

variable "image_uri" {
  description = "Step image (the registry's BYO container) in the use case's ECR repository."
  type        = string
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

variable "model_package_arn" {
  description = "Approved model package the nightly run scores with (the training account's registry, or this one's)."
  type        = string
  nullable    = false
}

variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-central-1"
  nullable    = false
}

variable "schedule" {
  description = "When batch inference runs (EventBridge Scheduler expression)."
  type        = string
  default     = "cron(0 5 * * ? *)"
  nullable    = false
}

variable "use_case" {
  description = "Name of the use case: the prefix of every resource and the key of its S3 layout."
  type        = string
  default     = "quality"
  nullable    = false
}
