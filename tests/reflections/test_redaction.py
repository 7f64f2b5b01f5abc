"""Redaction takes identifying details out of reflections and leaves everything else alone."""

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.reflections.redaction import nhs_number_valid, redact, redact_with_report

# --- each kind ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "priya.shah@nhs.net",
        "sam+brew@example.co.uk",
        "o'brien@council.gov.uk",
        "A_B@x-y.org",
    ],
)
def test_email_addresses(email):
    assert redact(f"Write to {email}, thanks") == "Write to [email], thanks"


@pytest.mark.parametrize(
    "phone",
    [
        "07700 900123",
        "07700900123",
        "+44 7700 900123",
        "+447700900123",
        "020 7946 0958",
        "(01632) 960001",
        "0800 123 4567",
        "0044 7700 900123",
        "+44 (0)20 7946 0958",
        "0161-496-0000",
        "01632 960 001",
    ],
)
def test_uk_phone_numbers(phone):
    assert redact(f"Ring me on {phone}.") == "Ring me on [phone]."


def test_a_phone_number_ends_where_its_digits_do():
    assert redact("call 07700 900123 2 times") == "call [phone] 2 times"
    assert redact("(call 07700 900123)") == "(call [phone])"


@pytest.mark.parametrize(
    "postcode",
    [
        "SW1A 1AA",
        "M1 1AE",
        "B33 8TH",
        "CR2 6XH",
        "DN55 1PT",
        "EC1A 1BB",
        "sw1a 1aa",
        "SW1A1AA",
        "m11ae",
        "b33 8th",
    ],
)
def test_uk_postcodes(postcode):
    assert redact(f"I live near {postcode} now") == "I live near [postcode] now"


@pytest.mark.parametrize("nhs", ["943 476 5919", "943-476-5919", "9434765919"])
def test_nhs_numbers_with_a_valid_check_digit(nhs):
    assert redact(f"My NHS number is {nhs}.") == "My NHS number is [NHS number]."


def test_modulus_11_check_digit():
    assert nhs_number_valid("9434765919")
    assert not nhs_number_valid("9434765918")
    assert not nhs_number_valid("943476591")
    assert not nhs_number_valid("94347659a9")
    assert not nhs_number_valid("943476591²")


def test_ten_digits_that_fail_the_check_are_still_taken_out():
    text, report = redact_with_report("ref 943 476 5918 please")
    assert text == "ref [phone] please"
    assert report == {"phone": 1}


@pytest.mark.parametrize(
    "link",
    [
        "https://example.com/a_(b)?q=1",
        "http://x.org",
        "www.carers.org.uk/help",
        "example.com/path",
        "nhs.uk",
        "HTTPS://EXAMPLE.COM",
    ],
)
def test_links(link):
    assert redact(f"See {link}. Then") == "See [link]. Then"


def test_slack_links_with_a_label_are_one_link():
    assert redact("see <https://evil.example.com|the council page>") == "see [link]"


@pytest.mark.parametrize(
    "mention",
    [
        "@priya",
        "@everyone",
        "@here",
        "<@123>",
        "<@!123>",
        "<@&123>",
        "<#123>",
        "<@U123ABC>",
        "<@U123ABC|sam>",
        "<#C123|general>",
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<!subteam^S123>",
        "<!subteam^S123|@carers>",
        "</brew start:123>",
    ],
)
def test_mentions(mention):
    assert redact(f"Thanks {mention} for that") == "Thanks [mention] for that"


def test_an_email_is_not_also_a_mention_or_a_link():
    text, report = redact_with_report("mail sam@care.org.uk")
    assert text == "mail [email]"
    assert report == {"email": 1}


# --- names ------------------------------------------------------------------------------------

NAMES = ["Priya Shah (she/her)", "sam_99", "Jo", "Anna Smith-Jones", "Seán O'Brien", "Will Hope"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Priya Shah said", "[name] said"),
        ("priya shah said", "[name] said"),
        ("PRIYA SHAH said", "[name] said"),
        ("Priya  Shah's idea", "[name]'s idea"),
        ("Priya said", "[name] said"),
        ("thanks to Shah", "thanks to [name]"),
        ("Priya’s point", "[name]’s point"),
        ("sam_99 and SAM_99", "[name] and [name]"),
        ("Jo was there", "[name] was there"),
        ("Anna Smith-Jones", "[name]"),
        ("Smith-Jones came", "[name] came"),
        ("Mr Smith came", "Mr [name] came"),
        ("Seán O'Brien and O’Brien", "[name] and [name]"),
    ],
)
def test_known_names(text, expected):
    assert redact(text, NAMES) == expected


@pytest.mark.parametrize(
    "text",
    [
        "priya alone is lower case, so it is left",  # single part, not capitalised
        "I have hope and I will try",  # names that are everyday words, written as words
        "She said her piece",  # pronoun tags in a display name are not names
        "jo",  # a one-word name is only a name when capitalised
    ],
)
def test_single_name_parts_only_when_capitalised(text):
    assert redact(text, NAMES) == text


def test_report_counts_each_kind():
    text, report = redact_with_report(
        "Priya (priya@x.org, 07700 900123, SW1A 1AA, 943 476 5919) see www.x.org @sam",
        ["Priya Shah"],
    )
    assert text == "[name] ([email], [phone], [postcode], [NHS number]) see [link] [mention]"
    assert report == {
        "name": 1,
        "email": 1,
        "phone": 1,
        "postcode": 1,
        "nhs_number": 1,
        "link": 1,
        "mention": 1,
    }


# --- things that must stay ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "We met at 14:00 on 12/03/2024.",
        "There were 5 people, and we met 3 times in 2024.",
        "It cost £1,500 over 12 months, about 1990-2024 prices.",
        "Call 999 or 111 in an emergency.",
        "Room 101, ages 65+, 10 of 12 agreed.",
        "Meet at 2pm or 10am, e.g. on the 3rd.",
        "I waited 45 minutes. The end.Then it was fine.",
        "The carer was kind and listened.",
        "A1 is a road, and so is M25.",
        "Version 2.0 of the plan",
        "Score: 4/5 - would recommend",
    ],
)
def test_ordinary_text_is_left_alone(text):
    assert redact(text, NAMES) == text


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=string.ascii_letters + " ,;!?'\n", max_size=300))
def test_text_without_digits_links_or_mentions_is_unchanged(text):
    assert redact(text) == text


# --- planted details never survive ----------------------------------------------------------------

_filler = st.lists(
    st.sampled_from(
        [
            "the",
            "carer",
            "said",
            "we",
            "met",
            "5",
            "people",
            "in",
            "2024",
            "and",
            "it",
            "was",
            "good.",
            "at",
            "14:00",
            "Thanks,",
            "(see",
            "below)",
        ]
    ),
    max_size=8,
).map(" ".join)


def _nhs_with_check(digits: str) -> str | None:
    total = sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return None if check == 10 else digits + str(check)


_emails = st.builds(
    "{}@{}.{}".format,
    st.text(string.ascii_lowercase + "._+", min_size=1, max_size=12).filter(
        lambda s: s[0].isalpha()
    ),
    st.text(string.ascii_lowercase, min_size=1, max_size=10),
    st.sampled_from(["org", "co.uk", "nhs.net", "com"]),
)
_mobiles = st.builds(
    lambda digits, style: {
        0: f"07{digits[:3]} {digits[3:]}",
        1: f"07{digits}",
        2: f"+44 7{digits[:3]} {digits[3:]}",
    }[style],
    st.text("0123456789", min_size=9, max_size=9),
    st.integers(0, 2),
)
# Outward codes come in six shapes: A9, A99, AA9, AA99, A9A, AA9A.
_outward = st.one_of(
    st.builds(
        "{}{}".format,
        st.sampled_from(["M", "B", "SW", "DN", "LS", "NE"]),
        st.integers(1, 99).map(str),
    ),
    st.builds(
        "{}{}{}".format,
        st.sampled_from(["W", "N", "SW", "EC"]),
        st.integers(1, 9).map(str),
        st.sampled_from(["A", "C", "X"]),
    ),
)
_postcodes = st.builds(
    "{} {}{}".format,
    _outward,
    st.integers(0, 9).map(str),
    st.sampled_from(["AA", "BB", "TH", "PT", "XH", "NZ"]),
)
_nhs = (
    st.text("0123456789", min_size=9, max_size=9)
    .map(_nhs_with_check)
    .filter(lambda n: n is not None)
    .map(lambda n: f"{n[:3]} {n[3:6]} {n[6:]}")
)


@settings(max_examples=200, deadline=None)
@given(_filler, st.one_of(_emails, _mobiles, _postcodes, _nhs), _filler)
def test_a_planted_detail_never_survives(before, detail, after):
    out = redact(f"{before} {detail} {after}")
    assert detail not in out
    digits = "".join(ch for ch in detail if ch.isdigit())
    if len(digits) >= 9:
        assert digits[-6:] not in "".join(ch for ch in out if ch.isdigit())


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text("0123456789", min_size=1, max_size=5), min_size=1, max_size=3).map(" ".join),
    st.one_of(_mobiles, _nhs),
)
def test_a_number_straight_after_other_digits_is_still_hidden(digits_before, detail):
    # "00000 07000 000000": a reading that starts in the earlier digits must not end halfway
    # through the phone number and leave its tail showing.
    out = redact(f"ref {digits_before} {detail}")
    digits = "".join(ch for ch in detail if ch.isdigit())
    assert digits[-6:] not in "".join(ch for ch in out if ch.isdigit())


# --- hostile input stays fast (a catastrophic regex would hang here, not just be slow) ----------


@pytest.mark.parametrize(
    "text",
    [
        "a" * 2000,
        "@" * 2000,
        "a@" * 1000,
        "<@" * 1000,
        "0 " * 1000,
        "www." * 500,
        "a." * 1000,
        "1" * 2000,
        "(" * 2000,
        "<" + "|" * 1999,
        "x@y." * 500,
        "a" * 1999 + "@",
        "+4" * 1000,
        "0-" * 1000,
        "A1 " * 666,
        "Priya " * 333,
        "http://" + "a." * 996,
        "[" * 2000,
        "a-" * 1000,
        "Priya Shah " * 180,
        "a_b." * 500,
        "<!" + "a" * 1998,
    ],
)
def test_adversarial_input(text):
    out = redact(text, ["Priya Shah", "A B C D E F"])
    assert isinstance(out, str) and out


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200), st.lists(st.text(max_size=20), max_size=4))
def test_any_text_and_any_names_are_handled(text, names):
    out, report = redact_with_report(text, names)
    assert isinstance(out, str)
    assert all(count > 0 for count in report.values())
    if not report:
        assert out == text
