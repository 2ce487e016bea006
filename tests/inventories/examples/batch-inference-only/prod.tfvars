# The root as a use case's prod stage (docs/architecture.md, Accounts): inference only, scoring
# with the package version promoted to it (mlops promote).
image_uri         = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/quality/mlops:0.1.0"
model_package_arn = "arn:aws:sagemaker:eu-central-1:123456789012:model-package/quality-prod/1"
mandatory_tags = {
  cost-center         = "cc-1234"
  data-classification = "confidential"
  environment         = "prod"
  owner               = "ml-platform@example.com"
}
