"""The policy gate: checkov built-ins and the registry's policies on a Terraform root's HCL and plan,
with its waivers, reported as text, JSON, SARIF, JUnit XML and a Markdown summary."""
