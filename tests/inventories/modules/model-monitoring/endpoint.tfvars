name               = "inventory-data-quality"
endpoint_name      = "inventory-endpoint"
execution_role_arn = "arn:aws:iam::123456789012:role/mlops/inventory-sagemaker-execution"
kms_key_arn        = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
reports_s3_uri     = "s3://inventory-artifacts/quality/monitoring/"
network            = { subnet_ids = ["subnet-0a"], security_group_ids = ["sg-0a"] }
baseline = {
  statistics_s3_uri  = "s3://inventory-artifacts/quality/model-monitoring/statistics.json"
  constraints_s3_uri = "s3://inventory-artifacts/quality/model-monitoring/constraints.json"
}
alarm = { features = ["torque_nm"], alerts_topic_arn = "arn:aws:sns:eu-central-1:123456789012:inventory-alerts" }
tags = {
  cost-center         = "cc-1234"
  data-classification = "internal"
  environment         = "test"
  owner               = "ml-platform@example.com"
}
