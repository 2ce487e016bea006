"""Repository tooling: set-up check, docs generator, inventories."""
