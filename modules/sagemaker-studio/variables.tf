variable "create_domain" {
  description = "Create the Studio domain, its user profiles and lifecycle configuration. Set false for the notebook-instance variant only."
  type        = bool
  default     = true
  nullable    = false
}

variable "environment_variables" {
  description = "Variables the lifecycle configuration exports to every notebook (e.g. MLOPS_USE_CASE, MLOPS_ARTIFACTS_BUCKET) so that the notebooks in examples/notebooks find the use case's resources."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k in keys(var.environment_variables) : can(regex("^[A-Z_][A-Z0-9_]*$", k))])
    error_message = "environment_variables: names must be upper-case shell identifiers, e.g. MLOPS_USE_CASE."
  }

  validation {
    condition     = alltrue([for v in values(var.environment_variables) : !can(regex("['\\n]", v))])
    error_message = "environment_variables: values must not contain single quotes or newlines (they are written into a shell script)."
  }
}

variable "execution_role_arn" {
  description = "Default execution role of users and notebooks: the SageMaker execution role of modules/iam."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.execution_role_arn))
    error_message = "execution_role_arn: give an IAM role ARN, e.g. module.iam.role_arns[\"sagemaker-execution\"]."
  }
}

variable "home_retention" {
  description = "What happens to the users' home EFS volume when the domain is destroyed: Retain (default, notebooks survive) or Delete (also removes the EFS and its network interfaces, so the subnets can be destroyed)."
  type        = string
  default     = "Retain"
  nullable    = false

  validation {
    condition     = contains(["Retain", "Delete"], var.home_retention)
    error_message = "home_retention: use Retain or Delete."
  }
}

variable "idle_shutdown_minutes" {
  description = "Minutes after which an idle JupyterLab app of the domain stops (its instance is released; the home volume keeps the work), so nothing runs out of hours that nobody uses. null: apps run until their user stops them."
  type        = number
  default     = 120
  nullable    = true

  validation {
    condition     = var.idle_shutdown_minutes == null ? true : var.idle_shutdown_minutes >= 60 && var.idle_shutdown_minutes <= 525600 && floor(var.idle_shutdown_minutes) == var.idle_shutdown_minutes
    error_message = "idle_shutdown_minutes: give whole minutes from 60 to 525600 (SageMaker's range), or null to turn idle shutdown off."
  }
}

variable "kms_key_arn" {
  description = "Customer managed key for the domain's storage and the notebook volumes."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", var.kms_key_arn)) && try(split(":", var.kms_key_arn)[3] == data.aws_region.current.name, false)
    error_message = "kms_key_arn: give the ARN of a customer managed key (arn:aws:kms:<region>:<account>:key/<id>). The key must be in this region (${data.aws_region.current.name}): KMS keys are regional."
  }
}

variable "name" {
  description = "Name of the domain and prefix of the other resources, e.g. quality-dev."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){2,50}$", var.name))
    error_message = "name: use 3-51 letters, digits and hyphens."
  }
}

variable "network" {
  description = "VPC of Studio and the notebooks: private subnets (at least two for the domain) and the workload security group. Studio runs VpcOnly: there is no public-internet option."
  type = object({
    security_group_ids = list(string)
    subnet_ids         = list(string)
    vpc_id             = string
  })
  nullable = false

  validation {
    condition     = length(var.network.subnet_ids) > 0 && length(var.network.security_group_ids) > 0 && startswith(var.network.vpc_id, "vpc-")
    error_message = "network: give vpc_id and non-empty subnet_ids and security_group_ids (module.network outputs); Studio only runs inside the VPC."
  }
}

variable "notebook_instance" {
  description = "Optional classic notebook instance (no direct internet, no root, CMK volume, in the VPC). null = none."
  type = object({
    instance_type = optional(string, "ml.t3.medium")
    volume_size   = optional(number, 20)
  })
  default = null

  validation {
    condition     = var.notebook_instance == null || startswith(try(var.notebook_instance.instance_type, ""), "ml.")
    error_message = "notebook_instance: instance_type must be an ml.* instance type, e.g. ml.t3.medium."
  }

  validation {
    condition     = var.notebook_instance == null || try(var.notebook_instance.volume_size >= 5 && var.notebook_instance.volume_size <= 16384, false)
    error_message = "notebook_instance: volume_size must be between 5 and 16384 GB."
  }
}

variable "tags" {
  description = "Tags for every resource (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "user_profiles" {
  description = "Studio users to create (names: letters, digits, hyphens). Each gets the default execution role and settings."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for u in var.user_profiles : can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", u))])
    error_message = "user_profiles: names must be 1-63 letters, digits and hyphens, e.g. jane-doe."
  }

  validation {
    condition     = length(distinct(var.user_profiles)) == length(var.user_profiles)
    error_message = "user_profiles: remove the duplicate names."
  }
}
