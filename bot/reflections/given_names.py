"""The given names redaction knows without being told (bot/reflections/given_names.txt)."""

from __future__ import annotations

import functools
from importlib import resources

NAMES_FILE = "given_names.txt"


@functools.cache
def given_names(leave_out: frozenset[str] = frozenset()) -> frozenset[str]:
    """The names of the list, in lower case, less `leave_out` (names that are everyday
    words, which redaction takes only where they read as a name)."""
    text = resources.files("bot.reflections").joinpath(NAMES_FILE).read_text("utf-8")
    names = {
        word.lower()
        for line in text.splitlines()
        if not line.lstrip().startswith("#")
        for word in line.split()
    }
    return frozenset(names - leave_out)
