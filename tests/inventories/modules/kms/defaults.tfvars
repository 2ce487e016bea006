name = "inventory-kms"
