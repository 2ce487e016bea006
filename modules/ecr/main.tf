# The provider's region, with no API call: keys and zones given to this module must be in it.
data "aws_region" "current" {}

resource "aws_ecr_repository" "this" {
  name                 = var.name
  image_tag_mutability = "IMMUTABLE"
  tags                 = var.tags

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = var.kms_key_arn
  }
}

resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Expire untagged images after ${var.untagged_expiry_days} days"
        selection    = { tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days", countNumber = var.untagged_expiry_days }
        action       = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the newest ${var.max_image_count} images"
        selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = var.max_image_count }
        action       = { type = "expire" }
      },
    ]
  })
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "PullByNamedRoles"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [aws_ecr_repository.this.arn]

    principals {
      type        = "AWS"
      identifiers = var.pull_role_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.push_role_arns) > 0 ? [1] : []
    content {
      sid = "PushByNamedRoles"
      actions = [
        "ecr:BatchCheckLayerAvailability", "ecr:CompleteLayerUpload", "ecr:InitiateLayerUpload",
        "ecr:PutImage", "ecr:UploadLayerPart",
      ]
      resources = [aws_ecr_repository.this.arn]

      principals {
        type        = "AWS"
        identifiers = var.push_role_arns
      }
    }
  }
}

resource "aws_ecr_repository_policy" "this" {
  repository = aws_ecr_repository.this.name
  policy     = data.aws_iam_policy_document.this.json
}
