# Where the embedded default runs: the emulator's region and zones. Every other variable is the
# same as on AWS (the emulator answers every API the template creates: docs/emulator.md).
region             = "eu-central-1"
availability_zones = ["eu-central-1a", "eu-central-1b"]
