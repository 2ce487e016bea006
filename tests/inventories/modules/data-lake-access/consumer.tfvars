# The use case's side: its execution role reads the data lake of account 111111111111.
name = "inventory-quality"
consumer = {
  account_id  = "111111111111"
  bucket_name = "inventory-cdh-raw"
  kms_key_arn = "arn:aws:kms:eu-central-1:111111111111:key/0b6a3f6e-1111-2222-3333-444455556666"
  prefixes    = ["quality/raw/"]
  role_names  = ["inventory-quality-sagemaker-execution"]
}
