"""Reading Brewbot's YAML data (prompts/, the sparks library): always a safe loader, and
libyaml's C parser when PyYAML was built with it. The words, the sparks and the theme
vocabulary are read at every start and by every `brewbot` command; the C parser reads all of
prompts/ in about a tenth of the time (13 ms against 181 ms here) and gives the same data.
Errors are PyYAML's own (yaml.YAMLError, with its problem_mark) either way."""

from __future__ import annotations

from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """The data in a YAML document, built only from plain types (never Python objects)."""
    return yaml.load(text, Loader=_LOADER)  # a safe loader, C or pure Python
