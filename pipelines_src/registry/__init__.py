"""The module registry as a product: releases recorded in the tree, reproducible archives,
the breaking-change check and the `modules.v1` server."""
