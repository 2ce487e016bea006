# A root of many small, fast resources of the kinds that once failed under load (security group
# rules, IAM roles): tests/local/test_load.py applies and destroys it while another client
# hammers the emulator.
terraform {
  required_version = ">= 1.7"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40, < 7.0"
    }
  }
}

variable "name" {
  type        = string
  description = "Prefix of every resource, one per loop of the test."
}

locals {
  groups = toset(["a", "b", "c"])
  ports  = toset(["443", "8443", "9000", "9443"])
  rules  = { for pair in setproduct(local.groups, local.ports) : "${pair[0]}-${pair[1]}" => { group = pair[0], port = pair[1] } }
}

resource "aws_vpc" "this" {
  cidr_block = "10.42.0.0/16"
  tags       = { Name = var.name }
}

resource "aws_subnet" "this" {
  for_each = { a = "10.42.1.0/24", b = "10.42.2.0/24" }

  vpc_id     = aws_vpc.this.id
  cidr_block = each.value
}

resource "aws_security_group" "this" {
  for_each = local.groups

  name        = "${var.name}-${each.key}"
  description = "under-load ${each.key}"
  vpc_id      = aws_vpc.this.id
}

resource "aws_vpc_security_group_ingress_rule" "this" {
  for_each = local.rules

  security_group_id = aws_security_group.this[each.value.group].id
  cidr_ipv4         = aws_vpc.this.cidr_block
  ip_protocol       = "tcp"
  from_port         = tonumber(each.value.port)
  to_port           = tonumber(each.value.port)
}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = toset(["one", "two", "three", "four"])

  name               = "${var.name}-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}

output "rule_count" {
  description = "Ingress rules the root made."
  value       = length(aws_vpc_security_group_ingress_rule.this)
}

output "security_group_ids" {
  description = "The groups, to count their rules on the emulator."
  value       = [for g in aws_security_group.this : g.id]
}
