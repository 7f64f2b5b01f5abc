"""Digits that are not 0-9 ("²", "٣") are refused with one sentence wherever a number is
typed: str.isdigit takes them, int() does not."""

from __future__ import annotations

import pytest

from bot.reflections.anonymity import read_code


@pytest.mark.parametrize("typed", ["²", "٣", "1²", "⑦"])
async def test_settings_numbers_refuse_other_digits_kindly(app, chat, fac, typed):
    for name in ("group_size", "reminders"):
        answer = await chat.say(fac, f"/brew settings {name} {typed}")
        assert "something went wrong" not in answer.text
        assert answer.text.strip(), "one sentence, not silence"


def test_a_withdrawal_code_with_other_digits_is_not_a_code():
    assert read_code("²-ABCD-EFGH-JKLM-NPQR") is None
    assert read_code("٣-ABCDEFGHJKLMNPQ") is None
