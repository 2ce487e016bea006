# The optional shadow variant: a challenger (e.g. the retrained model awaiting approval) serves a
# copy of the live traffic beside the primary. SageMaker copies to it the share of requests its
# weight is of the primary's (1), captures its answers under <capture prefix>/<endpoint>/shadow/
# and publishes its metrics with VariantName "shadow"; callers only ever get the primary's answer.
resource "aws_sagemaker_model" "shadow" {
  count = var.shadow == null ? 0 : 1

  execution_role_arn       = var.execution_role_arn
  enable_network_isolation = var.network_isolation
  tags                     = var.tags

  primary_container {
    image              = var.shadow.model_package_arn == null ? local.image : null
    model_data_url     = var.shadow.model_data_url
    model_package_name = var.shadow.model_package_arn
  }

  vpc_config {
    subnets            = var.network.subnet_ids
    security_group_ids = var.network.security_group_ids
  }

  lifecycle {
    precondition {
      condition     = local.instance_based
      error_message = "shadow: a shadow variant needs an instance endpoint; set serverless = null or drop the shadow."
    }

    precondition {
      condition     = var.shadow.model_package_arn != null || local.image != null
      error_message = "shadow: a model_data_url is served with the primary's image, and the primary is a model package; give the shadow a model_package_arn."
    }
  }
}
