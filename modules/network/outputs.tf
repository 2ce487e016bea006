output "endpoint_ids" {
  description = "VPC endpoint IDs by service short name (interface and gateway)."
  value       = merge({ for k, e in aws_vpc_endpoint.interface : k => e.id }, { for k, e in aws_vpc_endpoint.gateway : k => e.id })
}

output "endpoint_security_group_id" {
  description = "Security group of the interface endpoints (HTTPS from the VPC)."
  value       = aws_security_group.endpoints.id
}

output "flow_log_group_name" {
  description = "CloudWatch log group of the VPC flow logs (null with existing_vpc)."
  value       = try(aws_cloudwatch_log_group.flow_logs[0].name, null)
}

output "private_route_table_ids" {
  description = "Route tables of the private subnets."
  value       = local.route_ids
}

output "private_subnet_ids" {
  description = "Private subnet IDs, one per availability zone: the VpcConfig.Subnets of SageMaker jobs."
  value       = local.subnet_ids
}

output "vpc_cidr_block" {
  description = "CIDR of the VPC."
  value       = local.vpc_cidr
}

output "vpc_id" {
  description = "ID of the VPC (created or existing)."
  value       = local.vpc_id
}

output "workload_security_group_id" {
  description = "Security group for SageMaker jobs, models and Studio: the VpcConfig.SecurityGroupIds."
  value       = aws_security_group.workloads.id
}
