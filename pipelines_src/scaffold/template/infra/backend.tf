# State in S3 (bucket versioned, KMS, TLS-only), locked with a lock file: CI passes the bucket and
# key with -backend-config=../backend.hcl. Local runs against the emulator keep their state locally.
terraform {
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}
