model_data_url = "s3://quality-dev-123456789012-artifacts/quality/training/exp/run/training/candidate-1/job/output/model.tar.gz"
baseline_uri   = "s3://quality-dev-123456789012-artifacts/quality/training/exp/run/model-monitoring/"
