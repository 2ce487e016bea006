protect_metadata = false
