"""Layering rules from DESIGN.md that a reviewer would otherwise have to remember."""

import ast
from pathlib import Path

from bot.engine.texts import Texts
from storage.models import Role, SessionState

ROOT = Path(__file__).resolve().parents[1]
SDKS = ("discord", "slack_bolt", "slack_sdk", "aiohttp")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_and_services_never_import_a_chat_sdk():
    for folder in (
        "bot/core",
        "bot/engine",
        "bot/delivery",
        "bot/sessions",
        "bot/sparks",
        "bot/reflections",
        "bot/digest",
        "bot/people",
        "bot/scheduling",
        "storage",
    ):
        for path in (ROOT / folder).rglob("*.py"):
            assert not _imports(path) & set(SDKS), path


def test_core_does_no_io():
    for path in (ROOT / "bot/core").rglob("*.py"):
        assert not _imports(path) & {"sqlalchemy", "sqlmodel", "storage", "asyncio"}, path


def test_worded_enums_have_sentences():
    strings = Texts.load().strings
    for state in SessionState:
        assert f"lifecycle.state.{state.value}" in strings
        assert f"lifecycle.hint.{state.value}" in strings
    for role in Role:
        assert f"people.role.{role.value}" in strings


def test_every_button_label_is_words():
    import re

    strings = Texts.load().strings
    labels = {k: v for k, v in strings.items() if k.startswith("buttons.")}
    assert len(labels) >= 8
    for key, label in labels.items():
        assert re.search(r"[A-Za-z]{2,}", label), f"{key} must say what it does in words"
