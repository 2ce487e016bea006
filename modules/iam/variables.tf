variable "codebuild" {
  description = "CodeBuild service role, or null. Scoped to its artifact bucket, its projects' log groups (/aws/codebuild/<project_name_prefix>*) and, for builds in the VPC, network interfaces in vpc_id."
  type = object({
    artifact_bucket_arn        = string
    codecommit_repository_arns = optional(list(string), [])
    project_name_prefix        = string
    vpc_id                     = string
  })
  default = null

  validation {
    condition = var.codebuild == null || (
      can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.-]+$", try(var.codebuild.artifact_bucket_arn, ""))) &&
      can(regex("^[A-Za-z][A-Za-z0-9_-]{2,100}$", try(var.codebuild.project_name_prefix, ""))) &&
      can(regex("^vpc-[0-9a-f]+$", try(var.codebuild.vpc_id, "")))
    )
    error_message = "codebuild: give artifact_bucket_arn (arn:aws:s3:::<bucket>), project_name_prefix (letters, digits, - and _) and vpc_id (vpc-...): the role is scoped to exactly these."
  }
}

variable "codepipeline" {
  description = "CodePipeline service role, or null. Scoped to its artifact bucket, the CodeBuild projects it starts and its source (a CodeStar connection or CodeCommit repositories)."
  type = object({
    artifact_bucket_arn        = string
    codebuild_project_arns     = list(string)
    codecommit_repository_arns = optional(list(string), [])
    connection_arn             = optional(string)
  })
  default = null

  validation {
    condition = var.codepipeline == null || (
      can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.-]+$", try(var.codepipeline.artifact_bucket_arn, ""))) &&
      length(try(var.codepipeline.codebuild_project_arns, [])) > 0 &&
      alltrue([for a in try(var.codepipeline.codebuild_project_arns, []) : can(regex("^arn:aws[a-z-]*:codebuild:[a-z0-9-]+:[0-9]{12}:project/.+$", a))]) &&
      (try(var.codepipeline.connection_arn, null) != null || length(try(var.codepipeline.codecommit_repository_arns, [])) > 0)
    )
    error_message = "codepipeline: give artifact_bucket_arn, at least one codebuild_project_arns entry (arn:aws:codebuild:...:project/...) and a source: connection_arn or codecommit_repository_arns."
  }
}

variable "eventbridge" {
  description = "Role EventBridge rules and EventBridge Scheduler schedules assume to start the registry's state machines and pipelines (on model approval, nightly batch inference), or null."
  type = object({
    codepipeline_arns  = optional(list(string), [])
    state_machine_arns = optional(list(string), [])
  })
  default = null

  validation {
    condition = var.eventbridge == null || (
      length(concat(try(var.eventbridge.state_machine_arns, []), try(var.eventbridge.codepipeline_arns, []))) > 0 &&
      alltrue([for a in try(var.eventbridge.state_machine_arns, []) : can(regex("^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:.+$", a))]) &&
      alltrue([for a in try(var.eventbridge.codepipeline_arns, []) : can(regex("^arn:aws[a-z-]*:codepipeline:[a-z0-9-]+:[0-9]{12}:.+$", a))])
    )
    error_message = "eventbridge: give at least one target: state_machine_arns (arn:aws:states:...:stateMachine:...) or codepipeline_arns (arn:aws:codepipeline:...)."
  }
}

variable "kms_key_arns" {
  description = "Customer managed keys the roles may use (see modules/kms). Every role's KMS permissions are scoped to these ARNs."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.kms_key_arns) > 0 && alltrue([for a in var.kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", a))])
    error_message = "kms_key_arns: give at least one customer managed key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "lambda" {
  description = "Execution role for the use case's Lambda functions, or null. Scoped to the log groups of functions named <function_name_prefix>*."
  type = object({
    function_name_prefix = string
  })
  default = null

  validation {
    condition     = var.lambda == null || can(regex("^[A-Za-z0-9_-]{3,40}$", try(var.lambda.function_name_prefix, "")))
    error_message = "lambda: function_name_prefix must be 3-40 letters, digits, - or _."
  }
}

variable "name" {
  description = "Prefix of every role and policy name, e.g. quality-prod."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name: use 3-31 lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "path" {
  description = "IAM path of every role and policy. The boundary forbids IAM changes outside it, so a role cannot create or edit roles elsewhere."
  type        = string
  default     = "/mlops/"
  nullable    = false

  validation {
    condition     = can(regex("^/([A-Za-z0-9_+=,.@-]+/)+$", var.path))
    error_message = "path: give an IAM path that starts and ends with /, e.g. /mlops/ or /mlops/quality/."
  }
}

variable "require_network_isolation" {
  description = "Whether the boundary denies training, processing and model creation without network isolation. Turn off only for containers that must call AWS APIs themselves; the registry's pipelines make those calls from Step Functions instead."
  type        = bool
  default     = true
  nullable    = false
}

variable "sagemaker_execution" {
  description = "SageMaker execution role for processing, training, transform and monitoring jobs, or null. S3 access is per bucket and prefix; network interfaces only in vpc_id."
  type = object({
    buckets = list(object({
      arn            = string
      read_prefixes  = optional(list(string), [""])
      write_prefixes = optional(list(string), [])
    }))
    ecr_repository_arns = optional(list(string), [])
    vpc_id              = string
  })
  default = null

  validation {
    condition = var.sagemaker_execution == null || (
      length(try(var.sagemaker_execution.buckets, [])) > 0 &&
      alltrue([for b in try(var.sagemaker_execution.buckets, []) : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.-]+$", b.arn))]) &&
      alltrue(flatten([for b in try(var.sagemaker_execution.buckets, []) : [for p in concat(b.read_prefixes, b.write_prefixes) : !strcontains(p, "*")]])) &&
      can(regex("^vpc-[0-9a-f]+$", try(var.sagemaker_execution.vpc_id, "")))
    )
    error_message = "sagemaker_execution: give at least one bucket (arn:aws:s3:::<bucket>, prefixes without *) and vpc_id (vpc-...): the role is scoped to exactly these."
  }
}

variable "tags" {
  description = "Tags for every role and policy (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}
