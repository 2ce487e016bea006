"""Custom checkov policies of the MLOps registry: checks in `checks/`, fixtures in `fixtures/`."""
