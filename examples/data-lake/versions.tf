terraform {
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40, < 6.0"
    }
  }
}

# The data-lake account: the credentials this root runs with (the data-lake team's pipeline).
provider "aws" {
  region = var.region

  default_tags {
    tags = var.mandatory_tags
  }
}
