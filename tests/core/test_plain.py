"""Plain style has no emoji, no decoration and short lines."""

from hypothesis import given
from hypothesis import strategies as st

from bot.core.plain import PLAIN_WIDTH, plain_text_style


def test_emoji_and_decoration_are_removed():
    text = "☕ **Welcome** to _Over a Brew_! 🎉\n## Ground rules\n- Listen ✅"
    out = plain_text_style(text)
    assert out == "Welcome to _Over a Brew_!\nGround rules\n- Listen"


def test_long_lines_are_wrapped_with_list_indent():
    out = plain_text_style("- " + "word " * 40)
    lines = out.splitlines()
    assert all(len(line) <= PLAIN_WIDTH for line in lines)
    assert lines[1].startswith("  ")


@given(st.text())
def test_never_emoji_and_never_long_words_split_wrong(text):
    out = plain_text_style(text)
    assert not any(0x1F000 <= ord(c) <= 0x1FAFF for c in out)
    assert "**" not in out
