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
# One rule resource per rule (the provider's recommendation), each with its description.
resource "aws_security_group" "workloads" {
  #checkov:skip=CKV2_AWS_5:Attached by the consumers: VpcConfig of the SageMaker jobs, models and Studio domain of the use case.
  name        = "${var.name}-ml-workloads"
  description = "SageMaker jobs and models of ${var.name}: endpoints only, plus traffic between members"
  vpc_id      = local.create_vpc ? aws_vpc.this[0].id : var.existing_vpc.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-ml-workloads" })
}

resource "aws_vpc_security_group_ingress_rule" "workloads_members" {
  security_group_id            = aws_security_group.workloads.id
  description                  = "Between members (distributed training, Studio apps)"
  ip_protocol                  = "-1"
  referenced_security_group_id = aws_security_group.workloads.id
  tags                         = var.tags
}

resource "aws_vpc_security_group_egress_rule" "workloads_members" {
  security_group_id            = aws_security_group.workloads.id
  description                  = "Between members (distributed training, Studio apps)"
  ip_protocol                  = "-1"
  referenced_security_group_id = aws_security_group.workloads.id
  tags                         = var.tags
}

resource "aws_vpc_security_group_egress_rule" "workloads_endpoints" {
  security_group_id            = aws_security_group.workloads.id
  description                  = "HTTPS to the interface endpoints"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.endpoints.id
  tags                         = var.tags
}

resource "aws_vpc_security_group_egress_rule" "workloads_gateways" {
  for_each = local.gateway_services

  security_group_id = aws_security_group.workloads.id
  description       = "HTTPS to ${each.key} through its gateway endpoint"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = aws_vpc_endpoint.gateway[each.key].prefix_list_id
  tags              = var.tags
}

resource "aws_vpc_security_group_egress_rule" "workloads_controlled_egress" {
  count = local.controlled_egress == true ? 1 : 0 # `== true`: see local.controlled_egress

  security_group_id = aws_security_group.workloads.id
  description       = "HTTPS to approved outside services through NAT (controlled_egress opt-in)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
  tags              = var.tags
}
