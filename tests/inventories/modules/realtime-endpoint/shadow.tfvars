# The prebuilt-xgboost case with a challenger in shadow: a quarter of the requests copied to it, its answers captured, never returned.
name               = "inventory-endpoint-shadowed"
environment        = "dev"
execution_role_arn = "arn:aws:iam::123456789012:role/mlops/inventory-sagemaker-execution"
kms_key_arn        = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
model = {
  model_data_url = "s3://inventory-artifacts/quality/model.tar.gz"
  prebuilt_image = { repository_name = "sagemaker-xgboost", image_tag = "1.7-1" }
}
network      = { subnet_ids = ["subnet-0a", "subnet-0b"], security_group_ids = ["sg-0a"] }
data_capture = { destination_s3_uri = "s3://inventory-artifacts/quality/capture/" }
tags = {
  cost-center         = "cc-1234"
  data-classification = "internal"
  environment         = "test"
  owner               = "ml-platform@example.com"
}
# A challenger beside the primary on a copy of a quarter of the traffic (shadow).
shadow = {
  model_data_url      = "s3://inventory-artifacts/quality/challenger/model.tar.gz"
  sampling_percentage = 25
}
