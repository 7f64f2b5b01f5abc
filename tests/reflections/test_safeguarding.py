"""Risk detection: each category, common misspellings, and everyday sentences left alone."""

from collections import Counter
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.yaml_data import load_yaml
from bot.engine.texts import Texts
from bot.reflections.safeguarding import (
    TERMS_FILE,
    SafeguardingTerms,
    SafeguardingTermsError,
    load_terms,
    normalise,
    risk_matches,
    within_one_slip,
)

CATEGORIES = ["self_harm", "harm_to_others", "abuse", "neglect", "not_safe", "distress"]


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # harm to self
        ("Some days I want to kill myself.", "self_harm"),
        ("I just want to end it all", "self_harm"),
        ("I have felt suicidal since the review", "self_harm"),
        ("I thought about suicide", "self_harm"),
        ("I hurt myself last week", "self_harm"),
        ("I self-harm when it gets bad", "self_harm"),
        ("I've been selfharming", "self_harm"),
        ("I don't want to be here anymore", "self_harm"),
        ("I took an overdose in March", "self_harm"),
        ("I cut myself", "self_harm"),
        # harm to others
        ("I could hurt someone", "harm_to_others"),
        ("I will kill him", "harm_to_others"),
        ("I want to kill them", "harm_to_others"),
        # abuse
        ("I was abused as a child", "abuse"),
        ("My son hits me", "abuse"),
        ("He hit me when I asked", "abuse"),
        ("I was beaten", "abuse"),
        ("She shouted at me every day", "abuse"),
        ("He takes my money", "abuse"),
        ("It was financial abuse", "abuse"),
        ("He touched me and I said no", "abuse"),
        ("My carer is abusive", "abuse"),
        # neglect
        ("I was neglected", "neglect"),
        ("Left alone all day without food", "neglect"),
        ("Mum has not been fed since yesterday", "neglect"),
        ("Dad was left in wet pads overnight", "neglect"),
        ("The bed was soiled", "neglect"),
        ("I rang and no one came", "neglect"),
        ("Nobody came all weekend", "neglect"),
        # not feeling safe
        ("I am not safe", "not_safe"),
        ("I don't feel safe at home", "not_safe"),
        ("The house is unsafe", "not_safe"),
        ("I'm scared to go home", "not_safe"),
        ("I'm frightened of my carer", "not_safe"),
        ("I am afraid of him", "not_safe"),
        # fear of going home, being hurt, not eating, money taken
        ("I'm scared of going home", "not_safe"),
        ("Honestly I dread going home after these sessions", "not_safe"),
        ("I don't want to go home tonight", "not_safe"),
        ("I get hurt when he drinks", "abuse"),
        ("he keeps hurting me", "abuse"),
        ("My money goes missing every week", "abuse"),
        ("My nephew stole my money", "abuse"),
        ("I'm not eating properly", "neglect"),
        ("There is nothing to eat in the house", "neglect"),
        ("I haven't eaten since Monday", "neglect"),
        # hunger: nobody feeding someone, going hungry
        ("Nobody feeds me and I am hungry", "neglect"),
        ("No one feeds mum when I am at work", "neglect"),
        ("My carer never gives me my dinner", "neglect"),
        ("I go hungry most days", "neglect"),
        ("I never get my tea", "neglect"),
        ("The carers left him hungry", "neglect"),
        ("I'm always hungry", "neglect"),
        # kept in, kept from others, left without help
        ("They keep me in bed all day", "neglect"),
        ("Nobody has washed me for a week", "neglect"),
        ("I sleep in my chair because no one helps me to bed", "neglect"),
        ("I have to beg for my tablets", "neglect"),
        ("They don't let me out", "abuse"),
        ("My daughter won't let me use the phone", "abuse"),
        ("He took my phone off me", "abuse"),
        ("I get slapped when I'm slow", "abuse"),
    ],
)
def test_each_category(text, category):
    assert category in risk_matches(text)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("thinking about sucide", "self_harm"),
        ("I feel suicdal", "self_harm"),
        ("i want to kil myslef", "self_harm"),
        ("SELF HARM", "self_harm"),
        ("self - harm", "self_harm"),
        ("end it alllll", "self_harm"),
        ("overdosed", "self_harm"),
        ("I was abbused", "abuse"),
        ("abuesd", "abuse"),
        ("negelct", "neglect"),
        ("neglectd", "neglect"),
        ("I nt safe", "not_safe"),
        ("dont feel safe", "not_safe"),
        ("don’t feel safe", "not_safe"),
        ("NOT SAFE!!!", "not_safe"),
        ("noone came", "neglect"),
    ],
)
def test_misspellings_and_shorthand(text, category):
    assert category in risk_matches(text)


@pytest.mark.parametrize(
    "text",
    [
        "This is a safe space",
        "I feel safe now",
        "It felt like a safe space to speak",
        "The assessment was long and confusing.",
        "Staff listened to me and it helped.",
        "I was amused by the story",
        "The story really touched me",
        "It really hit me how hard carers work",
        "In the end it all worked out",
        "I don't want to live in a care home",
        "We were not fed back the results",
        "I had eaten before I came",
        "We sailed through the review",
        "The food was overdone",
        "She looked me in the eye",
        "Budget cuts are going to hurt",
        "I didn't want to hurt her feelings",
        "I want to take my life back",
        "I could kill for a brew",
        "Off the beaten track",
        "None of us knew what to expect",
        "My son never gets his lunch money on time",
        "We talked about how families go hungry when benefits are late",
        "My son is a teenager and is hungry after school",
        "The flu kept me in bed all week",
        "I have to beg the council for help",
        "Can you let me use the phone",
        "I was slapped with a parking fine",
        "Staff keep us in the loop",
        "",
        "   ",
    ],
)
def test_everyday_sentences_do_not_trigger(text):
    assert risk_matches(text) == []


def test_several_categories_in_file_order():
    found = risk_matches("He hits me and I want to end it all, no one came")
    assert found == ["self_harm", "abuse", "neglect"]


def test_a_phrase_cannot_be_made_from_an_ignored_phrase():
    # "it really hit me" is everyday speech; the "me" inside it must not complete "hit me".
    assert risk_matches("it really hit me") == []
    assert risk_matches("he hit me") == ["abuse"]


def test_shipped_terms_cover_the_worded_categories():
    terms = load_terms()
    assert list(terms.categories) == CATEGORIES
    strings = Texts.load().strings
    for category in terms.categories:
        assert f"safeguarding.kind.{category}" in strings


def test_normalise():
    assert normalise("Don’t  SOOO self-harm!!") == ["dont", "so", "self", "harm"]
    assert normalise("dont", {"dont": ["do", "not"]}) == ["do", "not"]


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("£300", ["money"]),
        ("£3,000.", ["money"]),
        ("(£2.50)", ["money"]),
        ("£3k", ["money"]),
        ("50€", ["money"]),
        ("$20,", ["money"]),
        # Without its sign a number is only a number: tablets, a bus, a year.
        ("300", ["30"]),
        ("30 tablets", ["30", "tablets"]),
        ("£3kg", ["3kg"]),
        ("paid£30", ["paid", "money"]),
    ],
)
def test_a_sum_with_its_sign_reads_as_money(typed, read):
    assert normalise(typed) == read


@pytest.mark.parametrize(
    "sum_",
    [
        *("£300", "£3,000", "£2.50", "£3k", "50€", "300 quid", "3,000 pounds", "2 grand"),
        *("50 euros", "three hundred quid", "two hundred and fifty pounds", "a grand"),
        *("a tenner", "hundreds of pounds", "a couple of hundred quid", "a few hundred pounds"),
        *("a few quid", "a couple of quid"),
    ],
)
def test_a_sum_taken_off_someone_reaches_safeguarding(sum_):
    assert load_terms().matches(f"he took {sum_} off me") == ["abuse"]


@pytest.mark.parametrize(
    "qualifier",
    ["nearly", "all of", "about", "over", "more than", "at least", "well over", "getting on for"],
)
@pytest.mark.parametrize("sum_", ["£300", "300 quid", "three hundred pounds", "a grand"])
def test_how_big_a_sum_was_is_read_with_it(qualifier, sum_):
    # Each was missed before (2026-12-03): "took nearly money off me" matched no phrase.
    assert load_terms().matches(f"he took {qualifier} {sum_} off me") == ["abuse"]


def test_how_big_a_sum_was_raises_nothing_on_its_own():
    terms = load_terms()
    assert terms.matches("the trip cost nearly £40 each") == []
    assert terms.matches("we raised more than 300 quid") == []
    assert terms.matches("i worry about money") == []


def test_a_number_alone_is_not_a_sum():
    # It may be anything: tablets, a bus, a year.
    terms = load_terms()
    assert terms.matches("he took 300 off me") == []
    assert terms.matches("he took three off me") == []


def test_a_number_and_its_unit_are_one_sum_only_within_a_sentence():
    terms = load_terms()
    assert terms.matches("he took 300. Quid is what he calls it, off me") == []
    assert terms.matches("he took three. Pounds are what he wants off me") == []
    assert terms.matches("i lost 5 pounds in weight and took my tablets") == []


@pytest.mark.parametrize(
    ("a", "b", "close"),
    [
        ("suicide", "suicide", True),
        ("sucide", "suicide", True),  # letter dropped
        ("suiccide", "suicide", True),  # letter added
        ("suicade", "suicide", True),  # letter changed
        ("negelct", "neglect", True),  # two letters swapped
        ("eaten", "beaten", False),  # first letter differs
        ("sucdie", "suicide", False),  # two slips
        ("abuse", "abusers", False),
        ("", "a", False),
    ],
)
def test_within_one_slip(a, b, close):
    assert within_one_slip(a, b) is close
    assert within_one_slip(b, a) is close


# --- the terms file format ---------------------------------------------------------------------

SMALL = """
rewrites: {dont: do not}
groups: {person: [him, my carer]}
ignore: [safe space]
not_misspellings: [amused]
categories:
  abuse:
    words: [abuse, "molest*"]
    exact_words: [rape]
    phrases: ["hit {person}"]
  not_safe:
    phrases: [not feel safe]
"""


def test_terms_from_yaml():
    terms = SafeguardingTerms.from_yaml(SMALL)
    assert terms.matches("he would hit my carer") == ["abuse"]
    assert terms.matches("molested") == ["abuse"]
    assert terms.matches("abuze") == ["abuse"]
    assert terms.matches("amused") == []
    assert terms.matches("rapid") == []  # exact words allow no slips
    assert terms.matches("I dont feel safe") == ["not_safe"]
    assert terms.matches("not a safe space") == []
    assert risk_matches("abuse", terms) == ["abuse"]


@pytest.mark.parametrize(
    "bad",
    [
        "just text",
        "categories: [a, b]",
        "categories: {abuse: [x]}",
        "categories: {abuse: {words: abuse}}",
        "categories: {abuse: {phrases: ['hit {nobody}']}}",
        "categories: {abuse: {words: ['two words']}}",
        "categories: {abuse: {words: ['!!!']}}",
        "rewrites: [a]\ncategories: {}",
        "categories: {abuse: {words: [x]}",
        "categories: {abuse: {phrases: ['go <end> on']}}",
        "ignore: ['not {nobody}']\ncategories: {}",
    ],
)
def test_bad_terms_files_are_refused_with_a_reason(bad):
    with pytest.raises(SafeguardingTermsError, match=r"terms\.yaml"):
        SafeguardingTerms.from_yaml(bad)


ENDS = """
rewrites: {cant: can not, im: i am, wouldnt: would not}
groups: {state: [suicidal, abused], not: [not, never been]}
ignore: ["{not} {state}"]
categories:
  self_harm:
    words: [suicidal]
  distress:
    phrases: [i can not go on <end>]
"""


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("i cant go on", ["distress"]),
        ("I can't go on.", ["distress"]),
        ("i cant go on!! what do i do", ["distress"]),
        ("i cant go on\nnobody listens", ["distress"]),
        ('she said "i cant go on." and left', ["distress"]),
        ("i cant go on 😢", ["distress"]),
        ("i cant go on the bus any more", []),
        ("i cant go on holiday", []),
    ],
)
def test_a_phrase_can_say_it_ends_a_sentence(text, found):
    assert SafeguardingTerms.from_yaml(ENDS).matches(text) == found


def test_no_phrase_runs_on_into_the_next_sentence():
    terms = SafeguardingTerms.from_yaml("categories: {abuse: {phrases: [hit me]}}")
    assert terms.matches("he hit me") == ["abuse"]
    assert terms.matches("they didnt hit. me neither") == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("im not suicidal, just fed up", []),
        ("i have never been abused", []),
        ("i'm not suicidal but i feel suicidal some nights", ["self_harm"]),
        ("i am suicidal", ["self_harm"]),
        ("i wouldnt say im suicidal", ["self_harm"]),
    ],
)
def test_a_plain_not_is_ignored_through_groups(text, found):
    assert SafeguardingTerms.from_yaml(ENDS).matches(text) == found


def test_long_text_is_handled():
    text = "The review went well and staff listened to what we said. " * 40
    assert risk_matches(text) == []
    assert risk_matches(text + "But I feel unsafe.") == ["not_safe"]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_handled(text):
    found = risk_matches(text)
    assert set(found) <= set(CATEGORIES)
    assert len(found) == len(set(found))


def test_no_term_is_listed_twice_in_a_category():
    """A word or phrase written twice in one category reads as if it mattered twice and hides
    how long the list really is from whoever reviews it (29 were, before 2026-12-03)."""
    data = load_yaml(resources.files("prompts").joinpath(TERMS_FILE).read_text("utf-8"))
    twice = [
        (category, kind, term)
        for category, lists in data["categories"].items()
        for kind, terms in lists.items()
        for term, count in Counter(terms).items()
        if count > 1
    ]
    assert not twice


# --- The eleventh round (2026-12-04): said in other shapes -----------------------------------


@pytest.mark.parametrize("who", ["he", "my dad", "a member of staff", "one of the carers", "my ex"])
@pytest.mark.parametrize("threat", ["will hurt me", "would hit me", "is going to slap mum"])
def test_a_threat_with_will_or_would_reaches_safeguarding(who, threat):
    assert "abuse" in load_terms().matches(f"{who} {threat} if i tell")


@pytest.mark.parametrize("who", ["i was", "mum was", "my son was", "we were", "i have been"])
@pytest.mark.parametrize("done", ["hit", "slapped", "grabbed", "spat at", "bullied", "assaulted"])
def test_harm_said_in_the_passive_reaches_safeguarding(who, done):
    assert "abuse" in load_terms().matches(f"{who} {done} by a member of staff")


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # a threat to kill, reported
        ("he said he would kill me if i left", "abuse"),
        ("she says she will kill mum", "abuse"),
        ("messages saying they are going to kill me", "abuse"),
        # things stolen or gone missing, money handed over
        ("my carer stole my rings", "abuse"),
        ("the new girl has been stealing from mum", "abuse"),
        ("money keeps going missing", "abuse"),
        ("things have gone missing from her room", "abuse"),
        ("cash missing from my purse again", "abuse"),
        ("he emptied my bank account", "abuse"),
        ("she has to give her benefits to the man she lives with", "abuse"),
        ("i gave my pin number to the girl who does my shopping", "abuse"),
        # medicines not given, people left
        ("my medication has not been given for three days", "neglect"),
        ("nobody gives dad his insulin", "neglect"),
        ("she has not had her tablets since monday", "neglect"),
        ("mum is left sitting in wet clothes for hours", "neglect"),
        ("he was left in soiled sheets overnight", "neglect"),
        ("people are left in bed till lunchtime", "neglect"),
    ],
)
def test_harm_in_the_eleventh_rounds_shapes_reaches_safeguarding(text, category):
    assert category in load_terms().matches(text)


@pytest.mark.parametrize(
    "text",
    [
        # said in jest, or of things
        "mum would kill me if i forgot her birthday",
        "my wife would hit the roof",
        "the injection will hurt me",
        "it will hurt me to leave the group",
        # the passive of things and kindness
        "i was hit by a car last year",
        "she was hit by a bus but she is fine now",
        "i was touched by how kind they were",
        "i was pushed by my carer to the shops in my wheelchair",
        "we were hit by the cuts like everyone",
        # medicines and details handed over in everyday life
        "i took all my tablets as prescribed this morning",
        "i took all my tablets to the pharmacy for a review",
        "i gave my bank details to the council for the direct payment",
        "the nurse took my rings off before the operation",
    ],
)
def test_the_same_shapes_in_everyday_life_raise_nothing(text):
    assert load_terms().matches(text) == []
