variable "alerts_topic_arn" {
  description = "SNS topic every alarm, budget notification and cost anomaly goes to (modules/alerts)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:.+$", var.alerts_topic_arn))
    error_message = "alerts_topic_arn: give an SNS topic ARN: an alarm without an action helps no one."
  }
}

variable "budget" {
  description = "Monthly cost budget of the use case, filtered by its cost-allocation tag, with notification thresholds (percent of the limit)."
  type = object({
    cost_allocation_tag   = optional(string, "cost-center")
    cost_allocation_value = string
    monthly_limit_usd     = number
    notify_at_percent     = optional(list(number), [80, 100])
    anomaly_threshold_usd = optional(number, 100)
  })
  nullable = false

  validation {
    condition     = var.budget.monthly_limit_usd > 0 && length(var.budget.notify_at_percent) > 0 && alltrue([for p in var.budget.notify_at_percent : p > 0 && p <= 1000])
    error_message = "budget: give a positive monthly_limit_usd and at least one notification threshold in notify_at_percent (1-1000): a budget nobody hears about is no control."
  }
}

variable "budget_metrics" {
  description = "Publish the budget's actual and forecasted spend to CloudWatch (namespace MLOps/Budget, dimension Budget) every `every_hours` hours and chart them on the dashboard beside the limit: a state machine started by EventBridge Scheduler, its logs, state and schedule encrypted with `kms_key_arn`, its roles under `role_path` with the permission boundary. null: nothing published (the Budgets console still shows both)."
  type = object({
    kms_key_arn              = string
    permissions_boundary_arn = string
    every_hours              = optional(number, 6)
    role_path                = optional(string, "/mlops/")
  })
  default = null

  validation {
    condition     = var.budget_metrics == null || try(var.budget_metrics.every_hours >= 1 && var.budget_metrics.every_hours <= 24 && floor(var.budget_metrics.every_hours) == var.budget_metrics.every_hours, false)
    error_message = "budget_metrics: every_hours is a whole number of hours from 1 to 24 (Budgets refreshes its figures a few times a day)."
  }

  validation {
    condition     = var.budget_metrics == null || try(can(regex("^arn:aws[a-z-]*:kms:", var.budget_metrics.kms_key_arn)) && can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$", var.budget_metrics.permissions_boundary_arn)) && can(regex("^/([a-zA-Z0-9_+=,.@-]+/)*$", var.budget_metrics.role_path)), false)
    error_message = "budget_metrics: give the use case's KMS key ARN (module.kms.key_arn), the boundary policy ARN (module.iam.boundary_arn) and a role_path starting and ending with /."
  }
}

variable "create_cost_controls" {
  description = "Create the budget and the cost anomaly monitor; false where the organisation's FinOps account manages both centrally."
  type        = bool
  default     = true
  nullable    = false
}

variable "endpoint_error_threshold" {
  description = "5XX errors per 5 minutes above which an endpoint alarms."
  type        = number
  default     = 5
  nullable    = false

  validation {
    condition     = var.endpoint_error_threshold >= 1
    error_message = "endpoint_error_threshold: choose at least 1."
  }
}

variable "endpoint_names" {
  description = "Real-time endpoints to chart and alarm on (latency, errors, invocations)."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "name" {
  description = "Use-case prefix of the dashboard, alarms and cost controls, e.g. quality-prod."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{3,100}$", var.name))
    error_message = "name: use 3-100 letters, digits, hyphens or underscores."
  }
}

variable "state_machine_arns" {
  description = "Pipelines (state machines) to chart and alarm on, by short name (e.g. training, batch-inference)."
  type        = map(string)
  nullable    = false

  validation {
    condition     = length(var.state_machine_arns) > 0 && alltrue([for a in values(var.state_machine_arns) : can(regex("^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:.+$", a))])
    error_message = "state_machine_arns: give at least one state machine ARN (arn:aws:states:...:stateMachine:...), keyed by a short name."
  }
}

variable "tags" {
  description = "Tags for every resource (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}
