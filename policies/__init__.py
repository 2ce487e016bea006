"""Custom checkov policies of the MLOps registry (CKV_MLOPS_*). Checkov loads the Python checks
of this folder only because this file exists."""
