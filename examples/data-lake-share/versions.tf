terraform {
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40, < 6.0"
    }
  }
}

# The use case's dev account: the credentials this root runs with.
provider "aws" {
  region = var.region

  default_tags {
    tags = var.mandatory_tags
  }
}

# The data-lake account, reached by assuming its deployer role (on the local emulator the
# emulated STS hands out credentials of that role's account).
provider "aws" {
  alias  = "data_lake"
  region = var.region

  assume_role {
    role_arn     = var.data_lake_deployer_role_arn
    session_name = "${var.name}-share"
  }

  default_tags {
    tags = merge(var.mandatory_tags, { owner = var.data_lake_owner })
  }
}
