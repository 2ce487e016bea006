model_package_arn = "arn:aws:sagemaker:eu-central-1:123456789012:model-package/quality-dev/1"
baseline_uri      = "s3://quality-dev-123456789012-artifacts/quality/training/exp/run/model-monitoring/"
platform = {
  alerts_topic_arn   = "arn:aws:sns:eu-central-1:123456789012:quality-dev-alerts"
  artifacts_bucket   = "quality-dev-123456789012-artifacts"
  execution_role_arn = "arn:aws:iam::123456789012:role/mlops/quality-dev-sagemaker-execution"
  kms_key_arn        = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
  security_group_ids = ["sg-0a"]
  subnet_ids         = ["subnet-0a", "subnet-0b"]
}
