"""Every sentence key the code uses exists in prompts/strings, and all strings format."""

import ast
import string
from pathlib import Path

from bot.engine.texts import Texts

ROOT = Path(__file__).resolve().parents[1]


def _keys_used_in_code() -> set[str]:
    keys: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            if name in ("t", "CommandError") and "." in first.value:
                keys.add(first.value)
            elif name == "counted":  # Texts.counted: a sentence for one, and for many
                keys |= {f"{first.value}_one", f"{first.value}_many"}
    return keys


def test_every_key_used_exists():
    texts = Texts.load()
    used = _keys_used_in_code()
    assert len(used) > 50
    assert sorted(used - set(texts.strings)) == []


def test_every_string_has_only_simple_placeholders():
    for key, text in Texts.load().strings.items():
        for _, name, spec, _ in string.Formatter().parse(text):
            # A value, or a command named as {/NAME} (written in each platform's spelling).
            assert name is None or name.isidentifier() or name.startswith("/"), key
            assert not spec, key


def test_no_service_user_wording():
    texts = Texts.load()
    everything = " ".join([*texts.strings.values(), *texts.templates.values()]).lower()
    assert "service user" not in everything
