# The example's defaults.
