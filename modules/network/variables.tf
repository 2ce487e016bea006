variable "availability_zones" {
  description = "Availability zones of the private subnets (at least two), e.g. [\"eu-central-1a\", \"eu-central-1b\"]. An input, so plans need no AWS call."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.availability_zones) >= 2 && length(distinct(var.availability_zones)) == length(var.availability_zones) && alltrue([for az in var.availability_zones : can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9][a-z]$", az))])
    error_message = "availability_zones: give at least two distinct zone names, each once, such as eu-central-1a and eu-central-1b."
  }
}

variable "cidr_block" {
  description = "IPv4 CIDR of the VPC, /16 to /24. Ignored with existing_vpc."
  type        = string
  default     = "10.20.0.0/16"
  nullable    = false

  validation {
    # cidrsubnet(c, 0, 0) is the network address of c: equal only when c has no host bits set.
    condition     = can(cidrhost(var.cidr_block, 0)) && try(cidrsubnet(var.cidr_block, 0, 0) == var.cidr_block, false) && try(tonumber(split("/", var.cidr_block)[1]) >= 16 && tonumber(split("/", var.cidr_block)[1]) <= 24, false)
    error_message = "cidr_block: give a valid IPv4 network CIDR from /16 to /24 with no host bits set, e.g. 10.20.0.0/16 (not 10.20.1.0/16)."
  }
}

variable "controlled_egress" {
  description = "Opt-in internet egress through NAT gateways, one per zone, for use cases that must reach an approved outside service. Null (the default) means no internet gateway and no NAT: AWS is reached only through the endpoints."
  type = object({
    public_subnet_cidrs = list(string)
  })
  default = null

  validation {
    condition     = var.controlled_egress == null || alltrue([for c in try(var.controlled_egress.public_subnet_cidrs, []) : try(cidrsubnet(c, 0, 0) == c, false)])
    error_message = "controlled_egress: public_subnet_cidrs must be IPv4 network CIDRs with no host bits set (10.20.240.0/24, not 10.20.240.1/24), one per availability zone, inside cidr_block."
  }
}

variable "existing_vpc" {
  description = "Bring-your-own-VPC mode: use a corporate VPC instead of creating one. Only the endpoints not listed in existing_endpoints (and the security groups) are created."
  type = object({
    cidr_block         = string
    existing_endpoints = optional(list(string), [])
    route_table_ids    = list(string)
    subnet_ids         = list(string)
    vpc_id             = string
  })
  default = null

  validation {
    condition = var.existing_vpc == null || (
      can(regex("^vpc-[0-9a-f]+$", try(var.existing_vpc.vpc_id, ""))) &&
      length(try(var.existing_vpc.subnet_ids, [])) >= 2 &&
      alltrue([for s in try(var.existing_vpc.subnet_ids, []) : can(regex("^subnet-[0-9a-f]+$", s))]) &&
      alltrue([for r in try(var.existing_vpc.route_table_ids, []) : can(regex("^rtb-[0-9a-f]+$", r))]) &&
      can(cidrhost(try(var.existing_vpc.cidr_block, ""), 0))
    )
    error_message = "existing_vpc: give vpc_id (vpc-...), at least two subnet_ids (subnet-... in different zones), route_table_ids (rtb-...) and the VPC's cidr_block."
  }
}

variable "flow_log_retention_days" {
  description = "Days the VPC flow logs are kept (at least 365)."
  type        = number
  default     = 365
  nullable    = false

  validation {
    condition     = contains([365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days: choose a CloudWatch retention of at least a year: 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "gateway_endpoints" {
  description = "Gateway endpoints (free, routed): s3 and dynamodb."
  type        = list(string)
  default     = ["dynamodb", "s3"]
  nullable    = false

  validation {
    condition     = alltrue([for s in var.gateway_endpoints : contains(["dynamodb", "s3"], s)])
    error_message = "gateway_endpoints: allowed values are dynamodb and s3."
  }
}

variable "interface_endpoints" {
  description = "Interface endpoints to create (short names). The default covers SageMaker-based ML with no internet path."
  type        = list(string)
  default = [
    "ecr.api", "ecr.dkr", "events", "kms", "logs", "monitoring", "notebook", "sagemaker.api",
    "sagemaker.runtime", "sns", "states", "studio", "sts",
  ]
  nullable = false

  validation {
    condition = alltrue([for s in var.interface_endpoints : contains([
      "codebuild", "codecommit", "codepipeline", "ecr.api", "ecr.dkr", "events", "execute-api", "git-codecommit",
      "kms", "lambda", "logs", "monitoring", "notebook", "sagemaker.api", "sagemaker.featurestore-runtime",
      "sagemaker.runtime", "secretsmanager", "sns", "sqs", "ssm", "states", "studio", "sts",
    ], s)])
    error_message = "interface_endpoints: unknown service name; allowed: codebuild, codecommit, codepipeline, ecr.api, ecr.dkr, events, execute-api, git-codecommit, kms, lambda, logs, monitoring, notebook, sagemaker.api, sagemaker.featurestore-runtime, sagemaker.runtime, secretsmanager, sns, sqs, ssm, states, studio, sts."
  }
}

variable "kms_key_arn" {
  description = "ARN of the customer managed key that encrypts the flow-log group (see modules/kms; its policy must allow the logs service, the default)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", var.kms_key_arn)) && try(split(":", var.kms_key_arn)[3] == data.aws_region.current.name, false)
    error_message = "kms_key_arn: give the ARN of a customer managed key (arn:aws:kms:<region>:<account>:key/<id>). The key must be in this region (${data.aws_region.current.name}): KMS keys are regional."
  }
}

variable "name" {
  description = "Name prefix of every network resource, e.g. quality-prod."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,39}$", var.name))
    error_message = "name: use 3-40 lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "permissions_boundary_arn" {
  description = "Permission boundary for the flow-log delivery role (the boundary_arn output of modules/iam)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn: give an IAM policy ARN (arn:aws:iam::<account>:policy/...), e.g. module.iam.boundary_arn."
  }
}

variable "private_subnet_cidrs" {
  description = "CIDRs of the private subnets, one per availability zone. Null derives them from cidr_block (/20s of a /16), so they never overlap."
  type        = list(string)
  default     = null

  validation {
    condition     = var.private_subnet_cidrs == null || alltrue([for c in coalesce(var.private_subnet_cidrs, []) : try(cidrsubnet(c, 0, 0) == c, false)])
    error_message = "private_subnet_cidrs: every entry must be an IPv4 network CIDR with no host bits set, such as 10.20.0.0/20 (not 10.20.0.5/20)."
  }
}

variable "tags" {
  description = "Tags for every resource (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}
