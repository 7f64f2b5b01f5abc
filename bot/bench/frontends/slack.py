"""Slack in the front-end bursts (HTTP mode and Socket Mode): to be written."""

from __future__ import annotations

from typing import Any

LOADS: dict[str, Any] = {}
SIDES: dict[str, Any] = {}
