variable "artifacts_bucket" {
  description = "Bucket (name) of the pipelines' artefacts, e.g. the artifacts bucket of modules/storage; objects are written with the CMK."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifacts_bucket))
    error_message = "artifacts_bucket: give a bucket name (not an ARN or URI), e.g. module.storage.bucket_names[\"artifacts\"]."
  }
}

variable "build_image" {
  description = "CodeBuild image of every stage (it needs Python 3.11+ and Terraform; make setup checks both)."
  type        = string
  default     = "aws/codebuild/standard:7.0"
  nullable    = false
}

variable "create_pipelines" {
  description = "Create the CodeBuild projects and CodePipelines here; false for a use case whose CI runs elsewhere (GitHub Actions, a platform CI), which then uses only the scaffold's workflow."
  type        = bool
  default     = true
  nullable    = false
}

variable "deploy_api_monitors" {
  description = "After the inference pipeline's apply, set the endpoint's model-quality, bias and explainability monitors up through the SageMaker API (the provider has no resource for them): `mlops endpoint-monitors --outputs` reads the root's `api_monitors` output (examples/realtime-endpoint has it). Needs deploy_model_package_group."
  type        = bool
  default     = false
  nullable    = false
}

variable "deploy_approval" {
  description = "A manual approval before the inference pipeline deploys an approved package (separation of duties: the model reviewer approves the package, an operator its deployment); false deploys on the registry's Approved event alone."
  type        = bool
  default     = false
  nullable    = false
}

variable "deploy_model_package_group" {
  description = "Deploy on approval for a root that serves one pinned version (examples/realtime-endpoint): the inference pipeline's Deploy first writes this group's newest Approved version as model_package_arn in <inference_root>/approved-package.auto.tfvars.json (`mlops approved-package`), then applies the root. The Approved event cannot hand its ARN to a build, so the step resolves it. null applies the root as it is (a batch root whose state machine resolves the newest Approved version itself)."
  type        = string
  default     = null

  validation {
    condition     = var.deploy_model_package_group == null || can(regex("^[A-Za-z0-9](-*[A-Za-z0-9]){0,62}$", var.deploy_model_package_group))
    error_message = "deploy_model_package_group: give the model package group's name (1-63 letters, digits and hyphens: the model-registry module's group_name output)."
  }
}

variable "deploy_root" {
  description = "Terraform root (folder in the repository) that the infrastructure pipeline plans, checks and applies, e.g. examples/use-case-complete."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_./-]+$", var.deploy_root)) && !startswith(var.deploy_root, "/") && !strcontains(var.deploy_root, "..")
    error_message = "deploy_root: give a folder relative to the repository root, e.g. examples/use-case-complete."
  }
}

variable "inference_root" {
  description = "Terraform root the inference pipeline applies when a model package is approved (batch schedule or real-time endpoint), e.g. examples/realtime-endpoint."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_./-]+$", var.inference_root)) && !startswith(var.inference_root, "/") && !strcontains(var.inference_root, "..")
    error_message = "inference_root: give a folder relative to the repository root, e.g. examples/realtime-endpoint."
  }
}

variable "kms_key_arn" {
  description = "Customer managed key for artefacts, build outputs and logs."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", var.kms_key_arn)) && try(split(":", var.kms_key_arn)[3] == data.aws_region.current.name, false)
    error_message = "kms_key_arn: give the ARN of a customer managed key (arn:aws:kms:<region>:<account>:key/<id>). The key must be in this region (${data.aws_region.current.name}): KMS keys are regional."
  }
}

variable "log_retention_days" {
  description = "Days build logs are kept (at least a year)."
  type        = number
  default     = 365
  nullable    = false

  validation {
    condition     = var.log_retention_days >= 365
    error_message = "log_retention_days: keep build logs at least 365 days."
  }
}

variable "name" {
  description = "Prefix of the projects and pipelines, e.g. quality-dev."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9-]{2,40}$", var.name))
    error_message = "name: use 3-41 letters, digits and hyphens, starting with a letter."
  }
}

variable "network" {
  description = "VPC where the builds run (private subnets and a security group): builds reach AWS through the VPC endpoints."
  type = object({
    security_group_ids = list(string)
    subnet_ids         = list(string)
    vpc_id             = string
  })
  nullable = false

  validation {
    condition     = length(var.network.subnet_ids) > 0 && length(var.network.security_group_ids) > 0 && startswith(var.network.vpc_id, "vpc-")
    error_message = "network: give vpc_id and non-empty subnet_ids and security_group_ids; builds run in the VPC."
  }
}

variable "permissions_boundary_arn" {
  description = "Permission boundary of the module's CodeBuild and CodePipeline roles (modules/iam boundary_arn)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn: give the boundary policy ARN, e.g. module.iam.boundary_arn."
  }
}

variable "role_path" {
  description = "IAM path of the module's CodeBuild and CodePipeline roles (the permission boundary only lets roles be managed under it)."
  type        = string
  default     = "/mlops/"
  nullable    = false

  validation {
    condition     = can(regex("^/([a-zA-Z0-9_+=,.@-]+/)*$", var.role_path))
    error_message = "role_path: start and end with /, e.g. /mlops/."
  }
}

variable "source_repository" {
  description = "Where the use case's code lives: type CodeCommit (repository name) or GitHub (owner/name through a CodeStar connection_arn), and the branch."
  type = object({
    branch         = optional(string, "main")
    connection_arn = optional(string)
    repository     = string
    type           = string
  })
  nullable = false

  validation {
    condition     = contains(["CodeCommit", "GitHub"], var.source_repository.type)
    error_message = "source_repository: type must be CodeCommit or GitHub (through a CodeStar connection)."
  }

  validation {
    condition     = var.source_repository.type != "GitHub" || (can(regex("^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:[0-9]{12}:connection/.+$", coalesce(var.source_repository.connection_arn, "-"))) && can(regex("^[^/]+/[^/]+$", var.source_repository.repository)))
    error_message = "source_repository: GitHub needs connection_arn (a CodeStar connection ARN) and repository as owner/name."
  }
}

variable "tags" {
  description = "Tags for every resource (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}
