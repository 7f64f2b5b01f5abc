"""Loads the words people read from the `prompts` package and fills them in.

Short sentences live in `prompts/strings/*.yaml` (one file per feature, keys must not clash);
longer messages are Markdown templates in `prompts/templates/NAME.md`, with an Easy Read variant
in `NAME.easy.md`.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml


class TextsError(Exception):
    """The prompts package is broken (missing file or key). Stops start-up."""


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@dataclass
class Texts:
    strings: dict[str, str]
    templates: dict[str, str]

    @classmethod
    def load(cls) -> Texts:
        root = resources.files("prompts")
        strings: dict[str, str] = {}
        for entry in sorted(root.joinpath("strings").iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".yaml"):
                continue
            try:
                raw = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
            except (OSError, yaml.YAMLError) as exc:
                raise TextsError(f"prompts/strings/{entry.name} could not be read: {exc}") from exc
            for key, text in _flatten(raw).items():
                if key in strings:
                    raise TextsError(f"prompts/strings/{entry.name}: {key!r} is defined twice")
                strings[key] = text
        templates = {
            entry.name.removesuffix(".md"): entry.read_text(encoding="utf-8").strip()
            for entry in root.joinpath("templates").iterdir()
            if entry.name.endswith(".md")
        }
        return cls(strings=strings, templates=templates)

    def t(self, key: str, /, **values: Any) -> str:
        """One short sentence by key, filled in."""
        try:
            text = self.strings[key]
        except KeyError:
            raise TextsError(f"prompts/strings has no entry {key!r}") from None
        return text.format(**values) if values or _placeholders(text) else text

    def template(self, name: str, /, *, easy: bool = False, **values: Any) -> str:
        """A Markdown template, in Easy Read if asked and available."""
        key = f"{name}.easy" if easy and f"{name}.easy" in self.templates else name
        try:
            text = self.templates[key]
        except KeyError:
            raise TextsError(f"prompts/templates/{name}.md is missing") from None
        return text.format(**values)

    def template_names(self) -> list[str]:
        return sorted(self.templates)


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{full}."))
        else:
            flat[full] = str(value).strip()
    return flat
