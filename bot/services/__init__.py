"""Platform-neutral business rules. Nothing here imports discord or slack."""
