"""Tests of the loopback Microsoft Teams against the Teams SDK's own pieces."""

import os

# The SDK loads ./.env into the environment when microsoft_teams.apps is imported; these
# tests must see only what they set.
os.environ.setdefault("PYTHON_DOTENV_DISABLED", "1")
