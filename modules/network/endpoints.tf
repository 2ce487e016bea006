resource "aws_security_group" "endpoints" {
  name        = "${var.name}-vpc-endpoints"
  description = "Interface endpoints of ${var.name}: HTTPS from inside the VPC only"
  vpc_id      = local.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-vpc-endpoints" })

  ingress {
    description = "HTTPS from the VPC"
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = [local.vpc_cidr]
  }
}

resource "aws_vpc_endpoint" "interface" {
  for_each = local.interface_services

  vpc_id              = local.create_vpc ? aws_vpc.this[0].id : var.existing_vpc.vpc_id
  service_name        = local.service_names[each.key]
  vpc_endpoint_type   = "Interface"
  subnet_ids          = local.subnet_ids
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = true
  policy              = local.endpoint_policy
  tags                = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

resource "aws_vpc_endpoint" "gateway" {
  for_each = local.gateway_services

  vpc_id            = local.create_vpc ? aws_vpc.this[0].id : var.existing_vpc.vpc_id
  service_name      = local.service_names[each.key]
  vpc_endpoint_type = "Gateway"
  route_table_ids   = local.route_ids
  policy            = local.endpoint_policy
  tags              = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

# For SageMaker jobs, models and Studio (VpcConfig.SecurityGroupIds): HTTPS to the endpoints
# and to S3/DynamoDB through the gateway endpoints, and traffic between the job's own nodes.
resource "aws_security_group" "workloads" {
  #checkov:skip=CKV2_AWS_5:Attached by the consumers: VpcConfig of the SageMaker jobs, models and Studio domain of the use case.
  name        = "${var.name}-ml-workloads"
  description = "SageMaker jobs and models of ${var.name}: endpoints only, plus traffic between members"
  vpc_id      = local.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-ml-workloads" })

  ingress {
    description = "Between members (distributed training, Studio apps)"
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    self        = true
  }

  egress {
    description = "Between members (distributed training, Studio apps)"
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    self        = true
  }

  egress {
    description     = "HTTPS to the interface endpoints"
    protocol        = "tcp"
    from_port       = 443
    to_port         = 443
    security_groups = [aws_security_group.endpoints.id]
  }

  dynamic "egress" {
    for_each = length(local.gateway_services) > 0 ? [1] : []
    content {
      description     = "HTTPS to S3 and DynamoDB through the gateway endpoints"
      protocol        = "tcp"
      from_port       = 443
      to_port         = 443
      prefix_list_ids = [for e in aws_vpc_endpoint.gateway : e.prefix_list_id]
    }
  }

  dynamic "egress" {
    for_each = var.controlled_egress == null ? [] : [1]
    content {
      description = "HTTPS to approved outside services through NAT (controlled_egress opt-in)"
      protocol    = "tcp"
      from_port   = 443
      to_port     = 443
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}
