# The example's defaults: the data-lake account 111111111111 (assumed role), the use case's 123456789012.
