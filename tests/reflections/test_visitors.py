"""Visitors on a session's web page: every one of them is one writer, and a code works from
any opening of the page (bot/reflections/anonymity.py)."""

from __future__ import annotations

from bot.core.refs import Platform, is_visitor, visitor_id
from bot.reflections.anonymity import WriterLedger, withdraw_tag


def test_no_platform_person_id_is_a_visitor():
    visitor = visitor_id("abc")
    assert is_visitor(visitor)
    assert not any(platform.is_person_id(visitor) for platform in Platform)
    for person in ("123456789012345678", "U0123ABCDEF", "shell-sam"):
        assert not is_visitor(person)


def test_every_visitor_counts_as_one_writer_however_many_openings():
    ledger = WriterLedger()
    for n in range(6):
        visitor = visitor_id(f"opening-{n}")
        ledger.record(12, f"r{n}", visitor, ledger.repeat_tag(12, visitor, f"words {n}"))
    assert ledger.writers_at_least(12, [f"r{n}" for n in range(6)]) == 1
    # A visitor may be someone who also wrote in the chat: with chat writers, they add no one.
    ledger.record(12, "chat", "shell-sam", ledger.repeat_tag(12, "shell-sam", "mine"))
    assert ledger.writers_at_least(12, ["r0", "r1", "chat"]) == 1
    ledger.record(12, "chat2", "shell-kim", ledger.repeat_tag(12, "shell-kim", "mine"))
    assert ledger.writers_at_least(12, ["r0", "chat", "chat2"]) == 2
    assert ledger.writers_at_least(12, ["chat", "chat2"]) == 2
    assert ledger.knows_writer(12, visitor_id("a-new-opening"))


def test_the_same_words_from_another_opening_are_not_a_repeat():
    ledger = WriterLedger()
    first, second = visitor_id("one"), visitor_id("two")
    tag = ledger.repeat_tag(12, first, "More buses please")
    ledger.record(12, "r1", first, tag)
    assert ledger.is_repeat(12, ledger.repeat_tag(12, first, "more  buses PLEASE"))
    assert not ledger.is_repeat(12, ledger.repeat_tag(12, second, "More buses please"))


def test_a_visitors_code_works_from_any_opening_and_for_no_chat_member():
    tag = withdraw_tag(12, "SECRET", visitor_id("one"))
    assert withdraw_tag(12, "SECRET", visitor_id("two")) == tag
    assert withdraw_tag(12, "SECRET", "shell-sam") != tag
    assert withdraw_tag(12, "OTHER", visitor_id("one")) != tag
