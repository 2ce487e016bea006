locals {
  # Lists are inserted as JSON, as the template expects (see pipelines_src.pipelines.definitions).
  template_values = merge(var.pipeline, {
    kms_key_arn        = var.kms_key_arn
    security_group_ids = jsonencode(var.pipeline.security_group_ids)
    subnet_ids         = jsonencode(var.pipeline.subnet_ids)
  })
  placeholders = toset([for m in regexall("\\$\\{([a-z_]+)\\}", file(var.definition_template)) : m[0]])
  undeclared   = setsubtract(local.placeholders, keys(local.template_values))
  definition   = length(local.undeclared) == 0 ? templatefile(var.definition_template, local.template_values) : "{}"
}

resource "terraform_data" "definition_checks" {
  input = sha256(local.definition)

  lifecycle {
    precondition {
      condition     = length(local.undeclared) == 0
      error_message = "definition_template: it references ${join(", ", local.undeclared)}, which this module does not provide; regenerate it with `make asl`."
    }
    precondition {
      condition     = can(jsondecode(local.definition).States)
      error_message = "definition_template: the rendered definition does not parse as ASL JSON with States; regenerate it with `make asl`."
    }
  }
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/vendedlogs/states/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_sfn_state_machine" "this" {
  name       = var.name
  role_arn   = aws_iam_role.this.arn
  type       = "STANDARD"
  definition = local.definition
  tags       = var.tags

  logging_configuration {
    level                  = "ALL"
    include_execution_data = true
    log_destination        = "${aws_cloudwatch_log_group.this.arn}:*"
  }

  tracing_configuration {
    enabled = var.tracing_enabled
  }

  encryption_configuration {
    type                              = "CUSTOMER_MANAGED_KMS_KEY"
    kms_key_id                        = var.kms_key_arn
    kms_data_key_reuse_period_seconds = 300
  }

  # The role's policy first: an execution started right after apply must be allowed to act.
  depends_on = [terraform_data.definition_checks, terraform_data.integration_checks, aws_iam_role_policy.this]
}

resource "aws_s3_object" "step_code" {
  count = var.step_code == null ? 0 : 1

  bucket      = var.step_code.bucket
  key         = "${var.step_code.key_prefix}/${basename(var.step_code.source)}"
  source      = var.step_code.source
  source_hash = filemd5(var.step_code.source)
  kms_key_id  = var.kms_key_arn
  tags        = var.tags
}

resource "aws_scheduler_schedule" "this" {
  count = var.schedule == null ? 0 : 1

  name                         = var.name
  schedule_expression          = var.schedule.expression
  schedule_expression_timezone = var.schedule.timezone
  kms_key_arn                  = var.kms_key_arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_sfn_state_machine.this.arn
    role_arn = var.schedule.role_arn
    input    = jsonencode(var.schedule.input)
  }
}
