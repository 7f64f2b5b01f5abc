"""The Teams SDK, imported so that it cannot read settings of its own.

Importing `microsoft_teams.apps` loads ./.env into the process environment (python-dotenv's
load_dotenv at import time), where its generic names (CLIENT_ID, CLIENT_SECRET, TENANT_ID,
SERVICE_URL, CLOUD, PORT, ...) would then override what Brewbot was configured with. So every
Teams module imports the SDK's App parts from here, after python-dotenv has been told not to
load anything; `App` itself is only ever built with every option given (main.py).
"""

# ruff: noqa: E402 (the SDK is imported after the two settings it must find in place)
from __future__ import annotations

import os
import warnings

os.environ["PYTHON_DOTENV_DISABLED"] = "1"
# Imported, the SDK warns on the console about a preview feature Brewbot does not use.
warnings.filterwarnings("ignore", message="HtmlWidgetSecurityPolicy is in preview")

from microsoft_teams.apps import App, AppOptions
from microsoft_teams.apps.auth import TokenValidator
from microsoft_teams.apps.http.adapter import (
    HttpMethod,
    HttpRequest,
    HttpRouteHandler,
)

# The SDK's own names that it reads from the environment when an option is left out.
GENERIC_NAMES = (
    "CLIENT_ID",
    "CLIENT_SECRET",
    "TENANT_ID",
    "SERVICE_URL",
    "CLOUD",
    "PORT",
    "MANAGED_IDENTITY_CLIENT_ID",
    "OAUTH_URL",
    "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS",
)

__all__ = [
    "GENERIC_NAMES",
    "App",
    "AppOptions",
    "HttpMethod",
    "HttpRequest",
    "HttpRouteHandler",
    "TokenValidator",
]
