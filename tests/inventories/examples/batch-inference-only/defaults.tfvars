image_uri         = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/quality/mlops:0.1.0"
model_package_arn = "arn:aws:sagemaker:eu-central-1:123456789012:model-package/quality-dev/3"
