variable "alerts_topic_arn" {
  description = "SNS topic told about every approval and rejection (modules/alerts): decisions on models are never silent."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:.+$", var.alerts_topic_arn))
    error_message = "alerts_topic_arn: give an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>), e.g. module.alerts.topic_arn."
  }
}

variable "approved_targets" {
  description = "What an approval starts, by a name of yours (static keys: the ARNs may be unknown until apply): batch-inference state machines with the input they get (use_case defaults to name) and deployment pipelines. The rule fires only for ModelApprovalStatus = Approved; the module creates the role that may start exactly these."
  type = object({
    codepipelines = optional(map(string), {})
    state_machines = optional(map(object({
      arn        = string
      data_uri   = string
      experiment = optional(string, "approved-model")
      use_case   = optional(string)
    })), {})
  })
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for s in values(var.approved_targets.state_machines) : can(regex("^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:.+$", s.arn)) && startswith(s.data_uri, "s3://")])
    error_message = "approved_targets: state_machines need a state machine ARN and an s3:// data_uri to score."
  }
}

variable "consumer_account_ids" {
  description = "Accounts (e.g. production) that may read the group's model packages to deploy them."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.consumer_account_ids : can(regex("^[0-9]{12}$", a))])
    error_message = "consumer_account_ids: every entry must be a 12-digit AWS account ID."
  }
}

variable "description" {
  description = "Description of the model package group."
  type        = string
  default     = "Model packages of one ML use case"
  nullable    = false
}

variable "drift_retraining" {
  description = "Closed loop: the rule that starts the training state machine when batch inference publishes a drift event (source mlops.pipelines, detail-type \"MLOps Data Drift Detected\") for this use case and a package of this group. training_input is the JSON of the execution input (use_case, experiment, data_uri, hyperparameter_sets...); the rule adds trigger = \"drift\" and the drift object. cooldown (hour or day): the window in which the use case retrains at most once, which the training pipeline enforces. null: no rule (the opt-out)."
  type = object({
    state_machine_arn = string
    training_input    = string
    use_case          = string
    cooldown          = optional(string, "day")
  })
  default = null

  validation {
    condition     = var.drift_retraining == null ? true : can(regex("^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:.+$", var.drift_retraining.state_machine_arn))
    error_message = "drift_retraining: state_machine_arn must be the training state machine ARN, e.g. module.training.state_machine_arn."
  }

  validation {
    condition     = var.drift_retraining == null ? true : contains(["hour", "day"], var.drift_retraining.cooldown)
    error_message = "drift_retraining: cooldown must be \"hour\" or \"day\" (the window in which the use case retrains at most once)."
  }

  validation {
    condition     = var.drift_retraining == null ? true : can(keys(jsondecode(var.drift_retraining.training_input)))
    error_message = "drift_retraining: training_input must be the training execution input as JSON text of an object, e.g. jsonencode({ use_case = ..., data_uri = ... })."
  }

  validation {
    condition     = var.drift_retraining == null ? true : try(length(setintersection(keys(jsondecode(var.drift_retraining.training_input)), ["trigger", "drift"])) == 0, true)
    error_message = "drift_retraining: training_input must leave out trigger and drift; the rule sets them from the event."
  }
}

variable "name" {
  description = "Name of the model package group (one per use case), e.g. quality-prod."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){2,62}$", var.name))
    error_message = "name: use 3-63 letters, digits and hyphens (SageMaker's pattern), e.g. quality-prod."
  }
}

variable "permissions_boundary_arn" {
  description = "Permission boundary of the role the approval rule starts its targets with (modules/iam boundary_arn); needed when approved_targets has targets."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null ? true : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn: give the boundary policy ARN, e.g. module.iam.boundary_arn."
  }
}

variable "role_path" {
  description = "IAM path of the approval rule's role (the permission boundary only lets roles be managed under it)."
  type        = string
  default     = "/mlops/"
  nullable    = false

  validation {
    condition     = can(regex("^/([a-zA-Z0-9_+=,.@-]+/)*$", var.role_path))
    error_message = "role_path: start and end with /, e.g. /mlops/."
  }
}

variable "tags" {
  description = "Tags for every resource (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}
