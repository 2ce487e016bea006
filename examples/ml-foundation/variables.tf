variable "availability_zones" {
  description = "Two or more availability zones of the region."
  type        = list(string)
  default     = ["eu-central-1a", "eu-central-1b"]
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
  description = "Use-case prefix of every name."
  type        = string
  default     = "acme-foundation-dev"
  nullable    = false
}

variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-central-1"
  nullable    = false
}
