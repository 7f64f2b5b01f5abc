"""The text command parser shared by the shell and Slack."""

import pytest

from bot.core.commands import (
    Command,
    CommandError,
    CommandTable,
    Option,
    OptionKind,
    parse_text,
)
from bot.core.messages import custom_id, parse_custom_id


async def _noop(ctx):  # pragma: no cover - never called by the parser
    return None


@pytest.fixture
def table() -> CommandTable:
    table = CommandTable()
    table.add(
        Command(
            "schedule",
            "plan",
            _noop,
            (
                Option("when", "when", required=True, rest=True),
                Option("theme", "theme"),
                Option("every", "repeat"),
            ),
        )
    )
    table.add(
        Command(
            "breakouts",
            "groups",
            _noop,
            (
                Option("session", "id", OptionKind.INTEGER),
                Option("size", "size", OptionKind.INTEGER),
            ),
        )
    )
    table.add(
        Command(
            "digest",
            "digest",
            _noop,
            (
                Option("session", "id", OptionKind.INTEGER),
                Option("action", "what", choices=("preview", "send")),
                Option("item", "item"),
            ),
        )
    )
    table.add(Command("action add", "add", _noop, (Option("said", "said", rest=True),)))
    return table


def test_free_words_go_to_the_rest_option(table):
    command, args = parse_text('/brew schedule next Tuesday 2pm theme="Being heard"', table)
    assert command.name == "schedule"
    assert args == {"when": "next Tuesday 2pm", "theme": "Being heard", "every": None}


def test_brew_prefix_and_slash_are_optional(table):
    assert parse_text("schedule tomorrow 10am", table)[1]["when"] == "tomorrow 10am"
    assert parse_text("/schedule tomorrow 10am", table)[1]["when"] == "tomorrow 10am"


def test_positional_integers_and_choices(table):
    _, args = parse_text("/brew digest 12 send", table)
    assert args == {"session": 12, "action": "send", "item": None}
    _, args = parse_text("/brew breakouts #7 size=4", table)
    assert args == {"session": 7, "size": 4}


@pytest.mark.parametrize(
    "text",
    [
        '/brew schedule tomorrow 2pm theme="Carers\' voices"',
        "/brew schedule tomorrow 2pm theme=\u201cCarers\u2019 voices\u201d",  # from a phone
        '/brew schedule tomorrow 2pm theme="Carers\u2019 voices"',
    ],
)
def test_quotes_as_people_type_them(table, text):
    _, args = parse_text(text, table)
    assert args["when"] == "tomorrow 2pm"
    assert args["theme"].replace("\u2019", "'") == "Carers' voices"


def test_apostrophes_and_hashes_are_just_characters(table):
    _, args = parse_text("/brew action add We'll ask about #transport, C:\\bus", table)
    assert args["said"] == "We'll ask about #transport, C:\\bus"


def test_two_word_commands(table):
    command, args = parse_text("/brew action add More time in reviews", table)
    assert command.name == "action add"
    assert args["said"] == "More time in reviews"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "errors.empty_command"),
        ("/brew", "errors.empty_command"),
        ("/brew dance", "errors.unknown_command"),
        ("/brew schedule", "errors.missing_option"),
        ('/brew schedule "tomorrow', "errors.unbalanced_quotes"),
        ("/brew breakouts twelve", "errors.not_a_number"),
        ("/brew breakouts 1 2 3", "errors.too_many_words"),
        ("/brew breakouts size=lots", "errors.not_a_number"),
        ("/brew digest 3 shout", "errors.not_a_choice"),
        ("/brew digest action=shout", "errors.not_a_choice"),
        ("/brew schedule " + "x" * 5000, "errors.too_long"),
        ("/brew schedule " + "x" * 400, "errors.option_too_long"),
    ],
)
def test_bad_input_names_a_sentence(table, text, key):
    with pytest.raises(CommandError) as caught:
        parse_text(text, table)
    assert caught.value.key == key


def test_duplicate_command_names_are_refused(table):
    with pytest.raises(ValueError, match="two commands"):
        table.add(Command("schedule", "again", _noop))


def test_custom_ids_round_trip_and_stay_short():
    value = custom_id("reflection", "submit", "42")
    assert value == "brew:reflection:submit:42"
    assert parse_custom_id(value) == ("reflection", "submit", "42")
    assert parse_custom_id("other:thing") is None
    with pytest.raises(ValueError):
        custom_id("x", "y", "z" * 100)
