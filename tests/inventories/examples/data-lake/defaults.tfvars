# The example's defaults: the data lake applied in its own account, sharing quality/raw/ with
# quality's dev execution role (123456789012, listed in the root's policy-accounts.yaml).
