"""Splitting long Markdown for platform limits, and packing the pieces into messages."""

import itertools
import re
import unicodedata

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.splitting import pack_chunks, split_text


def assert_reconstructs(text: str, chunks: list[str]) -> None:
    """The chunks appear in `text` in order, with only whitespace left out between them."""
    pos = 0
    for chunk in chunks:
        while not text.startswith(chunk, pos):
            assert pos < len(text) and text[pos].isspace(), (text, chunks)
            pos += 1
        pos += len(chunk)
    assert not text[pos:].strip()


def assert_only_long_words_broken(text: str, chunks: list[str], limit: int) -> None:
    """Where nothing was dropped between two chunks, the cut went through a word longer than
    the limit: the first chunk is that word's start, filling the whole limit, or stopping
    just short of it so as not to part a character from its accent or joiner."""
    pos = 0
    for before, chunk in itertools.pairwise(chunks):
        pos = text.index(before, pos) + len(before)
        if text.startswith(chunk, pos) and not text[pos].isspace() and not before[-1:].isspace():
            start = pos - len(before)
            assert len(before) == limit or joins(text, start + limit), (text, before)
            assert not any(ch.isspace() for ch in before.strip())


def joins(text: str, index: int) -> bool:
    """`index` is inside a user-perceived character (an extended grapheme cluster, as the
    `regex` module segments text)."""
    bounds = {m.start() for m in regex.finditer(r"\X", text)}
    return index not in bounds or any(
        unicodedata.category(c) in ("Mn", "Me", "Mc") or c in "\u200d\ufe0f"
        for c in text[index : index + 1]
    )


# --- examples -----------------------------------------------------------------------------------


def test_short_text_is_one_chunk():
    assert split_text("Hello there.", 100) == ["Hello there."]


def test_blank_text_gives_no_chunks():
    assert split_text("", 10) == []
    assert split_text(" \n\n \t", 10) == []


def test_prefers_paragraph_breaks():
    text = "First paragraph, one line.\nStill first.\n\nSecond paragraph here."
    assert split_text(text, 45) == [
        "First paragraph, one line.\nStill first.",
        "Second paragraph here.",
    ]


def test_then_line_breaks():
    text = "Line one is here.\nLine two. And more words"
    assert split_text(text, 30) == ["Line one is here.", "Line two. And more words"]


def test_then_sentence_ends():
    text = "One sentence here. Another one follows it on"
    assert split_text(text, 30) == ["One sentence here.", "Another one follows it on"]


def test_then_spaces():
    assert split_text("alpha beta gamma delta", 12) == ["alpha beta", "gamma delta"]


def test_a_break_too_early_is_passed_over_for_a_later_one():
    # A paragraph break after 3 characters would leave a tiny chunk: break at a space instead.
    text = "Hi.\n\nthis is a longer line of words that goes on"
    assert split_text(text, 30)[0] == "Hi.\n\nthis is a longer line of"


def test_only_an_overlong_word_is_cut():
    assert split_text("a " + "x" * 25 + " b", 10) == ["a", "x" * 10, "x" * 10, "x" * 5 + " b"]


def test_code_block_kept_whole_when_it_fits():
    code = "```python\ndef f():\n    return 1\n```"
    text = "Intro words here.\n" + code + "\nAfter."
    chunks = split_text(text, len(code) + 2)
    assert code in chunks


def test_code_block_longer_than_the_limit_is_split_at_lines():
    code = "```\n" + "\n".join(f"line {n}" for n in range(20)) + "\n```"
    chunks = split_text(code, 40)
    assert all(len(c) <= 40 for c in chunks)
    assert_reconstructs(code, chunks)
    assert all(not c.endswith("lin") for c in chunks)


def test_indentation_of_a_new_chunk_is_kept():
    text = "para one\n\n    indented code line"
    assert split_text(text, 25) == ["para one", "    indented code line"]


def test_bad_limit():
    with pytest.raises(ValueError, match="limit"):
        split_text("x", 0)


def test_pack_for_discord_embeds():
    chunks = split_text("word " * 5000, 4096)
    groups = pack_chunks(chunks, per_group_limit=6000, max_items=10)
    assert [c for g in groups for c in g] == chunks
    assert all(sum(map(len, g)) <= 6000 and len(g) <= 10 for g in groups)
    # Two full embeds never fit in 6000 characters; the short last one joins its neighbour.
    assert [len(g) for g in groups] == [1] * (len(chunks) - 2) + [2]


def test_pack_for_slack_blocks():
    chunks = split_text("word " * 40_000, 3000)
    groups = pack_chunks(chunks, per_group_limit=40_000, max_items=50)
    assert [len(g) for g in groups][:-1] == [13] * (len(groups) - 1)


def test_pack_with_a_cost_per_item():
    groups = pack_chunks(
        ["aaaa", "bbbb", "cccc"], per_group_limit=12, max_items=5, cost=lambda c: len(c) + 2
    )
    assert groups == [["aaaa", "bbbb"], ["cccc"]]


def test_pack_refuses_a_chunk_bigger_than_a_group():
    with pytest.raises(ValueError, match="smaller limit"):
        pack_chunks(["x" * 11], per_group_limit=10, max_items=3)
    with pytest.raises(ValueError):
        pack_chunks(["x"], per_group_limit=10, max_items=0)


def test_pack_nothing():
    assert pack_chunks([], 10, 2) == []


def test_an_overlong_word_is_never_cut_between_a_letter_and_its_accent():
    text = "a" * 9 + "e\u0301" * 3  # "é" written as e + combining acute
    chunks = split_text(text, 10)
    assert chunks[0] == "a" * 9
    assert "".join(chunks) == text
    assert not any(unicodedata.combining(chunk[0]) for chunk in chunks)


@pytest.mark.parametrize(
    "cluster",
    [
        "\U0001f1ec\U0001f1e7",  # a flag: two regional indicators
        "\U0001f469\u200d\U0001f469\u200d\U0001f467",  # a family, joined by ZWJs
        "\U0001f44d\U0001f3fd",  # thumbs up, medium skin tone
        "\u2764\ufe0f",  # a heart shown as an emoji
        "\U0001f3f4\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f",  # Wales
    ],
)
def test_emoji_are_never_cut_in_half(cluster):
    text = cluster * 12
    for limit in range(len(cluster), len(cluster) * 3):
        chunks = split_text(text, limit)
        assert "".join(chunks) == text
        assert all(chunk.startswith(cluster) and len(chunk) <= limit for chunk in chunks)


def test_what_must_stay_whole_is_not_cut():
    text = "&amp;" * 10
    chunks = split_text(text, 12, whole=re.compile("&amp;"))
    assert chunks == ["&amp;&amp;"] * 5
    # A space inside something that must stay whole is no place to cut either.
    text = "see <https://x.example|the council page> today"
    assert split_text(text, 38) == ["see <https://x.example|the council", "page> today"]
    assert split_text(text, 38, whole=re.compile(r"<[^<>]*>")) == [
        "see",
        "<https://x.example|the council page>",
        "today",
    ]


def test_something_longer_than_the_limit_may_still_be_cut():
    assert split_text("&amp;" * 3, 4, whole=re.compile("&amp;")) == ["&amp", ";&am", "p;&a", "mp;"]


# --- properties ---------------------------------------------------------------------------------

_markdown = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "word",
                "longerword",
                "a",
                "Sentence.",
                "end!",
                "```",
                "    ",
                "\t",
                "\n",
                "\n\n",
                " ",
                " ",
                " ",
                "x" * 30,
                "- item",
                "# head",
                "é",
                "🙂",
            ]
        ),
        st.text(max_size=5),
    ),
    max_size=60,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(_markdown, st.integers(min_value=1, max_value=60))
def test_split_properties(text, limit):
    chunks = split_text(text, limit)
    assert all(0 < len(c) <= limit for c in chunks)
    assert all(c.strip() for c in chunks)
    assert_reconstructs(text, chunks)
    assert_only_long_words_broken(text, chunks, limit)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(["Some words here.", "More text", "and so on"]), max_size=6),
    st.lists(st.sampled_from(["x = 1", "  y = 2", "print(x)"]), min_size=1, max_size=4),
    st.integers(min_value=0, max_value=20),
)
def test_code_blocks_that_fit_stay_whole(before, code_lines, slack):
    code = "```\n" + "\n".join(code_lines) + "\n```"
    text = " ".join(before) + "\n" + code + "\nAfter the code."
    chunks = split_text(text, len(code) + slack)
    assert any(code in c for c in chunks)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(min_size=1, max_size=30), max_size=40),
    st.integers(min_value=30, max_value=100),
    st.integers(min_value=1, max_value=10),
)
def test_pack_properties(chunks, per_group_limit, max_items):
    groups = pack_chunks(chunks, per_group_limit, max_items)
    assert [c for g in groups for c in g] == chunks
    assert all(g for g in groups)
    assert all(len(g) <= max_items and sum(map(len, g)) <= per_group_limit for g in groups)
    # Greedy: nothing in a group would have fitted into the one before it.
    for earlier, later in itertools.pairwise(groups):
        assert len(earlier) == max_items or sum(map(len, earlier)) + len(later[0]) > per_group_limit


_clusters = st.lists(
    st.sampled_from(
        [
            "a",
            "e\u0301",
            "o\u0308\u0301",
            "\U0001f1ec\U0001f1e7",
            "\U0001f1eb\U0001f1f7",
            "\U0001f469\u200d\U0001f467",
            "\U0001f44d\U0001f3fd",
            "\u2764\ufe0f",
            "1\ufe0f\u20e3",
            "\u1100\u1161\u11a8",
            "\u0915\u093f",
            " ",
            "\n",
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(_clusters, st.integers(min_value=4, max_value=30))
def test_no_cut_falls_inside_a_user_perceived_character(text, limit):
    bounds = {m.start() for m in regex.finditer(r"\X", text)} | {len(text)}
    chunks = split_text(text, limit)
    assert_reconstructs(text, chunks)
    pos = 0
    for chunk in chunks:
        pos = text.index(chunk, pos)
        assert pos in bounds and pos + len(chunk) in bounds, (text, chunks)
        pos += len(chunk)


# Each kind of Hangul part and a letter: leading consonant (old and new blocks), vowel,
# trailing consonant, a syllable with and without its trailing consonant. (A combining mark
# second; never first, where it would join the "x" before it too.)
_HANGUL_PARTS = "d\u1100\ua960\u1161\ud7b0\u11a8\ud7cb\uac00\uac01"
_PAIRS = list(itertools.product(_HANGUL_PARTS, _HANGUL_PARTS + "\u0301"))


@pytest.mark.parametrize(("first", "second"), _PAIRS, ids=ascii)
def test_hangul_parts_are_kept_together_exactly_when_they_make_one_syllable(first, second):
    # A cut at the limit would fall between the two: it moves back one only if they show as
    # one character (the `regex` module's segmenting, Unicode's rules, is the judge).
    together = len(regex.findall(r"\X", first + second)) == 1
    chunks = split_text("x" + first + second, 2)
    assert chunks == (["x", first + second] if together else ["x" + first, second])
