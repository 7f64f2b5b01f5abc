"""The names redaction knows without being told: given names (bot/reflections/given_names.txt)
and family names (bot/reflections/family_names.txt)."""

from __future__ import annotations

import functools
from importlib import resources

NAMES_FILE = "given_names.txt"
FAMILY_NAMES_FILE = "family_names.txt"


def _listed(file: str) -> set[str]:
    """The words of a names file, in lower case: any number a line; a line starting with #
    is a note."""
    text = resources.files("bot.reflections").joinpath(file).read_text("utf-8")
    return {
        word.lower()
        for line in text.splitlines()
        if not line.lstrip().startswith("#")
        for word in line.split()
    }


@functools.cache
def given_names(leave_out: frozenset[str] = frozenset()) -> frozenset[str]:
    """The names of the list, in lower case, less `leave_out` (names that are everyday
    words, which redaction takes only where they read as a name)."""
    return frozenset(_listed(NAMES_FILE) - leave_out)


@functools.cache
def family_names() -> frozenset[str]:
    """The family names of the list, in lower case."""
    return frozenset(_listed(FAMILY_NAMES_FILE))
