# The permission boundary every role of the registry carries. It caps what any role can ever do,
# whatever its own policy says: the services an ML use case needs, minus the actions that would
# let a role leave the guard rails (SageMaker outside the VPC or without encryption, weakening
# encryption, IAM escalation, moving data out of the account).

locals {
  sagemaker_job_actions = [
    "sagemaker:CreateHyperParameterTuningJob", "sagemaker:CreateProcessingJob", "sagemaker:CreateTrainingJob",
  ]
  sagemaker_vpc_actions = concat(local.sagemaker_job_actions, [
    "sagemaker:CreateDataQualityJobDefinition", "sagemaker:CreateDomain", "sagemaker:CreateModel",
    "sagemaker:CreateModelBiasJobDefinition", "sagemaker:CreateModelExplainabilityJobDefinition",
    "sagemaker:CreateModelQualityJobDefinition", "sagemaker:CreateMonitoringSchedule", "sagemaker:CreateNotebookInstance",
  ])
  sagemaker_encrypted_actions = concat(local.sagemaker_job_actions, ["sagemaker:CreateTransformJob"])
  isolation_actions           = concat(local.sagemaker_job_actions, ["sagemaker:CreateModel"])

  iam_write_actions = [
    "iam:AttachRolePolicy", "iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:CreateRole", "iam:DeletePolicy",
    "iam:DeletePolicyVersion", "iam:DeleteRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:PassRole",
    "iam:PutRolePolicy", "iam:SetDefaultPolicyVersion", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
  ]

  # Null-condition denies: [sid, actions, condition key] — the request lacks the setting.
  deny_when_missing = {
    DenySageMakerWithoutVpc       = { actions = local.sagemaker_vpc_actions, key = "sagemaker:VpcSubnets" }
    DenySageMakerWithoutVolumeKey = { actions = local.sagemaker_encrypted_actions, key = "sagemaker:VolumeKmsKey" }
    DenySageMakerWithoutOutputKey = { actions = local.sagemaker_encrypted_actions, key = "sagemaker:OutputKmsKey" }
    DenyTrainingWithoutInterContainerEncryptionSetting = {
      actions = local.sagemaker_job_actions, key = "sagemaker:InterContainerTrafficEncryption"
    }
  }
  deny_when_false = merge(
    { DenyPlaintextInterContainerTraffic = { actions = local.sagemaker_job_actions, key = "sagemaker:InterContainerTrafficEncryption" } },
    var.require_network_isolation ? { DenyWithoutNetworkIsolation = { actions = local.isolation_actions, key = "sagemaker:NetworkIsolation" } } : {},
  )
}

data "aws_iam_policy_document" "boundary" {
  #checkov:skip=CKV_MLOPS_6:A permission boundary grants nothing; it caps roles to these services, narrowed by the Deny statements below.
  #checkov:skip=CKV_AWS_111:Permission boundary: grants nothing by itself; write actions are capped by the Deny statements.
  #checkov:skip=CKV_AWS_356:Permission boundary: Resource "*" caps, the roles' own policies name resources.
  #checkov:skip=CKV_AWS_109:Permission boundary: the IAM Deny statements below forbid permission management outside the path.
  #checkov:skip=CKV_AWS_108:Permission boundary: data access is granted per bucket and prefix by each role's own policy.
  #checkov:skip=CKV_AWS_110:Permission boundary: privilege escalation is denied by the IAM statements below.
  #checkov:skip=CKV_AWS_107:Permission boundary: caps roles; only roles whose own policy names ECR repositories get tokens.
  statement {
    sid = "CapToMlServices"
    actions = [
      "application-autoscaling:*", "budgets:ViewBudget", "cloudwatch:*", "codebuild:*", "codecommit:*", "codeconnections:*",
      "codepipeline:*", "codestar-connections:*", "dynamodb:*", "ec2:*", "ecr:*", "events:*", "kms:*", "lambda:*",
      "logs:*", "s3:*", "sagemaker:*", "scheduler:*", "sns:*", "sqs:*", "states:*", "sts:AssumeRole",
      "sts:GetCallerIdentity", "xray:*",
      "iam:GetRole", "iam:ListRoles", "iam:PassRole",
    ]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = local.deny_when_missing
    content {
      sid       = statement.key
      effect    = "Deny"
      actions   = statement.value.actions
      resources = ["*"]

      condition {
        test     = "Null"
        variable = statement.value.key
        values   = ["true"]
      }
    }
  }

  dynamic "statement" {
    for_each = local.deny_when_false
    content {
      sid       = statement.key
      effect    = "Deny"
      actions   = statement.value.actions
      resources = ["*"]

      condition {
        test     = "Bool"
        variable = statement.value.key
        values   = ["false"]
      }
    }
  }

  statement {
    sid    = "DenyWeakeningEncryption"
    effect = "Deny"
    actions = [
      "kms:DisableKey", "kms:DisableKeyRotation", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion",
      "logs:DisassociateKmsKey", "s3:DeleteBucketPolicy", "s3:PutBucketPolicy", "s3:PutBucketPublicAccessBlock",
      "s3:PutEncryptionConfiguration",
    ]
    resources = ["*"]
  }

  statement {
    sid           = "DenyIamOutsidePath"
    effect        = "Deny"
    actions       = local.iam_write_actions
    not_resources = ["${local.arn_prefix}:iam::${local.account_id}:role${var.role_path}*", "${local.arn_prefix}:iam::${local.account_id}:policy${var.role_path}*"]
  }

  statement {
    sid       = "DenyRolesWithoutThisBoundary"
    effect    = "Deny"
    actions   = ["iam:CreateRole", "iam:PutRolePermissionsBoundary"]
    resources = ["*"]

    condition {
      test     = "StringNotEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.boundary_arn]
    }
  }

  statement {
    sid       = "DenyBoundaryRemovalOrEdit"
    effect    = "Deny"
    actions   = ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:DeleteRolePermissionsBoundary", "iam:SetDefaultPolicyVersion"]
    resources = [local.boundary_arn, "${local.arn_prefix}:iam::${local.account_id}:role/*"]
  }

  statement {
    sid       = "DenyWritesToOtherAccounts"
    effect    = "Deny"
    actions   = ["s3:PutObject", "s3:PutObjectAcl", "s3:ReplicateObject", "s3:RestoreObject"]
    resources = ["*"]

    condition {
      test     = "StringNotEquals"
      variable = "s3:ResourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "DenyKmsGrantsExceptForAwsServices"
    effect    = "Deny"
    actions   = ["kms:CreateGrant"]
    resources = ["*"]

    condition {
      test     = "BoolIfExists"
      variable = "kms:GrantIsForAWSResource"
      values   = ["false"]
    }
  }
}

resource "aws_iam_policy" "boundary" {
  #checkov:skip=CKV_MLOPS_6:A permission boundary grants nothing; it caps roles to these services, narrowed by its Deny statements.
  #checkov:skip=CKV_AWS_286:Permission boundary: grants nothing; privilege escalation is denied by its IAM statements.
  #checkov:skip=CKV_AWS_287:Permission boundary: grants nothing; only roles whose own policy names ECR repositories get tokens.
  #checkov:skip=CKV_AWS_288:Permission boundary: grants nothing; data access comes per bucket and prefix from each role's policy.
  #checkov:skip=CKV_AWS_289:Permission boundary: grants nothing; permission management outside the path is denied.
  #checkov:skip=CKV_AWS_290:Permission boundary: grants nothing; writes are capped by its Deny statements.
  #checkov:skip=CKV_AWS_355:Permission boundary: Resource "*" caps, the roles' own policies name resources.
  name        = local.boundary_name
  path        = var.role_path
  description = "Permission boundary of every ${var.name} role: ML services only, SageMaker in the VPC and encrypted, no IAM escalation, no data leaving the account"
  policy      = data.aws_iam_policy_document.boundary.json
  tags        = var.tags
}
