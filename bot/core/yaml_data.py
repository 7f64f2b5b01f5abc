"""Reading Brewbot's YAML data (prompts/, the sparks library): always a safe loader, and
libyaml's C parser when PyYAML was built with it. The words, the sparks and the theme
vocabulary are read at every start and by every `brewbot` command; the C parser reads all of
prompts/ in about a tenth of the time (13 ms against 181 ms here) and gives the same data.
Errors are PyYAML's own (yaml.YAMLError, with its problem_mark) either way.

These files are meant to be changed by people who are not programmers (a safeguarding lead
adds words, a facilitator writes a spark), so a mistake in one is a `DataFileError`: one
line naming the file and what is wrong (`load_data_file` says where a YAML mistake is),
which `brewbot` prints instead of a traceback before it stops."""

from __future__ import annotations

from typing import Any

import yaml

from bot.core.marked import SaidLine

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """The data in a YAML document, built only from plain types (never Python objects)."""
    return yaml.load(text, Loader=_LOADER)  # a safe loader, C or pure Python


class DataFileError(SaidLine):
    """A file of Brewbot's own data (prompts/, the sparks, the safeguarding words, the theme
    vocabulary, the earnings limits) cannot be used. Its message is one line: the file and
    what is wrong in it."""

    def __init__(self, line: str = "") -> None:
        # PyYAML's messages, and a file's own text quoted in one, run over several lines.
        super().__init__(" ".join(line.split()))


def load_data_file(text: str, where: str, error: type[DataFileError] = DataFileError) -> Any:
    """`load_yaml` of the file `where` holds; a YAML mistake in it is `error`, saying the file,
    what is wrong and where in a few words: "... is not valid YAML: did not find expected key
    (line 49)"."""
    try:
        return load_yaml(text)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or str(exc)
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        at = f" (line {mark.line + 1})" if mark is not None else ""
        raise error(f"{where} is not valid YAML: {problem}{at}") from exc
