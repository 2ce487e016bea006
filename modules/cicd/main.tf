locals {
  # Each CodeBuild project runs one Makefile target of the repository: the same commands a
  # developer runs, so CI and laptops cannot disagree.
  builds = {
    plan             = "make plan-aws EXAMPLE=${var.deploy_root}"
    policy           = "make policy EXAMPLE=${var.deploy_root}"
    test             = "make test"
    apply            = "make apply-aws EXAMPLE=${var.deploy_root}"
    deploy-inference = "make apply-aws EXAMPLE=${var.inference_root}"
  }
  # The deploy step of a deploy on approval: the group's newest Approved version for the root.
  resolve_approved = var.deploy_model_package_group == null ? [] : [
    ".venv/bin/mlops approved-package ${var.deploy_model_package_group} --tfvars ${var.inference_root}/approved-package.auto.tfvars.json"
  ]
  # After the apply: the monitors the provider cannot create, from the root's api_monitors output.
  set_up_api_monitors = var.deploy_api_monitors ? [
    "terraform -chdir=${var.inference_root} output -json api_monitors > api-monitors.json",
    ".venv/bin/mlops endpoint-monitors --outputs api-monitors.json",
  ] : []
  build_commands = {
    for k, v in local.builds : k => k == "deploy-inference" ? concat(["make setup"], local.resolve_approved, [v], local.set_up_api_monitors) : ["make setup", v]
  }
  codecommit = var.source_repository.type == "CodeCommit"
  source_configuration = local.codecommit ? {
    RepositoryName       = var.source_repository.repository
    BranchName           = var.source_repository.branch
    PollForSourceChanges = "false"
    } : {
    ConnectionArn        = var.source_repository.connection_arn
    FullRepositoryId     = var.source_repository.repository
    BranchName           = var.source_repository.branch
    DetectChanges        = "true"
    OutputArtifactFormat = "CODE_ZIP"
  }
  source_action = {
    owner    = "AWS"
    provider = local.codecommit ? "CodeCommit" : "CodeStarSourceConnection"
  }
}

resource "aws_cloudwatch_log_group" "build" {
  for_each = var.create_pipelines ? local.builds : {}

  name              = "/aws/codebuild/${var.name}-${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_codebuild_project" "this" {
  for_each = var.create_pipelines ? local.builds : {}

  name           = "${var.name}-${each.key}"
  description    = "${each.value} (CodePipeline stage of ${var.name})"
  service_role   = aws_iam_role.this["codebuild"].arn
  encryption_key = var.kms_key_arn
  build_timeout  = each.key == "test" ? 60 : 30
  tags           = var.tags

  artifacts {
    type = "CODEPIPELINE"
  }

  lifecycle {
    precondition {
      condition     = !var.deploy_api_monitors || var.deploy_model_package_group != null
      error_message = "deploy_api_monitors: set deploy_model_package_group too; the monitors are set up for the package the deploy resolved from that group."
    }
  }

  environment {
    compute_type    = "BUILD_GENERAL1_MEDIUM"
    image           = var.build_image
    type            = "LINUX_CONTAINER"
    privileged_mode = false
  }

  source {
    type      = "CODEPIPELINE"
    buildspec = yamlencode({ version = "0.2", phases = { build = { commands = local.build_commands[each.key] } } })
  }

  vpc_config {
    vpc_id             = var.network.vpc_id
    subnets            = var.network.subnet_ids
    security_group_ids = var.network.security_group_ids
  }

  logs_config {
    cloudwatch_logs {
      group_name = aws_cloudwatch_log_group.build[each.key].name
    }
  }
}

# Infrastructure: source -> plan, policy gate, tests -> manual approval -> apply.
resource "aws_codepipeline" "infrastructure" {
  count = var.create_pipelines ? 1 : 0

  name          = "${var.name}-infrastructure"
  role_arn      = aws_iam_role.this["codepipeline"].arn
  pipeline_type = "V2"
  tags          = var.tags

  artifact_store {
    location = var.artifacts_bucket
    type     = "S3"

    encryption_key {
      id   = var.kms_key_arn
      type = "KMS"
    }
  }

  stage {
    name = "Source"
    action {
      name             = "Source"
      category         = "Source"
      owner            = local.source_action.owner
      provider         = local.source_action.provider
      version          = "1"
      output_artifacts = ["source"]
      configuration    = local.source_configuration
    }
  }

  stage {
    name = "Check"
    dynamic "action" {
      for_each = ["plan", "policy", "test"]
      content {
        name            = action.value
        category        = "Build"
        owner           = "AWS"
        provider        = "CodeBuild"
        version         = "1"
        run_order       = 1
        input_artifacts = ["source"]
        configuration   = { ProjectName = aws_codebuild_project.this[action.value].name }
      }
    }
  }

  stage {
    name = "Approve"
    action {
      name     = "Approve"
      category = "Approval"
      owner    = "AWS"
      provider = "Manual"
      version  = "1"
      configuration = {
        CustomData = "Review the plan and the policy report of ${var.deploy_root} before it is applied."
      }
    }
  }

  stage {
    name = "Apply"
    action {
      name            = "apply"
      category        = "Build"
      owner           = "AWS"
      provider        = "CodeBuild"
      version         = "1"
      input_artifacts = ["source"]
      configuration   = { ProjectName = aws_codebuild_project.this["apply"].name }
    }
  }
}

# Inference: started by the model registry's Approved rule (not by commits), applies the
# inference root with the approved model package, after an operator's approval if asked.
resource "aws_codepipeline" "inference" {
  count = var.create_pipelines ? 1 : 0

  name          = "${var.name}-inference"
  role_arn      = aws_iam_role.this["codepipeline"].arn
  pipeline_type = "V2"
  tags          = var.tags

  artifact_store {
    location = var.artifacts_bucket
    type     = "S3"

    encryption_key {
      id   = var.kms_key_arn
      type = "KMS"
    }
  }

  stage {
    name = "Source"
    action {
      name             = "Source"
      category         = "Source"
      owner            = local.source_action.owner
      provider         = local.source_action.provider
      version          = "1"
      output_artifacts = ["source"]
      configuration    = merge(local.source_configuration, local.codecommit ? {} : { DetectChanges = "false" })
    }
  }

  dynamic "stage" {
    for_each = var.deploy_approval ? ["Approve"] : []
    content {
      name = stage.value
      action {
        name     = stage.value
        category = "Approval"
        owner    = "AWS"
        provider = "Manual"
        version  = "1"
        configuration = {
          CustomData = "Deploy the newly approved model package with ${var.inference_root}?"
        }
      }
    }
  }

  stage {
    name = "Deploy"
    action {
      name            = "deploy-inference"
      category        = "Build"
      owner           = "AWS"
      provider        = "CodeBuild"
      version         = "1"
      input_artifacts = ["source"]
      configuration   = { ProjectName = aws_codebuild_project.this["deploy-inference"].name }
    }
  }
}
