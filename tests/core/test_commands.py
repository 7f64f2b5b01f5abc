"""The text command parser shared by the shell and Slack."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.commands import (
    MAX_NUMBER,
    Command,
    CommandError,
    CommandTable,
    ComponentRoute,
    Option,
    OptionKind,
    as_id,
    convert_options,
    parse_text,
)
from bot.core.messages import custom_id, parse_custom_id


async def _noop(ctx):  # pragma: no cover - never called by the parser
    return None


@pytest.fixture
def table() -> CommandTable:
    return _fixture_table()


def _fixture_table() -> CommandTable:
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


def test_a_route_that_writes_in_batches_cannot_only_read():
    async def many(contexts):
        return []

    with pytest.raises(ValueError, match="cannot only read"):
        ComponentRoute("test", "both", _noop, batch=many, reads_only=True)


def test_custom_ids_round_trip_and_stay_short():
    value = custom_id("reflection", "submit", "42")
    assert value == "brew:reflection:submit:42"
    assert parse_custom_id(value) == ("reflection", "submit", "42")
    assert parse_custom_id("other:thing") is None
    with pytest.raises(ValueError):
        custom_id("x", "y", "z" * 100)


# -- typed numbers, unstorable characters and option names (issue 13) ------------------------


@pytest.mark.parametrize(
    "text",
    [
        "/brew breakouts \u00b2",  # superscript two: isdigit() says yes, int() says no
        "/brew breakouts size=\u00b2",
        "/brew breakouts #\u00b2",
        "/brew breakouts \u0663",  # Arabic-Indic three: int() would read it as 3
        "/brew breakouts \uff11\uff12",  # full-width 12
        "/brew breakouts -3",
        "/brew breakouts 1.5",
    ],
)
def test_numbers_are_plain_digits_only(table, text):
    with pytest.raises(CommandError) as caught:
        parse_text(text, table)
    assert caught.value.key == "errors.not_a_number"


@pytest.mark.parametrize(
    "value", ["2147483648", "99999999999", "999999999999", "1" * 40, 2**31, 10**12]
)
def test_numbers_beyond_what_the_database_holds_are_refused(table, value):
    with pytest.raises(CommandError) as caught:
        if isinstance(value, int):  # as Discord sends it
            convert_options(table.commands["breakouts"], {"session": value})
        else:
            parse_text(f"/brew breakouts {value}", table)
    assert caught.value.key == "errors.number_too_big"
    assert caught.value.values == {"option": "session"}


def test_the_largest_number_is_taken():
    assert as_id(str(MAX_NUMBER)) == MAX_NUMBER
    assert as_id(str(MAX_NUMBER + 1)) is None
    assert as_id("\u00b2") is None and as_id("") is None and as_id("12") == 12


def test_nul_and_lone_surrogates_are_taken_out_of_what_is_typed(table):
    _, args = parse_text('/brew schedule tomorrow\x00 2pm theme="Carers\ud800 voices"', table)
    assert args["when"] == "tomorrow 2pm"
    assert args["theme"] == "Carers voices"
    # Nothing is left of it, so nothing was given.
    with pytest.raises(CommandError) as caught:
        convert_options(table.commands["schedule"], {"when": "\x00\udfff"})
    assert caught.value.key == "errors.missing_option"


def _settings_table() -> CommandTable:
    table = CommandTable()
    names = ("facilitator_role", "timezone", "group_size")
    table.add(
        Command(
            "settings",
            "settings",
            _noop,
            (Option("name", "which", choices=names), Option("value", "to what", rest=True)),
        )
    )
    table.add(
        Command(
            "post",
            "post",
            _noop,
            (
                Option("message", "what", required=True, rest=True),
                Option("easy_read", "easy", choices=("yes", "no"), aliases=("easy",)),
            ),
        )
    )
    table.add(Command("sessions", "list", _noop))
    return table


@pytest.mark.parametrize(
    "text",
    [
        "/brew settings facilitator_role=Facilitator",  # as /brew help suggests
        "/brew settings facilitator_role Facilitator",  # the same words in order
        "/brew settings name=facilitator_role value=Facilitator",
        "/brew settings value=Facilitator name=facilitator_role",
        "/brew settings Facilitator_Role=Facilitator",
    ],
)
def test_a_setting_is_given_either_way(text):
    _, args = parse_text(text, _settings_table())
    assert args == {"name": "facilitator_role", "value": "Facilitator"}


@pytest.mark.parametrize(
    "text",
    [
        "/brew post The tea is ready. easy_read=yes",
        "/brew post The tea is ready. easy=yes",
        "/brew post easy_read=yes The tea is ready.",
        '/brew post message="The tea is ready." easy_read=yes',
    ],
)
def test_an_option_is_never_posted_as_words(text):
    _, args = parse_text(text, _settings_table())
    assert args == {"message": "The tea is ready.", "easy_read": "yes"}


def test_words_with_an_equals_sign_in_a_message_stay_words():
    _, args = parse_text("/brew post Energy e=mc2, see https://x.org/?a=b", _settings_table())
    assert args["message"] == "Energy e=mc2, see https://x.org/?a=b"


@pytest.mark.parametrize(
    ("text", "key", "values"),
    [
        # Before: "The session should be a number" (the wrong option).
        (
            "/brew breakouts colour=red",
            "errors.unknown_option",
            {"name": "colour", "command": "breakouts", "options": "session, size"},
        ),
        (
            "/brew post Hello eassy=yes",
            "errors.unknown_option_near",
            {"name": "eassy", "command": "post", "suggestion": "easy_read"},
        ),
        (
            "/brew settings timezon=Europe/London",
            "errors.unknown_option_near",
            {"name": "timezon", "command": "settings", "suggestion": "timezone"},
        ),
        ("/brew sessions all=yes", "errors.no_options", {"name": "all", "command": "sessions"}),
    ],
)
def test_an_unknown_option_is_named(table, text, key, values):
    for command in _settings_table():
        table.add(command)
    with pytest.raises(CommandError) as caught:
        parse_text(text, table)
    assert (caught.value.key, caught.value.values) == (key, values)


_HOSTILE = st.sampled_from(
    [
        "\x00",
        "\ud800",
        "\udfff",
        "\u00b2",
        "\u0663",
        "\uff11",
        "9" * 12,
        "#",
        "=",
        '"',
        "\u201c",
        "/brew",
        "-",
        " ",
        "\n",
        "\t",
        "<@123>",
        "@everyone",
        "size=",
        "=yes",
        "\u200b",
    ]
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.one_of(_HOSTILE, st.text(max_size=12)), max_size=10).map("".join),
    st.sampled_from(["schedule", "breakouts", "digest", "action add", "settings", "post"]),
)
def test_any_typed_text_parses_or_gets_one_sentence(text, name):
    table = CommandTable()
    for command in (*_fixture_table(), *_settings_table()):
        table.add(command)
    try:
        _, args = parse_text(f"/brew {name} {text}", table)
    except CommandError as exc:
        assert exc.key.startswith("errors."), exc.key
        return
    for value in args.values():
        if isinstance(value, str):
            assert "\x00" not in value and value.encode("utf-8")
        elif isinstance(value, int):
            assert 0 <= value <= MAX_NUMBER
