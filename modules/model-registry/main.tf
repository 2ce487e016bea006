data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  group_arn = "arn:${data.aws_partition.current.partition}:sagemaker:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:model-package-group/${var.name}"
  # The registry's own event shape, so the rules written here work unchanged on AWS and locally.
  status_pattern = {
    for status in ["Approved", "Rejected"] : status => jsonencode({
      source        = ["aws.sagemaker"]
      "detail-type" = ["SageMaker Model Package State Change"]
      detail = {
        ModelPackageGroupName = [var.name]
        ModelApprovalStatus   = [status]
      }
    })
  }
}

resource "aws_sagemaker_model_package_group" "this" {
  model_package_group_name        = var.name
  model_package_group_description = var.description
  tags                            = var.tags
}

data "aws_iam_policy_document" "consumers" {
  count = length(var.consumer_account_ids) > 0 ? 1 : 0

  statement {
    sid       = "ConsumerAccountsRead"
    actions   = ["sagemaker:DescribeModelPackage", "sagemaker:DescribeModelPackageGroup", "sagemaker:ListModelPackages"]
    resources = [local.group_arn, "${replace(local.group_arn, ":model-package-group/", ":model-package/")}/*"]

    principals {
      type        = "AWS"
      identifiers = [for a in var.consumer_account_ids : "arn:${data.aws_partition.current.partition}:iam::${a}:root"]
    }
  }
}

resource "aws_sagemaker_model_package_group_policy" "this" {
  count = length(var.consumer_account_ids) > 0 ? 1 : 0

  model_package_group_name = aws_sagemaker_model_package_group.this.model_package_group_name
  resource_policy          = data.aws_iam_policy_document.consumers[0].json
}

resource "aws_cloudwatch_event_rule" "approved" {
  name          = "${var.name}-model-approved"
  description   = "A model package of ${var.name} was approved: start deployment and batch inference"
  event_pattern = local.status_pattern["Approved"]
  tags          = var.tags
}

resource "aws_cloudwatch_event_rule" "rejected" {
  name          = "${var.name}-model-rejected"
  description   = "A model package of ${var.name} was rejected: tell the team"
  event_pattern = local.status_pattern["Rejected"]
  tags          = var.tags
}

resource "aws_cloudwatch_event_target" "approved_state_machine" {
  for_each = var.approved_targets.state_machines

  rule     = aws_cloudwatch_event_rule.approved.name
  arn      = each.value.arn
  role_arn = aws_iam_role.events[0].arn

  input_transformer {
    input_paths = { package = "$.detail.ModelPackageArn" }
    # jsonencode escapes < and >; EventBridge needs the placeholder literally.
    input_template = replace(jsonencode({
      use_case          = coalesce(each.value.use_case, var.name)
      experiment        = each.value.experiment
      data_uri          = each.value.data_uri
      model_package_arn = "<package>"
    }), "\\u003cpackage\\u003e", "<package>")
  }
}

resource "aws_cloudwatch_event_target" "approved_pipeline" {
  for_each = var.approved_targets.codepipelines

  rule     = aws_cloudwatch_event_rule.approved.name
  arn      = each.value
  role_arn = aws_iam_role.events[0].arn
}

resource "aws_cloudwatch_event_target" "status_alert" {
  for_each = { approved = aws_cloudwatch_event_rule.approved.name, rejected = aws_cloudwatch_event_rule.rejected.name }

  rule = each.value
  arn  = var.alerts_topic_arn
}

# Closed loop: a drift event of this use case, about a package of this group, starts retraining.
locals {
  drift = var.drift_retraining == null ? {} : { retraining = var.drift_retraining }
  # What the rule adds to the training input; <name> are the input transformer's placeholders.
  drift_input = {
    trigger = "drift"
    drift = {
      model_package_arn = "<package>"
      report_uri        = "<report>"
      data_uri          = "<data>"
      execution         = "<execution>"
      window            = "<window>"
      violated_features = "<features>"
    }
  }
}

resource "aws_cloudwatch_event_rule" "drift" {
  for_each = local.drift

  name        = "${var.name}-drift-retraining"
  description = "Batch inference of ${each.value.use_case} found drift: start retraining (once per ${each.value.cooldown})"
  event_pattern = jsonencode({
    source        = ["mlops.pipelines"]
    "detail-type" = ["MLOps Data Drift Detected"]
    # Only complete events: a field the input transformer reads must be there.
    detail = merge(
      {
        use_case          = [each.value.use_case]
        model_package_arn = [{ prefix = "${replace(local.group_arn, ":model-package-group/", ":model-package/")}/" }]
      },
      { for field in ["report_uri", "data_uri", "execution", "violated_features", "window_${each.value.cooldown}"] : field => [{ exists = true }] }
    )
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "drift_retraining" {
  for_each = local.drift

  rule     = aws_cloudwatch_event_rule.drift[each.key].name
  arn      = each.value.state_machine_arn
  role_arn = aws_iam_role.events[0].arn

  input_transformer {
    input_paths = {
      package   = "$.detail.model_package_arn"
      report    = "$.detail.report_uri"
      data      = "$.detail.data_uri"
      execution = "$.detail.execution"
      window    = "$.detail.window_${each.value.cooldown}"
      features  = "$.detail.violated_features"
    }
    # jsonencode escapes < and >; EventBridge needs the placeholders literally, and <features>
    # (a list) unquoted.
    input_template = replace(
      replace(jsonencode(merge(jsondecode(each.value.training_input), local.drift_input)), "\"\\u003cfeatures\\u003e\"", "<features>"),
      "/\\\\u003c([a-z]+)\\\\u003e/", "<$1>"
    )
  }
}

# The rules' own role: EventBridge of this account may start exactly the targets given.
locals {
  # Counted by their keys, which are known at plan even when the ARNs are not.
  targets = concat(keys(var.approved_targets.state_machines), keys(var.approved_targets.codepipelines), keys(local.drift))
}

data "aws_iam_policy_document" "events_trust" {
  count = length(local.targets) > 0 ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

data "aws_iam_policy_document" "events" {
  count = length(local.targets) > 0 ? 1 : 0

  dynamic "statement" {
    for_each = length(var.approved_targets.state_machines) > 0 ? [1] : []
    content {
      sid       = "StartApprovedStateMachines"
      actions   = ["states:StartExecution"]
      resources = [for s in values(var.approved_targets.state_machines) : s.arn]
    }
  }

  dynamic "statement" {
    for_each = local.drift
    content {
      sid       = "StartDriftRetraining"
      actions   = ["states:StartExecution"]
      resources = [statement.value.state_machine_arn]
    }
  }

  dynamic "statement" {
    for_each = length(var.approved_targets.codepipelines) > 0 ? [1] : []
    content {
      sid       = "StartApprovedPipelines"
      actions   = ["codepipeline:StartPipelineExecution"]
      resources = values(var.approved_targets.codepipelines)
    }
  }
}

resource "aws_iam_role" "events" {
  count = length(local.targets) > 0 ? 1 : 0

  name                 = "${var.name}-approved-targets"
  path                 = var.role_path
  assume_role_policy   = data.aws_iam_policy_document.events_trust[0].json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags

  lifecycle {
    precondition {
      condition     = var.permissions_boundary_arn != null
      error_message = "permissions_boundary_arn: the approval rule's role needs the permission boundary (module.iam.boundary_arn) when approved_targets has targets."
    }
  }
}

resource "aws_iam_role_policy" "events" {
  count = length(local.targets) > 0 ? 1 : 0

  name   = "${var.name}-approved-targets"
  role   = aws_iam_role.events[0].id
  policy = data.aws_iam_policy_document.events[0].json
}
