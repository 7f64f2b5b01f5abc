"""The Teams SDK, imported so that it cannot read settings of its own.

Importing `microsoft_teams.apps` loads ./.env into the process environment (python-dotenv's
load_dotenv at import time), where its generic names (CLIENT_ID, CLIENT_SECRET, TENANT_ID,
SERVICE_URL, CLOUD, PORT, ...) would then override what Brewbot was configured with. So every
Teams module imports the SDK's App parts from here, after python-dotenv has been told not to
load anything; `App` itself is only ever built with every option given (main.py).

The SDK also asks OpenTelemetry for a meter, and makes counters on it, for every activity and
every call to Teams. With no meter provider set, OpenTelemetry's stand-in provider keeps every
meter it hands out, to pass each on to a provider set later: the process grew with every press
(by about 50,000 meters in one run of the bench). Brewbot exports no metrics, so unless the
operator names a provider (OTEL_PYTHON_METER_PROVIDER), OpenTelemetry is given its no-op
provider, whose meters nothing keeps. A provider the operator's own code set earlier keeps its
place (OpenTelemetry logs once that it was not replaced).
"""

# ruff: noqa: E402 (the SDK is imported after the settings it must find in place)
from __future__ import annotations

import os
import warnings

os.environ["PYTHON_DOTENV_DISABLED"] = "1"
# Imported, the SDK warns on the console about a preview feature Brewbot does not use.
warnings.filterwarnings("ignore", message="HtmlWidgetSecurityPolicy is in preview")

from opentelemetry import metrics
from opentelemetry.environment_variables import OTEL_PYTHON_METER_PROVIDER

if OTEL_PYTHON_METER_PROVIDER not in os.environ:
    metrics.set_meter_provider(metrics.NoOpMeterProvider())

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
