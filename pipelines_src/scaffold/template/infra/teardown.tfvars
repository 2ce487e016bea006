# Applied by `mlops tf destroy` / `make demo-down` before the destroy: lifts what protects data.
protect_data = false
