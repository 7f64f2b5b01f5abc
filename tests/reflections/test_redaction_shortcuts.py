"""The shortcuts that make redaction quick (issue 17) find what the plain patterns find: a
list of words written as a tree of shared beginnings matches as the list sorted longest
first; a text without a pattern's hint has no match of it; no fewer than eight digits make a
phone or NHS number; and the search for cues that starts a few words before an anchor finds
every cue the plain search finds; a text whose words hold no piece of a known name has no
known name in it; and every care setting and social network holds the plain-text hint its
pattern waits for. (test_screens_as_recorded.py checks the whole screens.)"""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.reflections import redaction


def _texts(fragments: list[str], alphabet: str) -> st.SearchStrategy[str]:
    """Texts of fragments (in any case) and short runs of `alphabet` between them."""
    fragment = st.sampled_from(fragments).flatmap(
        lambda f: st.sampled_from([f, f.upper(), f.capitalize()])
    )
    return st.lists(st.one_of(fragment, st.text(alphabet, max_size=3)), max_size=14).map("".join)


# --- a tree of words ---------------------------------------------------------------------------

_WORDS = st.lists(
    st.text("ab-", min_size=1, max_size=4).flatmap(
        lambda w: st.sampled_from([w, f"{w} b", f"{w} a{w}"])
    ),
    min_size=1,
    max_size=8,
    unique=True,
)
# After the word, what follows a role in a cue: so which word is chosen changes the match.
_FOLLOWED = r"(?P<after>[ \t]*[,\-][ \t]*|[ \t]+)"


@pytest.mark.parametrize("flags", [0, re.IGNORECASE])
@settings(max_examples=300, deadline=None)
@given(words=_WORDS, text=st.text("abAB- \t,", max_size=30))
def test_a_tree_of_words_matches_as_the_words_sorted_longest_first(flags, words, text):
    listed = "|".join(
        re.escape(w).replace(r"\ ", r"[ \t]+") for w in sorted(words, key=len, reverse=True)
    )
    plain = re.compile(f"(?:{listed}){_FOLLOWED}", flags)
    tree = re.compile(f"{redaction._alternatives(words)}{_FOLLOWED}", flags)
    assert [(m.span(), m.span("after")) for m in tree.finditer(text)] == [
        (m.span(), m.span("after")) for m in plain.finditer(text)
    ]


# --- hints -------------------------------------------------------------------------------------

# Whole details (which each hint must let through) and pieces of them (which it may not).
_DETAILS = [
    "https://x.org/a", "WWW.nhs.uk", "leeds.gov.uk", "jane dot smith at gmail dot com",
    "a (at) b (dot) org", "kay [at] leeds [dot] gov [dot] uk", "x @ y . co", "DOB: 12/3/1954",
    "d.o.b. 1/2/60", "d o b 3 May 1950", "born on 3 March 1954", "birthday is the 3rd of May",
    "birth date: 1956-1-2", "date of birth 4 June '56", "born in May, 1950", "4a Acacia Avenue",
    "3-5b High Street", "12, Mill Lane", "7 st john's road.", "Flat 3", "in flat 2",
    "my apartment 4B", "at apt. 4", "APT 9", "LS1 4AB", "m1 1ae", "SW1A1AA",
    "http://", "www", ".uk", ".com-", "e.g.", " dot ", " at ", "@", "d.o.", "birth", "12/3",
    "3rd", "12 ", "4a ", "Acacia ", "Avenue", "flat", "apt", "1AA", "2pm",
]  # fmt: skip
_HINTED = [
    (redaction._URL_HINT, redaction._URL),
    (redaction._DOMAIN_HINT, redaction._DOMAIN),
    (redaction._SPELLED_HINT, redaction._SPELLED_EMAIL),
    (re.compile(f"{redaction._SPELLED_AT_HINT.pattern}|@", re.I), redaction._SPELLED_EMAIL),
    (redaction._DOB_HINT, redaction._DOB),
    (redaction._ADDRESS_HINT, redaction._ADDRESS),
    (redaction._FLAT_HINT, redaction._FLAT_ALONE),
    (redaction._POSTCODE_HINT, redaction._POSTCODE),
]


@pytest.mark.parametrize(("hint", "pattern"), _HINTED, ids=lambda p: str(p)[:40])
@settings(max_examples=300, deadline=None)
@given(text=_texts(_DETAILS, "ab1 .,(\t-/:'"))
def test_a_text_without_the_hint_has_no_match(hint, pattern, text):
    if hint.search(text) is None:
        assert pattern.search(text) is None


# --- numbers -----------------------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.one_of(st.text("0123456789", min_size=1, max_size=4), st.sampled_from(" -().+\t/a")),
        max_size=12,
    ).map("".join)
)
def test_fewer_than_eight_digits_are_never_a_number(text):
    if len(redaction._DIGIT.findall(text)) < redaction._FEWEST_NUMBER_DIGITS:
        for run in redaction._NUMBER_RUN.finditer(text):
            groups = redaction._groups(run)
            assert all(redaction._number_at(groups, i) is None for i in range(len(groups)))


# --- known names ---------------------------------------------------------------------------

_COMMUNITY = [
    "Priya Shah", "Will", "Will Hope", "sam_99", "__", "Tom O'Neill (he/him)", "Kerry-Ann Smith",
    "Jo", "Ánna Brown", "Person 12", "the admin", "x_y_z", "Bo",
]  # fmt: skip
_NAMED = [
    "Priya", "priya's", "PRIYA’S", "Shah", "Will", "will", "Hope", "sam_99", "Sam_x", "__", "_",
    "O'Neill", "Smith-Jones", "Kerry-Ann", "Jo", "jo's", "Ánna", "Person 12", "May", "Admin",
    "x_y", "x_y_z", "Bo's", "Bob", "12",
]  # fmt: skip


@settings(max_examples=500, deadline=None)
@example(names=["__"], text="hi __ there")  # a name with no piece: the check cannot see it
@example(names=["x_y_z"], text="x_y_z.")  # a full name whose first word is no name part
@given(
    names=st.lists(st.sampled_from(_COMMUNITY), max_size=4),
    text=_texts(_NAMED, " .,'’-_\n1é“…\u00a0"),
)
def test_known_names_are_found_as_word_by_word(names, text):
    known = redaction.KnownNames.build(names)
    assert list(known.spans(text)) == list(known._word_by_word(text))


# --- cues --------------------------------------------------------------------------------------

_DETERMINERS = ["my", "our", "the", "a", "an", "another", "Mum's", "Tom’s", "THEIR", "x-my"]
_DESCRIBING = ["lovely", "old", "GP", "NHS", "step-", "Lovely", "ABCDE"]
_ROLES = redaction._RELATIONS[::3]
_PERSONS = ["lady", "man", "fella", "someone", "Dr", "Sister", "Prof", "mrs", "name", "is"]
_AFTER = ["called", "named", "known as", "name is", "name's", "is called", "'s called"]
_AFTER += ["surname", "Dr", "Mrs.", "Prof.", "Tom", "Amy", "Jane Smith", "Carer Support Group"]
_SPACES = [" ", "  ", "\t"]
_OTHERS = [",", ", ", ": ", " (", " - ", "-", "–", "\n", ". ", "'s ", ""]


def _cue_like() -> st.SearchStrategy[str]:
    """A determiner, up to three describing words, a role or a person and what may follow
    ("our lovely old lady known as Tom"), mostly with spaces between."""
    words = st.tuples(
        st.sampled_from(_DETERMINERS),
        st.lists(st.sampled_from(_DESCRIBING), max_size=3),
        st.one_of(st.sampled_from(_ROLES), st.sampled_from(_PERSONS)),
        st.lists(st.sampled_from(_AFTER), max_size=3),
    ).map(lambda t: [t[0], *t[1], t[2], *t[3]])
    link = st.one_of(st.sampled_from(_SPACES), st.sampled_from(_SPACES), st.sampled_from(_OTHERS))
    return words.flatmap(
        lambda ws: st.lists(link, min_size=len(ws), max_size=len(ws)).map(
            lambda links: "".join(w + gap for w, gap in zip(ws, links, strict=True))
        )
    )


@settings(max_examples=1000, deadline=None)
@example("a lovely old lady called Tom")  # the most words before an anchor ("called")
@example("so our NHS GP fella known as Bob")
@example("my son- Tom and my ex–wife")  # a role, then a dash
@example("(Dr Patel; Prof.Ng) name is Jo")
@given(
    st.lists(st.one_of(_cue_like(), st.text(" .,ab\n’“…\u00a0", max_size=3)), max_size=4).map(
        "".join
    )
)
def test_cues_are_found_as_by_the_plain_search(text):
    assert [m.span() for m in redaction._cues(text)] == [
        m.span() for m in redaction._CUE.finditer(text)
    ]


# --- hints of the detectors real participant words added ---------------------------------------

_CARE_SETTINGS = [
    "care home", "nursing home", "residential home", "rest home", "retirement home",
    "residential care", "care centre", "care center", "day centre", "day center",
    "day service", "day hospice", "hospice", "respite unit", "respite centre", "respite home",
    "respite house", "supported living", "supported housing", "extra care",
    "sheltered housing", "group home",
]  # fmt: skip


@pytest.mark.parametrize("setting", _CARE_SETTINGS)
def test_every_care_setting_holds_a_hint(setting):
    for written in (setting, setting.upper(), setting.title()):
        assert re.fullmatch(redaction._CARE_SETTING, written)
        assert any(hint in written.lower() for hint in redaction._CARE_HINTS)


def test_every_network_name_holds_a_hint():
    from bot.reflections import identifiers

    for name in re.sub(r"\(\?:[^)]*\)\??", "", identifiers._NETWORKS).split("|"):
        assert any(hint in name for hint in identifiers._NETWORK_HINTS), name
    for written in ("instagram", "snapchat", "insta", "snap"):
        assert any(hint in written for hint in identifiers._NETWORK_HINTS)


@settings(max_examples=300, deadline=None)
@given(_texts(["Sunnyside", " Care Home", " day centre", "the Beeches", "oak lodge", " "], "aC "))
def test_care_places_are_found_with_or_without_the_hint(text):
    found = [m.span("name") for m in redaction._CARE_PLACE.finditer(text)]
    if not any(hint in text.lower() for hint in redaction._CARE_HINTS):
        assert found == []


# --- places of the words that thanks, contact and a person's deeds start with -------------------

# Every word either list holds, and what comes between them and a name.
_SAID_TO = [
    *sorted(redaction._ADDRESSED_WORDS | redaction._ALL_DEED_WORDS),
    " you",
    " to ",
    " with ",
    " for ",
    " out ",
    " up ",
    "-",
    ", ",
    "Ngozi ",
    "’",
    "x",
]


@pytest.mark.parametrize(
    ("words", "pattern"),
    [
        (redaction._ADDRESSED_WORDS, redaction._ADDRESSED),
        (redaction._ALL_DEED_WORDS, redaction._DEED),
    ],
)
@settings(max_examples=500, deadline=None)
@example(text="Thanks, Ngozi")
@example(text="x-said Ngozi rang")
@given(text=_texts(_SAID_TO, " \t.,-'ABé\u00a0"))
def test_every_place_a_word_pattern_can_match_is_looked_at(words, pattern, text):
    can_match = {at for at in range(len(text) + 1) if pattern.match(text, at)}
    assert can_match <= set(redaction._places_of(text, words, pattern))


_THANKS_AND_CONTACT = [
    "thanks", "thanks to", "thanks go to", "thank you", "thank you to", "cheers", "shout out to",
    "shoutout to", "shout-outs to", "credit to", "grateful to", "thankful to", "ask for",
    "asked for", "asking for", "spoke to", "speak with", "speaking to", "talk to",
    "talked with", "talking to", "chat to", "chatted with", "chatting to", "met with",
    "met up with", "rang", "phoned", "texted", "emailed", "messaged", "thank", "thanking",
    "thanks on to", "thank u", "kudos", "kudos to", "well done", "praise for", "love to", "hi",
    "hiya", "hello", "dear", "helped by", "visited by", "supported by", "ask", "asks", "asked",
    "asking", "told", "tell", "tells", "telling", "thanked", "hugged", "miss", "missed", "saw",
    "met", "ring", "rings", "ringing", "phone", "phones", "phoning", "call", "calls", "calling",
    "text", "texts", "texting", "email", "e-mail", "emails", "emailing", "message", "messages",
    "messaging", "see", "sees", "seeing", "thank you so much", "thanks very much",
]  # fmt: skip
_DEEDS = sorted(redaction._ALL_DEED_WORDS)


@pytest.mark.parametrize(
    ("text", "words", "pattern"),
    [(f"We {said} Ngozi", redaction._ADDRESSED_WORDS, redaction._ADDRESSED) for said in
     _THANKS_AND_CONTACT]
    + [(f"Then Ngozi {did}", redaction._ALL_DEED_WORDS, redaction._DEED) for did in _DEEDS],
)  # fmt: skip
def test_each_way_of_thanking_contacting_or_doing_is_looked_at(text, words, pattern):
    at = text.rindex(" ") + 1 if pattern is redaction._DEED else 3
    assert pattern.match(text, at) and at in set(redaction._places_of(text, words, pattern))
