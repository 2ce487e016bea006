# The definition comes compiled from pipelines_src (`mlops asl`): an ASL template and, beside it,
# its manifest, which lists the template's placeholders with their types and every integration
# with the IAM it needs. This module reads the manifest; it never parses the ASL.
locals {
  manifest_file = coalesce(var.manifest_file, replace(var.definition_template, ".asl.json.tftpl", ".manifest.json"))
  manifest      = try(jsondecode(file(local.manifest_file)), null)
  manifest_ok   = try(local.manifest.format == "mlops-pipeline-manifest/1", false)
  belongs       = local.manifest_ok && try(local.manifest.definition_sha256 == filesha256(var.definition_template), false)

  values = merge(var.extra_values, var.pipeline, {
    kms_key_arn = var.kms_key_arn
    partition   = data.aws_partition.current.partition
  })
  placeholders = try(local.manifest.placeholders, {})
  missing      = setsubtract(keys(local.placeholders), keys(local.values))
  # Lists (subnets, security groups) are inserted as raw JSON, as the template expects.
  template_values = {
    for name, placeholder in local.placeholders : name => (
      placeholder.type == "string" ? tostring(local.values[name]) : jsonencode(local.values[name])
    ) if contains(keys(local.values), name)
  }
  definition = local.belongs && length(local.missing) == 0 ? templatefile(var.definition_template, local.template_values) : "{}"
}

resource "terraform_data" "definition_checks" {
  input = sha256(local.definition)

  lifecycle {
    precondition {
      condition     = local.manifest_ok
      error_message = "definition_template: no pipeline manifest at ${local.manifest_file}; compile the pipeline with `mlops asl`, which writes the template and its manifest side by side."
    }
    precondition {
      condition     = !local.manifest_ok || local.belongs
      error_message = "definition_template: the manifest at ${local.manifest_file} was compiled from another version of the template; run `mlops asl` again so both come from one compilation."
    }
    precondition {
      condition     = length(local.missing) == 0
      error_message = "definition_template: its placeholders ${join(", ", local.missing)} have no value; pass them in var.pipeline or var.extra_values."
    }
    precondition {
      condition     = !local.belongs || length(local.missing) > 0 || can(jsondecode(local.definition).States)
      error_message = "definition_template: the rendered definition does not parse as ASL JSON with States; compile it again with `mlops asl`."
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
    role_arn = aws_iam_role.schedule[0].arn
    input    = jsonencode(var.schedule.input)
  }
}

# The schedule's own role: EventBridge Scheduler of this account may start this state machine only.
data "aws_iam_policy_document" "schedule_trust" {
  count = var.schedule == null ? 0 : 1

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.context.account]
    }
  }
}

data "aws_iam_policy_document" "schedule" {
  count = var.schedule == null ? 0 : 1

  statement {
    sid       = "StartThisPipeline"
    actions   = ["states:StartExecution"]
    resources = [aws_sfn_state_machine.this.arn]
  }
}

resource "aws_iam_role" "schedule" {
  count = var.schedule == null ? 0 : 1

  name                 = "${var.name}-schedule"
  path                 = var.role_path
  assume_role_policy   = data.aws_iam_policy_document.schedule_trust[0].json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "schedule" {
  count = var.schedule == null ? 0 : 1

  name   = "${var.name}-schedule"
  role   = aws_iam_role.schedule[0].id
  policy = data.aws_iam_policy_document.schedule[0].json
}
