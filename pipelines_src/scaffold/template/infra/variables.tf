variable "availability_zones" {
  description = "Two or more availability zones of the region for the private subnets."
  type        = list(string)
  default     = ["eu-central-1a", "eu-central-1b"]
}

variable "image_uri" {
  description = "The use case's step image (its Dockerfile: the registry's step code plus steps/); CI passes the pushed tag, `make demo` the locally built one."
  type        = string
}

variable "mandatory_tags" {
  description = "Tags every resource carries (the policy gate checks them on the plan)."
  type = object({
    cost-center         = string
    data-classification = string
    environment         = string
    owner               = string
  })
  default = {
    cost-center         = "cc-0000"
    data-classification = "internal"
    environment         = "dev"
    owner               = "__NAME__-team@example.com"
  }
}

variable "protect_data" {
  description = "Deletion protection of the metadata table and no force-destroy of the buckets; teardown.tfvars sets false before a deliberate destroy."
  type        = bool
  default     = true
}

variable "region" {
  description = "AWS region of the use case."
  type        = string
  default     = "eu-central-1"
}

variable "use_case" {
  description = "Short name of the use case (prefixes every resource, S3 key and job)."
  type        = string
  default     = "__NAME__"
}
