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
