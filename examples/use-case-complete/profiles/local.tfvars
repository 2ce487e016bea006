# The local profile: what the emulator cannot run is planned (defaults case) but not applied.
create_cost_controls = false
create_studio        = false
create_pipelines     = false
