variable "availability_zones" {
  description = "Two or more availability zones of the region for the private subnets."
  type        = list(string)
  default     = ["eu-central-1a", "eu-central-1b"]
  nullable    = false
}

variable "baseline_uri" {
  description = "s3:// prefix of the training pipeline's model-monitoring output (statistics.json, constraints.json) the endpoint is monitored against."
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

variable "model_data_url" {
  description = "s3:// URI of the approved model's model.tar.gz (the model package's ModelDataUrl)."
  type        = string
  nullable    = false
}

variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-central-1"
  nullable    = false
}

variable "use_case" {
  description = "Name of the use case: the prefix of every resource and the key of its S3 layout."
  type        = string
  default     = "quality"
  nullable    = false
}
