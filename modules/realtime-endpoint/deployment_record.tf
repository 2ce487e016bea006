# What the endpoint serves, recorded beside its captured traffic as
# `<capture prefix>/deployments/<endpoint>.json` (outside `<endpoint>/`, whose objects are all
# SageMaker's capture files, which monitors and tools read as such). Terraform rewrites it when a deployment changes
# the model a variant serves (not its instances), once the endpoint serves it (a rolled-back update fails the apply first); the
# capture bucket keeps every version (modules/storage versions each bucket), so its versions are
# the endpoint's deployment history, each dated by S3. `mlops lineage` reads them to credit a
# captured request to the package that served it then, not to the one serving now.

locals {
  capture_location      = split("/", trimsuffix(trimprefix(var.data_capture.destination_s3_uri, "s3://"), "/"))
  deployment_record_key = join("/", concat(slice(local.capture_location, 1, length(local.capture_location)), ["deployments", "${var.name}.json"]))
  served = merge(
    { primary = { model_package_arn = var.model.model_package_arn, model_data_url = var.model.model_data_url, image = local.image } },
    var.shadow == null ? {} : { shadow = { model_package_arn = var.shadow.model_package_arn, model_data_url = var.shadow.model_data_url, image = var.shadow.model_package_arn == null ? local.image : null } },
  )
}

resource "aws_s3_object" "deployment_record" {
  bucket                 = local.capture_location[0]
  key                    = local.deployment_record_key
  content_type           = "application/json"
  server_side_encryption = "aws:kms"
  kms_key_id             = var.kms_key_arn
  tags                   = var.tags
  content = jsonencode({
    endpoint    = var.name
    environment = var.environment
    variants    = local.served
  })

  depends_on = [aws_sagemaker_endpoint.this]
}
