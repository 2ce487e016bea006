# Offline unit tests: the real AWS provider with fake credentials, no API calls (plan only).

provider "aws" {
  region                      = "eu-central-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

override_data {
  target = data.aws_caller_identity.current
  values = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:root"
    user_id    = "123456789012"
  }
}

variables {
  name                     = "unit"
  artifacts_bucket         = "unit-artifacts"
  kms_key_arn              = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
  deploy_root              = "examples/use-case-complete"
  inference_root           = "examples/realtime-endpoint"
  permissions_boundary_arn = "arn:aws:iam::123456789012:policy/mlops/unit-permission-boundary"
  network                  = { vpc_id = "vpc-0a", subnet_ids = ["subnet-0a"], security_group_ids = ["sg-0a"] }
  source_repository        = { type = "CodeCommit", repository = "quality" }
}

run "checks_then_approval_then_apply" {
  command = plan

  assert {
    condition     = [for s in aws_codepipeline.infrastructure[0].stage : s.name] == ["Source", "Check", "Approve", "Apply"]
    error_message = "Source, checks, a manual approval, then apply."
  }

  assert {
    condition     = toset([for a in aws_codepipeline.infrastructure[0].stage[1].action : a.configuration.ProjectName]) == toset(["unit-plan", "unit-policy", "unit-test"]) && aws_codepipeline.infrastructure[0].stage[2].action[0].provider == "Manual"
    error_message = "plan, policy gate and tests run before a person approves."
  }

  assert {
    condition     = aws_codepipeline.infrastructure[0].stage[0].action[0].provider == "CodeCommit" && aws_codepipeline.infrastructure[0].stage[0].action[0].configuration.RepositoryName == "quality"
    error_message = "A CodeCommit source reads the repository."
  }

  assert {
    condition     = alltrue([for p in aws_codebuild_project.this : length(p.vpc_config) == 1 && p.encryption_key == var.kms_key_arn && !p.environment[0].privileged_mode && length(p.environment[0].environment_variable) == 0])
    error_message = "Builds run in the VPC, encrypted with the CMK, unprivileged, with no variables (so no plaintext secrets)."
  }

  assert {
    condition     = strcontains(aws_codebuild_project.this["plan"].source[0].buildspec, "make plan-aws EXAMPLE=examples/use-case-complete") && strcontains(aws_codebuild_project.this["deploy-inference"].source[0].buildspec, "EXAMPLE=examples/realtime-endpoint")
    error_message = "Stages run the repository's Makefile targets on the chosen roots."
  }

  assert {
    condition     = [for s in aws_codepipeline.inference[0].stage : s.name] == ["Source", "Deploy"] && one([for s in aws_codepipeline.inference[0].artifact_store : s.encryption_key[0].id]) == var.kms_key_arn
    error_message = "The inference pipeline deploys from the repository; artefacts encrypted with the CMK."
  }
}

run "github_source_through_a_connection" {
  command = plan
  variables {
    source_repository = { type = "GitHub", repository = "acme/quality", connection_arn = "arn:aws:codeconnections:eu-central-1:123456789012:connection/abc" }
  }
  assert {
    condition     = aws_codepipeline.infrastructure[0].stage[0].action[0].provider == "CodeStarSourceConnection" && aws_codepipeline.inference[0].stage[0].action[0].configuration.DetectChanges == "false"
    error_message = "GitHub goes through the connection; the inference pipeline does not run on commits."
  }
}

run "deploy_on_approval_resolves_the_newest_approved_version_first" {
  command = plan
  variables {
    deploy_model_package_group = "quality-models"
  }

  assert {
    condition     = yamldecode(aws_codebuild_project.this["deploy-inference"].source[0].buildspec).phases.build.commands == ["make setup", ".venv/bin/mlops approved-package quality-models --tfvars examples/realtime-endpoint/approved-package.auto.tfvars.json", "make apply-aws EXAMPLE=examples/realtime-endpoint"]
    error_message = "The deploy writes the group's newest Approved version for the root, then applies it."
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.codebuild[0].statement : s.resources if s.sid == "FindTheApprovedVersion"]) == toset(["arn:aws:sagemaker:eu-central-1:123456789012:model-package-group/quality-models"])
    error_message = "The build may list the versions of that group only."
  }
}

run "without_a_group_the_root_is_applied_as_it_is" {
  command = plan

  assert {
    condition     = !strcontains(aws_codebuild_project.this["deploy-inference"].source[0].buildspec, "approved-package") && !strcontains(aws_codebuild_project.this["deploy-inference"].source[0].buildspec, "endpoint-monitors") && length([for s in data.aws_iam_policy_document.codebuild[0].statement : s if s.sid == "FindTheApprovedVersion"]) == 0 && length(data.aws_iam_policy_document.api_monitors) == 0
    error_message = "No group: no resolution step and no registry permission."
  }
}

run "deploy_sets_the_api_monitors_up_after_the_apply" {
  command = plan
  variables {
    deploy_model_package_group = "quality-models"
    deploy_api_monitors        = true
  }

  assert {
    condition     = slice(yamldecode(aws_codebuild_project.this["deploy-inference"].source[0].buildspec).phases.build.commands, 2, 5) == ["make apply-aws EXAMPLE=examples/realtime-endpoint", "terraform -chdir=examples/realtime-endpoint output -json api_monitors > api-monitors.json", ".venv/bin/mlops endpoint-monitors --outputs api-monitors.json"]
    error_message = "After the apply, the monitors are set up from the root's api_monitors output."
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.api_monitors[0].statement : s.resources if s.sid == "ReadTheServedPackage"]) == toset(["arn:aws:sagemaker:eu-central-1:123456789012:model-package/quality-models/*"])
    error_message = "The build may read that group's versions only."
  }

  assert {
    condition     = alltrue([for r in one([for s in data.aws_iam_policy_document.api_monitors[0].statement : s.resources if s.sid == "SetUpTheApiMonitors"]) : can(regex(":(model-(quality|bias|explainability)-job-definition|monitoring-schedule)/[*]$", r))])
    error_message = "Creating and deleting is limited to the monitors' own resource types."
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.api_monitors[0].statement : s.resources if s.sid == "AlarmOnTheMonitors"]) == toset([for kind in ["model-quality", "model-bias", "model-explainability"] : "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:*-${kind}-*"])
    error_message = "The build may put the alarms of the three API monitors, and no others."
  }

  assert {
    condition     = yamldecode(aws_codebuild_project.this["apply"].source[0].buildspec).phases.build.commands == ["make setup", "make apply-aws EXAMPLE=examples/use-case-complete"]
    error_message = "The infrastructure apply is unchanged."
  }
}

run "api_monitors_need_the_group_the_deploy_resolves" {
  command = plan
  variables {
    deploy_api_monitors = true
  }
  expect_failures = [aws_codebuild_project.this]
}

run "rejects_a_group_name_sagemaker_refuses" {
  command = plan
  variables {
    deploy_model_package_group = "quality_models"
  }
  expect_failures = [var.deploy_model_package_group]
}

run "local_profile_plans_nothing" {
  command = plan
  variables {
    create_pipelines = false
  }
  assert {
    condition     = length(aws_codepipeline.infrastructure) == 0 && length(aws_codebuild_project.this) == 0
    error_message = "create_pipelines = false creates nothing."
  }
}

run "rejects_other_source_types" {
  command = plan
  variables {
    source_repository = { type = "Bitbucket", repository = "acme/quality" }
  }
  expect_failures = [var.source_repository]
}

run "rejects_github_without_connection" {
  command = plan
  variables {
    source_repository = { type = "GitHub", repository = "acme/quality" }
  }
  expect_failures = [var.source_repository]
}

run "rejects_bucket_arn" {
  command = plan
  variables {
    artifacts_bucket = "arn:aws:s3:::unit-artifacts"
  }
  expect_failures = [var.artifacts_bucket]
}

run "rejects_absolute_deploy_root" {
  command = plan
  variables {
    deploy_root = "/etc"
  }
  expect_failures = [var.deploy_root]
}

run "rejects_escaping_inference_root" {
  command = plan
  variables {
    inference_root = "../other"
  }
  expect_failures = [var.inference_root]
}

run "rejects_aws_managed_key" {
  command = plan
  variables {
    kms_key_arn = "alias/aws/s3"
  }
  expect_failures = [var.kms_key_arn]
}

run "rejects_short_log_retention" {
  command = plan
  variables {
    log_retention_days = 7
  }
  expect_failures = [var.log_retention_days]
}

run "rejects_bad_name" {
  command = plan
  variables {
    name = "1x"
  }
  expect_failures = [var.name]
}

run "rejects_builds_outside_the_vpc" {
  command = plan
  variables {
    network = { vpc_id = "vpc-0a", subnet_ids = [], security_group_ids = [] }
  }
  expect_failures = [var.network]
}

run "the_module_owns_its_bounded_service_roles" {
  command = plan

  assert {
    condition     = alltrue([for r in aws_iam_role.this : r.permissions_boundary == var.permissions_boundary_arn && r.path == "/mlops/"]) && length(aws_iam_role.this) == 2
    error_message = "CodeBuild and CodePipeline roles are the module's own, under the boundary."
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.codebuild[0].statement : s.resources if s.sid == "PullSource"]) == toset(["arn:aws:codecommit:eu-central-1:123456789012:quality"])
    error_message = "CodeBuild pulls this repository only."
  }
}

run "rejects_bad_boundary" {
  command = plan
  variables {
    permissions_boundary_arn = "boundary"
  }
  expect_failures = [var.permissions_boundary_arn]
}

run "rejects_bad_role_path" {
  command = plan
  variables {
    role_path = "mlops"
  }
  expect_failures = [var.role_path]
}

run "rejects_key_of_another_region" {
  command = plan
  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
  }
  expect_failures = [var.kms_key_arn]
}

run "inference_deploys_on_approval_alone_by_default" {
  command = plan

  assert {
    condition     = [for s in aws_codepipeline.inference[0].stage : s.name] == ["Source", "Deploy"]
    error_message = "Without deploy_approval the Approved package deploys with no second gate."
  }
}

run "deploy_approval_adds_an_operator_gate" {
  command = plan

  variables {
    deploy_approval = true
  }

  assert {
    condition     = [for s in aws_codepipeline.inference[0].stage : s.name] == ["Source", "Approve", "Deploy"] && aws_codepipeline.inference[0].stage[1].action[0].provider == "Manual"
    error_message = "deploy_approval puts a manual approval between the source and the deployment."
  }
}
