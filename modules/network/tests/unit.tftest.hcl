# Offline unit tests: the real AWS provider with fake credentials, no API calls (plan only).

provider "aws" {
  region                      = "eu-central-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

override_data {
  target = data.aws_caller_identity.current
  values = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:root"
    user_id    = "123456789012"
  }
}

variables {
  name                     = "unit-net"
  availability_zones       = ["eu-central-1a", "eu-central-1b"]
  kms_key_arn              = "arn:aws:kms:eu-central-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
  permissions_boundary_arn = "arn:aws:iam::123456789012:policy/mlops/unit-boundary"
}

run "private_by_default" {
  command = plan

  assert {
    condition     = length(aws_internet_gateway.this) == 0 && length(aws_nat_gateway.this) == 0 && length(aws_subnet.public) == 0
    error_message = "No internet gateway, NAT or public subnet without controlled_egress."
  }

  assert {
    condition     = [for s in aws_subnet.private : s.cidr_block] == ["10.20.0.0/20", "10.20.16.0/20"]
    error_message = "Private subnets are derived from cidr_block, one /20 per zone."
  }

  assert {
    condition     = length(aws_vpc_endpoint.interface) == 13 && alltrue([for e in aws_vpc_endpoint.interface : e.private_dns_enabled])
    error_message = "The default interface endpoints exist with private DNS."
  }

  assert {
    condition     = aws_vpc_endpoint.interface["studio"].service_name == "aws.sagemaker.eu-central-1.studio" && aws_vpc_endpoint.interface["sts"].service_name == "com.amazonaws.eu-central-1.sts"
    error_message = "Service names follow AWS's namespaces."
  }

  assert {
    condition     = alltrue([for e in aws_vpc_endpoint.interface : strcontains(e.policy, "aws:PrincipalAccount") && strcontains(e.policy, "123456789012")])
    error_message = "Endpoint policies restrict to the account's principals."
  }

  assert {
    condition     = toset(keys(aws_vpc_endpoint.gateway)) == toset(["dynamodb", "s3"])
    error_message = "Gateway endpoints for s3 and dynamodb."
  }

  assert {
    condition     = length(aws_default_security_group.this) == 1
    error_message = "The default security group is managed (and left without rules: checked after apply)."
  }

  assert {
    condition     = one([for r in aws_security_group.endpoints.ingress : r.from_port]) == 443 && length(one(aws_security_group.endpoints.ingress).cidr_blocks) == 1 && contains(one(aws_security_group.endpoints.ingress).cidr_blocks, "10.20.0.0/16")
    error_message = "Endpoints accept HTTPS from the VPC only."
  }

  assert {
    condition     = aws_flow_log.this[0].traffic_type == "ALL" && aws_cloudwatch_log_group.flow_logs[0].retention_in_days == 365 && aws_cloudwatch_log_group.flow_logs[0].kms_key_id == var.kms_key_arn
    error_message = "Flow logs of all traffic to a CMK-encrypted group kept a year."
  }

  assert {
    condition     = aws_iam_role.flow_logs[0].permissions_boundary == var.permissions_boundary_arn
    error_message = "The flow-log role carries the permission boundary."
  }
}

run "existing_vpc_gets_only_missing_endpoints" {
  command = plan

  variables {
    existing_vpc = {
      vpc_id             = "vpc-0a1b2c3d"
      cidr_block         = "10.50.0.0/16"
      subnet_ids         = ["subnet-01", "subnet-02"]
      route_table_ids    = ["rtb-01"]
      existing_endpoints = ["s3", "sts", "logs"]
    }
  }

  assert {
    condition     = length(aws_vpc.this) == 0 && length(aws_flow_log.this) == 0
    error_message = "No VPC and no flow logs are created in an existing VPC."
  }

  assert {
    condition     = !contains(keys(aws_vpc_endpoint.interface), "sts") && !contains(keys(aws_vpc_endpoint.gateway), "s3") && contains(keys(aws_vpc_endpoint.gateway), "dynamodb")
    error_message = "Endpoints the VPC already has are not created again."
  }

  assert {
    condition     = aws_vpc_endpoint.interface["kms"].vpc_id == "vpc-0a1b2c3d" && aws_vpc_endpoint.interface["kms"].subnet_ids == toset(["subnet-01", "subnet-02"])
    error_message = "Endpoints go into the existing VPC's subnets."
  }
}

run "controlled_egress_is_explicit" {
  command = plan

  variables {
    controlled_egress = { public_subnet_cidrs = ["10.20.240.0/24", "10.20.241.0/24"] }
  }

  assert {
    condition     = length(aws_internet_gateway.this) == 1 && length(aws_nat_gateway.this) == 2 && alltrue([for s in aws_subnet.public : !s.map_public_ip_on_launch])
    error_message = "Opt-in egress: one NAT per zone behind an internet gateway, no public IPs on launch."
  }
}

run "rejects_single_zone" {
  command = plan
  variables {
    availability_zones = ["eu-central-1a"]
  }
  expect_failures = [var.availability_zones]
}

run "rejects_invalid_cidr" {
  command = plan
  variables {
    cidr_block = "10.20.0.0/33"
  }
  expect_failures = [var.cidr_block]
}

run "rejects_unknown_interface_endpoint" {
  command = plan
  variables {
    interface_endpoints = ["sts", "sagemaker"]
  }
  expect_failures = [var.interface_endpoints]
}

run "rejects_unknown_gateway_endpoint" {
  command = plan
  variables {
    gateway_endpoints = ["s3", "ec2"]
  }
  expect_failures = [var.gateway_endpoints]
}

run "rejects_short_flow_log_retention" {
  command = plan
  variables {
    flow_log_retention_days = 90
  }
  expect_failures = [var.flow_log_retention_days]
}

run "rejects_key_alias" {
  command = plan
  variables {
    kms_key_arn = "alias/aws/logs"
  }
  expect_failures = [var.kms_key_arn]
}

run "rejects_bad_name" {
  command = plan
  variables {
    name = "Net"
  }
  expect_failures = [var.name]
}

run "rejects_bad_boundary" {
  command = plan
  variables {
    permissions_boundary_arn = "arn:aws:iam::123456789012:role/not-a-policy"
  }
  expect_failures = [var.permissions_boundary_arn]
}

run "rejects_invalid_subnet_cidr" {
  command = plan
  variables {
    private_subnet_cidrs = ["10.20.0.0/20", "not-a-cidr"]
  }
  expect_failures = [var.private_subnet_cidrs]
}

run "rejects_overlapping_subnets" {
  command = plan
  variables {
    private_subnet_cidrs = ["10.20.0.0/20", "10.20.8.0/21"]
  }
  expect_failures = [terraform_data.input_checks]
}

run "rejects_subnet_outside_vpc" {
  command = plan
  variables {
    private_subnet_cidrs = ["10.20.0.0/20", "10.99.0.0/20"]
  }
  expect_failures = [terraform_data.input_checks]
}

run "rejects_subnet_count_mismatch" {
  command = plan
  variables {
    private_subnet_cidrs = ["10.20.0.0/20"]
  }
  expect_failures = [terraform_data.input_checks]
}

run "rejects_public_overlapping_private" {
  command = plan
  variables {
    controlled_egress = { public_subnet_cidrs = ["10.20.0.0/24", "10.20.241.0/24"] }
  }
  expect_failures = [terraform_data.input_checks]
}

run "rejects_invalid_existing_vpc" {
  command = plan
  variables {
    existing_vpc = {
      vpc_id          = "my-vpc"
      cidr_block      = "10.50.0.0/16"
      subnet_ids      = ["subnet-01"]
      route_table_ids = ["rtb-01"]
    }
  }
  expect_failures = [var.existing_vpc]
}

run "rejects_invalid_public_cidr" {
  command = plan
  variables {
    controlled_egress = { public_subnet_cidrs = ["10.20.240.0/24", "nope"] }
  }
  expect_failures = [var.controlled_egress]
}

run "rejects_repeated_zone" {
  command = plan
  variables {
    availability_zones = ["eu-central-1a", "eu-central-1a", "eu-central-1b"]
  }
  expect_failures = [var.availability_zones]
}

run "rejects_zones_of_another_region" {
  command = plan
  variables {
    availability_zones = ["eu-west-1a", "eu-west-1b"]
  }
  expect_failures = [terraform_data.input_checks]
}

run "rejects_cidr_block_with_host_bits" {
  command = plan
  variables {
    cidr_block = "10.20.1.0/16"
  }
  expect_failures = [var.cidr_block]
}

run "rejects_subnet_cidr_with_host_bits" {
  command = plan
  variables {
    private_subnet_cidrs = ["10.20.0.5/20", "10.20.16.0/20"]
  }
  expect_failures = [var.private_subnet_cidrs]
}

run "rejects_key_of_another_region" {
  command = plan
  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/0b6a3f6e-1111-2222-3333-444455556666"
  }
  expect_failures = [var.kms_key_arn]
}
