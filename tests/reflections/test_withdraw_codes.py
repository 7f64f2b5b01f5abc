"""Withdrawal codes: the shape people are shown, read back however they type it, and every
character of every group drawn from the whole alphabet (a code that could be guessed would
let someone take back another person's reflection)."""

from collections import Counter

from bot.reflections.anonymity import CODE_ALPHABET, CODE_GROUPS, GROUP_LENGTH, new_code, read_code


def test_a_code_is_the_session_then_three_groups_read_back_however_typed():
    shown, secret = new_code(12)
    head, *groups = shown.split("-")
    assert head == "12" and [len(g) for g in groups] == [GROUP_LENGTH] * CODE_GROUPS
    assert "".join(groups) == secret and set(secret) <= set(CODE_ALPHABET)
    assert read_code(shown) == (12, secret)
    assert read_code(f"  {shown.lower().replace('-', ' - ')} ") == (12, secret)


def test_every_place_in_a_code_takes_every_letter_about_as_often():
    codes = [new_code(1)[1] for _ in range(6200)]
    for place in range(CODE_GROUPS * GROUP_LENGTH):
        seen = Counter(code[place] for code in codes)
        # 200 expected for each of the 31 letters; a stuck or lopsided place is far outside.
        assert set(seen) == set(CODE_ALPHABET), place
        assert 120 < min(seen.values()) and max(seen.values()) < 290, (place, seen)
    assert len(set(codes)) == len(codes)
