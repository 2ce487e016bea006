# The example's defaults (what a team deploys to AWS).
