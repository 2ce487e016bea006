variable "availability_zones" {
  description = "Two or more availability zones of the region."
  type        = list(string)
  default     = ["eu-central-1a", "eu-central-1b"]
  nullable    = false
}

variable "batch_data_uri" {
  description = "Where the data to score lands (the batch pipeline's data_uri on approval and on schedule)."
  type        = string
  default     = null
}

variable "budget_usd" {
  description = "Monthly cost budget of the use case in USD."
  type        = number
  default     = 500
  nullable    = false
}

variable "create_cost_controls" {
  description = "Budget and cost anomaly monitor of the use case; false where the organisation's FinOps account manages both centrally."
  type        = bool
  default     = true
  nullable    = false
}

variable "create_pipelines" {
  description = "Create the CI/CD pipelines (CodePipeline, CodeBuild); false where the use case's CI runs elsewhere."
  type        = bool
  default     = true
  nullable    = false
}

variable "create_studio" {
  description = "Create the use case's Studio domain, lifecycle configuration and user profiles; false where the platform runs one central Studio."
  type        = bool
  default     = true
  nullable    = false
}

variable "drift_retraining" {
  description = "Closed loop (docs/pipelines.md): drift found by batch inference starts the training pipeline, at most once per cooldown window (hour or day); enabled = false is the opt-out. data_uri: the labelled training data it retrains on (default s3://<data bucket>/<use case>/raw/); hyperparameter_sets: the candidates it tries; model_card: the use case's card facts (intended_uses, risk_rating, explanations_for_risk_rating...; without them a retrained challenger's card is a Draft, which approval refuses); the challenger is registered only if it beats the champion."
  type = object({
    enabled              = optional(bool, true)
    cooldown             = optional(string, "day")
    data_uri             = optional(string)
    evaluation_metric    = optional(string, "auc")
    evaluation_threshold = optional(number, 0.75)
    model_card           = optional(map(string), {})
    hyperparameter_sets = optional(list(map(string)), [
      { max_depth = "3", num_round = "60", eta = "0.2" },
      { max_depth = "5", num_round = "100", eta = "0.1" },
    ])
  })
  default  = {}
  nullable = false
}

variable "image_uri" {
  description = "Image of the step code and serving (built from pipelines_src/serving/Dockerfile and pushed to the ECR repository), null for <repository>:<version>."
  type        = string
  default     = null
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

variable "protect_metadata" {
  description = "Deletion protection of the execution history table; set false and apply before destroying the use case."
  type        = bool
  default     = true
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

variable "source_repository" {
  description = "Repository of the use case's code for CI/CD: type CodeCommit (repository name) or GitHub (owner/name and a CodeStar connection_arn)."
  type = object({
    branch         = optional(string, "main")
    connection_arn = optional(string)
    repository     = string
    type           = string
  })
  default  = { type = "CodeCommit", repository = "quality" }
  nullable = false
}

variable "studio_users" {
  description = "Studio user profiles of the use case team."
  type        = list(string)
  default     = ["data-scientist"]
  nullable    = false
}
