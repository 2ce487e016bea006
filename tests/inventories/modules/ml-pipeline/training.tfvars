name                     = "inventory-training"
definition_template      = "../../pipelines_src/pipelines/templates/training.asl.json.tftpl"
kms_key_arn              = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
permissions_boundary_arn = "arn:aws:iam::123456789012:policy/mlops/inventory-permission-boundary"
pipeline = {
  alerts_topic_arn         = "arn:aws:sns:eu-central-1:123456789012:inventory-alerts"
  artifacts_bucket         = "inventory-artifacts"
  execution_role_arn       = "arn:aws:iam::123456789012:role/mlops/inventory-sagemaker-execution"
  image_uri                = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/inventory:0.1.0"
  job_prefix               = "inventory"
  metadata_table           = "inventory-executions"
  model_package_group_name = "inventory"
  security_group_ids       = ["sg-0a1b"]
  subnet_ids               = ["subnet-0a", "subnet-0b"]
  use_case                 = "inventory"
}
tags = {
  cost-center         = "cc-1234"
  data-classification = "internal"
  environment         = "test"
  owner               = "ml-platform@example.com"
}
