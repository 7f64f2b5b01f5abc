"""The safeguarding check normalises a text a stretch between spaces at a time, remembering
each stretch (issue 17): that gives the words normalising the whole text gives, whatever the
text. (test_screens_as_recorded.py checks the risks found.)"""

from __future__ import annotations

import sys

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.reflections.safeguarding import SENTENCE_END, _plain_tokens, load_terms, normalise

_TYPED = st.lists(
    st.one_of(
        st.sampled_from(["ΟΔΟΣ", "Σ", "ς", "İ", "ı", "ſ", "K", "café", "e\u0301", "ﬁ", "¼", "’"]),
        st.sampled_from(["dont", "noone", "selfharm", "sooo", "I'm", "won't", "u", "nt"]),
        st.text(max_size=4),
        st.sampled_from([" ", "  ", "\n", "\t", "\u00a0", "\u2028", "\u3000", "\x1f"]),
    ),
    max_size=12,
).map("".join)


@settings(max_examples=1000, deadline=None)
@example("ΟΔΟΣ ΣΑΣ")  # a final sigma is told by what follows it, up to a space
@example("cafe\u0301 \u0301x")
@given(_TYPED)
def test_a_text_is_normalised_as_a_whole(text):
    terms = load_terms()
    words = [word for word in terms._normalised(text) if word != SENTENCE_END]
    assert words == normalise(text, terms.rewrites)


def test_no_space_is_normalised_into_a_letter_or_a_digit():
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert [s for s in spaces if _plain_tokens(s)] == []
