"""Custom checkov checks (CKV_MLOPS_*). Checkov loads the Python checks of a folder only when it
has this file."""
