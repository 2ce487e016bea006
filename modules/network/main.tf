data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  create_vpc = var.existing_vpc == null

  vpc_id     = local.create_vpc ? aws_vpc.this[0].id : var.existing_vpc.vpc_id
  vpc_cidr   = local.create_vpc ? var.cidr_block : var.existing_vpc.cidr_block
  subnet_ids = local.create_vpc ? aws_subnet.private[*].id : var.existing_vpc.subnet_ids
  route_ids  = local.create_vpc ? aws_route_table.private[*].id : var.existing_vpc.route_table_ids

  private_cidrs = coalesce(var.private_subnet_cidrs, [for i, _ in var.availability_zones : cidrsubnet(var.cidr_block, 4, i)])
  public_cidrs  = var.controlled_egress == null ? [] : var.controlled_egress.public_subnet_cidrs
  all_cidrs     = concat(local.private_cidrs, local.public_cidrs)
  # The one switch of the opt-in egress path. Written on the CIDR list, not as `!= null`: policy
  # scanners that evaluate counts without a plan read a null default as set (checkov does).
  controlled_egress = length(local.public_cidrs) > 0

  # CIDR a contains CIDR b when a is not longer and b's address masked to a's length is a's network.
  cidr_pairs = flatten([for i, a in local.all_cidrs : [for j, b in local.all_cidrs : { a = a, b = b } if i < j]])
  overlapping = [for p in local.cidr_pairs : "${p.a} and ${p.b}" if(
    tonumber(split("/", p.a)[1]) <= tonumber(split("/", p.b)[1])
    ? cidrhost("${split("/", p.b)[0]}/${split("/", p.a)[1]}", 0) == cidrhost(p.a, 0)
    : cidrhost("${split("/", p.a)[0]}/${split("/", p.b)[1]}", 0) == cidrhost(p.b, 0)
  )]
  outside_vpc = [for c in local.all_cidrs : c if !(
    tonumber(split("/", var.cidr_block)[1]) <= tonumber(split("/", c)[1]) &&
    cidrhost("${split("/", c)[0]}/${split("/", var.cidr_block)[1]}", 0) == cidrhost(var.cidr_block, 0)
  )]

  existing_endpoints = local.create_vpc ? [] : var.existing_vpc.existing_endpoints
  interface_services = toset([for s in var.interface_endpoints : s if !contains(local.existing_endpoints, s)])
  gateway_services   = toset([for s in var.gateway_endpoints : s if !contains(local.existing_endpoints, s)])
  # SageMaker Studio and notebook endpoints live under the aws.sagemaker namespace.
  service_names = {
    for s in setunion(local.interface_services, local.gateway_services) :
    s => contains(["notebook", "studio"], s) ? "aws.sagemaker.${local.region}.${s}" : "com.amazonaws.${local.region}.${s}"
  }

  # Endpoints serve this account's principals only: credentials from elsewhere cannot use the
  # VPC as a path to their own resources.
  endpoint_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountPrincipalsOnly"
      Effect    = "Allow"
      Principal = "*"
      Action    = "*"
      Resource  = "*"
      Condition = { StringEquals = { "aws:PrincipalAccount" = local.account_id } }
    }]
  })
}

resource "terraform_data" "input_checks" {
  input = local.all_cidrs

  lifecycle {
    precondition {
      # Zones of another region fail only at apply, after other resources exist.
      condition     = alltrue([for az in var.availability_zones : startswith(az, local.region) && length(az) == length(local.region) + 1])
      error_message = "availability_zones: ${join(", ", [for az in var.availability_zones : az if !(startswith(az, local.region) && length(az) == length(local.region) + 1)])} not in the provider's region ${local.region}: give zones such as ${local.region}a and ${local.region}b."
    }
    precondition {
      condition     = !local.create_vpc || length(local.private_cidrs) == length(var.availability_zones)
      error_message = "private_subnet_cidrs: give exactly one CIDR per availability zone (${length(var.availability_zones)}), or null to derive them."
    }
    precondition {
      condition     = !local.create_vpc || length(local.overlapping) == 0
      error_message = "private_subnet_cidrs / controlled_egress: subnet CIDRs overlap (${join(", ", local.overlapping)}): give disjoint ranges."
    }
    precondition {
      condition     = !local.create_vpc || length(local.outside_vpc) == 0
      error_message = "private_subnet_cidrs / controlled_egress: ${join(", ", local.outside_vpc)} outside cidr_block ${var.cidr_block}: give ranges inside the VPC."
    }
    precondition {
      condition     = var.controlled_egress == null || length(local.public_cidrs) == length(var.availability_zones)
      error_message = "controlled_egress: give one public subnet CIDR per availability zone (${length(var.availability_zones)})."
    }
    precondition {
      condition     = local.create_vpc || var.controlled_egress == null
      error_message = "controlled_egress: not available with existing_vpc; egress of a corporate VPC is managed where the VPC is."
    }
  }
}

resource "aws_vpc" "this" {
  count = local.create_vpc ? 1 : 0

  cidr_block           = var.cidr_block
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = merge(var.tags, { Name = var.name })

  depends_on = [terraform_data.input_checks]
}

# The default security group of a new VPC allows all traffic between its members: empty it.
resource "aws_default_security_group" "this" {
  count = local.create_vpc ? 1 : 0

  vpc_id = aws_vpc.this[0].id
  tags   = merge(var.tags, { Name = "${var.name}-default-deny" })
}

resource "aws_subnet" "private" {
  count = local.create_vpc ? length(var.availability_zones) : 0

  vpc_id                  = aws_vpc.this[0].id
  availability_zone       = var.availability_zones[count.index]
  cidr_block              = local.private_cidrs[count.index]
  map_public_ip_on_launch = false
  tags                    = merge(var.tags, { Name = "${var.name}-private-${var.availability_zones[count.index]}" })
}

resource "aws_route_table" "private" {
  count = local.create_vpc ? length(var.availability_zones) : 0

  vpc_id = aws_vpc.this[0].id
  tags   = merge(var.tags, { Name = "${var.name}-private-${var.availability_zones[count.index]}" })
}

resource "aws_route_table_association" "private" {
  count = local.create_vpc ? length(var.availability_zones) : 0

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[count.index].id
}

resource "aws_network_acl" "private" {
  count = local.create_vpc ? 1 : 0

  vpc_id     = aws_vpc.this[0].id
  subnet_ids = aws_subnet.private[*].id
  tags       = merge(var.tags, { Name = "${var.name}-private" })

  ingress {
    rule_no    = 100
    action     = "allow"
    protocol   = "-1"
    cidr_block = var.cidr_block
    from_port  = 0
    to_port    = 0
  }

  # Replies from S3/DynamoDB (gateway endpoints route to their public ranges) and, with
  # controlled egress, from the approved outside services: Linux ephemeral ports only.
  ingress {
    rule_no    = 200
    action     = "allow"
    protocol   = "tcp"
    cidr_block = "0.0.0.0/0"
    from_port  = 32768
    to_port    = 65535
  }

  egress {
    rule_no    = 100
    action     = "allow"
    protocol   = "-1"
    cidr_block = var.cidr_block
    from_port  = 0
    to_port    = 0
  }

  egress {
    rule_no    = 200
    action     = "allow"
    protocol   = "tcp"
    cidr_block = "0.0.0.0/0"
    from_port  = 443
    to_port    = 443
  }
}
