"""Redaction takes identifying details out of reflections and leaves everything else alone."""

import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.reflections.given_names import family_names, given_names
from bot.reflections.redaction import find_details, nhs_number_valid, redact, redact_with_report

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


# Lower case only: a capitalised word can be a name said without a cue, and is taken out
# (Hypothesis once drew "SaM", read as Sam); capitalised ordinary words are the examples above.
@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=string.ascii_lowercase + " ,;!?'\n", max_size=300))
def test_text_without_digits_links_mentions_or_capitals_is_unchanged(text):
    assert redact(text) == text


def test_a_capitalised_name_in_any_mix_of_case_is_taken_out():
    assert [redact(word) for word in ("Sam", "SaM", "JoHn")] == ["[name]"] * 3


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("SAM shouted at me", "[name] shouted at me"),
        ("my daughter AMY helps", "my daughter [name] helps"),
        ("my son TOM and IAN came", "my son [name] and [name] came"),
        ("I SAW KIM AT THE GP", "I SAW [name] AT THE GP"),
    ],
)
def test_a_short_name_in_capitals_is_taken_out(text, redacted):
    """Some people write in capitals: a short name in them is still a name."""
    assert redact(text) == redacted


@pytest.mark.parametrize(
    "text",
    [
        "my GP and the NHS and CQC",
        "my son has an ABI",
        "a TED talk about care",
        "the OT came with a KIT day",
        "I WILL TELL THE MEETING",
    ],
)
def test_initials_in_capitals_are_left(text):
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("MY CARER NEVER COMES ON TIME", "MY CARER NEVER COMES ON TIME"),
        ("MY DAUGHTER ALWAYS HELPS", "MY DAUGHTER ALWAYS HELPS"),
        ("MY SON TOM HELPS ME", "MY SON [name] HELPS ME"),
        ("SAM TOLD ME", "[name] TOLD ME"),
        ("MY CARER MARIA SMITH CAME", "MY CARER [name] CAME"),
        ("DR PATEL SAID IT", "DR [name] SAID IT"),
        ("SAM AHMED CAME", "[name] CAME"),
        ("MY NEIGHBOUR NGOZI RANG", "MY NEIGHBOUR [name] RANG"),
        ("MY FRIEND LUCAS CAME", "MY FRIEND [name] CAME"),
        ("MY GP DR PATEL", "MY GP DR [name]"),
        ("MY CARER ARRIVES LATE AND DOESN'T STAY", "MY CARER ARRIVES LATE AND DOESN'T STAY"),
        ("MY DAD CANNOT WALK", "MY DAD CANNOT WALK"),
        ("MY SOCIAL WORKER LISTENED", "MY SOCIAL WORKER LISTENED"),
    ],
)
def test_words_after_a_cue_written_in_capitals_are_names_only_when_they_are(text, redacted):
    """Someone writing in capitals capitalises every word: after "MY CARER" a word in capitals
    is a name when it is one of the given names, follows a title ("DR") or is a longer word
    that does not read as everyday speech; the words that say what the person did are not
    part of it."""
    assert redact(text) == redacted


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("Aunty Precious helps me", "Aunty [name] helps me"),
        ("Uncle Bob came round", "Uncle [name] came round"),
        ("Grandad Joe was a miner", "Grandad [name] was a miner"),
        ("Grandma is poorly", "Grandma is poorly"),
        ("I told my uncle about it", "I told my uncle about it"),
    ],
)
def test_a_family_title_before_a_name_is_a_cue(text, redacted):
    """ "Aunty Precious", "Uncle Bob": as "Dr" and "Mrs" are, written with a capital."""
    assert redact(text) == redacted


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("I live at Rosewood Lodge", "I live at [place]"),
        ("We moved into Maple Court last year", "We moved into [place] last year"),
        ("Living in Bow Court", "Living in [place]"),
        ("I LIVE AT ROSEWOOD LODGE", "I LIVE AT [place]"),
        ("Mum is in Rosewood House, the care home", "Mum is in [place], the care home"),
        ("the care home, Rosewood House, is awful", "the care home, [place], is awful"),
        ("The meeting was at County Hall", "The meeting was at County Hall"),
        ("I live in a council house", "I live in a council house"),
        ("I live in London", "I live in London"),
    ],
)
def test_a_named_house_someone_lives_in_is_taken_out(text, redacted):
    """Where someone lives, named: a house, a block, a care home named beside the words
    "the care home". A town, or a hall where a meeting was, is left."""
    assert redact(text) == redacted


def unlisted(text: str) -> str:
    """`text`, once it is checked that none of its capitalised words is on the lists of given
    and family names (bot/reflections/given_names.txt, family_names.txt): the tests of the
    rules for names on no list must be passed by the rule, not by a list."""
    words = re.findall(r"[^\W\d_]+", text)
    names = given_names() | family_names()
    listed = [w for w in words if w[0].isupper() and w.lower() in names]
    assert not listed, f"{listed} on a list of names: choose a name on no list"
    return text


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("Mele and I run the carers group", "[name] and I run the carers group"),
        ("Me and Tevita went to the meeting", "Me and [name] went to the meeting"),
        ("me & Ihaia", "me & [name]"),
        ("Sione & me", "[name] & me"),
        ("Mum and I went", "Mum and I went"),
        ("The GP and I agreed", "The GP and I agreed"),
        ("Tuesday and I", "Tuesday and I"),
        ("Age UK and me", "Age UK and me"),
        ("Staff and I talked", "Staff and I talked"),
    ],
)
def test_someone_paired_with_the_writer_is_a_name(text, redacted):
    """People pair themselves with people: a capitalised word beside "and I", "me and" is a
    name even with no other cue, but not an everyday, role or time word."""
    assert redact(unlisted(text)) == redacted


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("Thanks to Ihaia for the tea.", "Thanks to [name] for the tea."),
        ("Big thanks to Tevita and Mele.", "Big thanks to [name] and [name]."),
        ("Thank you, Wiremu, for listening", "Thank you, [name], for listening"),
        ("Special thanks to Wiremu who ran it", "Special thanks to [name] who ran it"),
        ("Shout out to Aroha!", "Shout out to [name]!"),
        ("Cheers Rangi", "Cheers [name]"),
        ("Ask for Ngaio at the desk.", "Ask for [name] at the desk."),
        ("I spoke to Ihaia about it", "I spoke to [name] about it"),
        ("we talked with Kahu's team", "we talked with [name]'s team"),
        ("I rang Ngaio twice", "I rang [name] twice"),
        ("THANKS TO AROHA", "THANKS TO [name]"),
        # Not a person: a group, a charity, a service or an everyday word.
        ("Thanks to Age UK for the help.", "Thanks to Age UK for the help."),
        ("Thanks to Carers Trust and the council", "Thanks to Carers Trust and the council"),
        ("Thanks to Citizens Advice", "Thanks to Citizens Advice"),
        ("Thank you Leeds Council", "Thank you Leeds Council"),
        ("Thanks to Zoom we could all meet", "Thanks to Zoom we could all meet"),
        ("Thank God it was over", "Thank God it was over"),
        ("Thanks to everyone", "Thanks to everyone"),
        ("Thanks to Mum and Dad", "Thanks to Mum and Dad"),
        ("I spoke to the GP", "I spoke to the GP"),
        ("I rang NHS 111", "I rang NHS 111"),
        ("Thanks to Staff on the ward", "Thanks to Staff on the ward"),
        ("thanks to Tuesday's group", "thanks to Tuesday's group"),
        ("I rang Social Services", "I rang Social Services"),
        ("Ask for PALS", "Ask for PALS"),
        ("THANKS TO EVERYONE WHO CAME", "THANKS TO EVERYONE WHO CAME"),
        ("Ask for Easy Read letters", "Ask for Easy Read letters"),
        ("Thanks to Shared Lives", "Thanks to Shared Lives"),
        ("I rang Boots about my tablets", "I rang Boots about my tablets"),
        ("We're asked for our views", "We're asked for our views"),
        ("I want to thank Ihaia", "I want to thank [name]"),
        ("Please pass my thanks on to Ihaia", "Please pass my thanks on to [name]"),
        ("Kudos to Losa. Well done Hemi!", "Kudos to [name]. Well done [name]!"),
        ("Hi Aroha, dear Sione and love to Anahera", "Hi [name], dear [name] and love to [name]"),
        ("I was helped by Ihaia", "I was helped by [name]"),
        ("Visited by Tevita every week", "Visited by [name] every week"),
        ("Thank God. Hi All. Hello Everyone", "Thank God. Hi All. Hello Everyone"),
        ("Dear Sir or Madam", "Dear Sir or Madam"),
        (
            "Supported by Shared Lives and helped by Mind",
            "Supported by Shared Lives and helped by Mind",
        ),
    ],
)
def test_someone_thanked_or_spoken_to_is_a_name(text, redacted):
    """People thank people, and ask for, ring and speak to them: a capitalised word after
    "thanks to", "ask for", "spoke to" ... is a name even when it is on no list, unless it
    is an everyday, role or place word, or the start of a group's name ("Age UK")."""
    assert redact(unlisted(text)) == redacted


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("Yesterday Aroha rang me.", "Yesterday [name] rang me."),
        ("Then Ihaia said no", "Then [name] said no"),
        ("because Kahu told me", "because [name] told me"),
        ("when Tevita phoned", "when [name] phoned"),
        ("Aroha rang me yesterday.", "[name] rang me yesterday."),
        ("Ihaia explained it all.", "[name] explained it all."),
        ("and Aroha Tipene told me", "and [name] told me"),
        # Not a person: at a sentence start, a group of people or a thing.
        ("Residents said the food was cold.", "Residents said the food was cold."),
        ("Everyone said so.", "Everyone said so."),
        ("Management told us nothing.", "Management told us nothing."),
        ("Research said otherwise.", "Research said otherwise."),
        ("Then the council rang", "Then the council rang"),
        ("Then Social Services rang", "Then Social Services rang"),
        ("Mum said it was fine", "Mum said it was fine"),
        ("and Covid said no to all that", "and Covid said no to all that"),
        ("You're told to ring back", "You're told to ring back"),
        ("Being asked again was hard", "Being asked again was hard"),
    ],
)
def test_someone_who_said_or_rang_is_a_name(text, redacted):
    """A capitalised word followed by what only a person does ("rang", "said", "told") is a
    name even when it is on no list; at a sentence start, not a plural or an everyday word."""
    assert redact(unlisted(text)) == redacted


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("I saw Aroha at the council", "I saw [name] at the council"),
        ("Ihaia, my carer, is brilliant", "[name], my carer, is brilliant"),
        ("Kahu (my PA) helps", "[name] (my PA) helps"),
        ("Overall, my carer was kind", "Overall, my carer was kind"),
        ("Anyway, my carer came", "Anyway, my carer came"),
        ("Honestly, my GP was great", "Honestly, my GP was great"),
        ("Meanwhile, the council said no", "Meanwhile, the council said no"),
        ("Sorry, my carer is late", "Sorry, my carer is late"),
        ("Hi, my son is autistic", "Hi, my son is autistic"),
        ("January, my carer left", "January, my carer left"),
        ("Covid at the hospital was awful", "Covid at the hospital was awful"),
    ],
)
def test_a_name_set_apart_before_a_role_is_a_name_at_a_sentence_start(text, redacted):
    """Before a role ("the carer", "from/at the council") a capitalised word is a name inside
    a sentence; at its start, where every word has a capital, only when a comma or bracket
    sets the role apart, and not a word that opens sentences ("Overall, my carer")."""
    assert redact(unlisted(text)) == redacted


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        # Told, asked, met, missed, seen, hugged or thanked: what is done to a person.
        ("I told Ihaia I was struggling.", "I told [name] I was struggling."),
        ("I saw Aroha at the shops", "I saw [name] at the shops"),
        ("Ask Whetu, she knows everything.", "Ask [name], she knows everything."),
        ("I asked Hemi to help", "I asked [name] to help"),
        ("we met Sione there", "we met [name] there"),
        ("I really miss Manaia", "I really miss [name]"),
        ("I hugged Tevita and Mele", "I hugged [name] and [name]"),
        # Rung, called, texted or e-mailed, and seen, now or later.
        ("Please ring Aroha tomorrow", "Please ring [name] tomorrow"),
        ("Call Manaia on Monday", "Call [name] on Monday"),
        ("Text Tevita if you are late", "Text [name] if you are late"),
        ("I will e-mail Sione", "I will e-mail [name]"),
        ("I often see Tavita there", "I often see [name] there"),
        ("Thank you so much Aroha!", "Thank you so much [name]!"),
        ("Ask for Hemi or Sefo", "Ask for [name] or [name]"),
        # A person's deed with a word between: "never", "always", "just" ...
        ("Kiri never rang back.", "[name] never rang back."),
        ("and Aroha always says hello", "and [name] always says hello"),
        ("then Rangi just smiled", "then [name] just smiled"),
        # More of what only people do.
        ("Anaru promised to come.", "[name] promised to come."),
        ("then Tavita shouted at me", "then [name] shouted at me"),
        ("Hinemoa apologised twice", "[name] apologised twice"),
        # What people mostly do, inside a sentence.
        ("then Mereana came round", "then [name] came round"),
        ("and Tavita drives me to appointments", "and [name] drives me to appointments"),
        ("because Ihaia helped me", "because [name] helped me"),
        ("but Aroha really knows me", "but [name] really knows me"),
        # Someone's relations and help are a person's.
        ("Ihaia's mum is ill too.", "[name]'s mum is ill too."),
        ("With Ngaire's help I filled it in", "With [name]'s help I filled it in"),
        # Set apart with "who".
        ("Awhina, who runs the cafe, is lovely.", "[name], who runs the cafe, is lovely."),
        ("I love Awhina, who runs the cafe.", "I love [name], who runs the cafe."),
        ("I met Ofa. Awhina, who runs it, is kind.", "I met [name]. [name], who runs it, is kind."),
        # Said to be someone's carer, PA, friend ...
        ("Rangi is my support worker.", "[name] is my support worker."),
        ("Ofa was our best carer", "[name] was our best carer"),
        # Not a person.
        ("I told Social Services", "I told Social Services"),
        ("I asked Google to play music", "I asked Google to play music"),
        ("I saw Manchester United win", "I saw Manchester United win"),
        ("I miss Christmas with everyone", "I miss Christmas with everyone"),
        ("Ask Mum or Dad first", "Ask Mum or Dad first"),
        ("I told Staff on the ward", "I told Staff on the ward"),
        ("Everyone always says that", "Everyone always says that"),
        ("Management never rang back", "Management never rang back"),
        ("Residents often complained", "Residents often complained"),
        ("Nobody promised anything", "Nobody promised anything"),
        ("He has Parkinson's nurse visits", "He has Parkinson's nurse visits"),
        ("Living with Alzheimer's is hard", "Living with Alzheimer's is hard"),
        ("Tesco's delivery came late", "Tesco's delivery came late"),
        ("I asked Discord and Slack", "I asked Discord and Slack"),
        ("Brewbot listens", "Brewbot listens"),
        ("Missing Bingo on Friday", "Missing Bingo on Friday"),
        ("I miss Bingo nights", "I miss Bingo nights"),
        ("Call Social Services first", "Call Social Services first"),
        ("Call Reception or Mum", "Call Reception or Mum"),
        ("See Appendix B", "See Appendix B"),
        ("I text Mum every day", "I text Mum every day"),
        ("Thanks so much everyone", "Thanks so much everyone"),
        ("Music helped me a lot", "Music helped me a lot"),
        ("Art Therapy helped me", "Art Therapy helped me"),
        ("and then Matron came", "and then Matron came"),
        ("then Art Therapy helped me", "then Art Therapy helped me"),
        ("It was hard. Mereana came round", "It was hard. Mereana came round"),
        ("Mereana came round", "Mereana came round"),
        ("and then Christmas came", "and then Christmas came"),
        ("and Covid came along", "and Covid came along"),
        ("and Tesco helps with deliveries", "and Tesco helps with deliveries"),
        ("Nobody knows", "Nobody knows"),
        ("Ask Reception for a form", "Ask Reception for a form"),
        ("Admin never rang back", "Admin never rang back"),
        ("Anyway, who cares?", "Anyway, who cares?"),
        ("(Anyway, who cares, really?)", "(Anyway, who cares, really?)"),
        ("However, who decides, and when?", "However, who decides, and when?"),
        ("Honestly, who knows.", "Honestly, who knows."),
        ("So, who decides?", "So, who decides?"),
        ("Mum is my carer", "Mum is my carer"),
        ("Nobody is my friend there", "Nobody is my friend there"),
        ("Music is my therapy", "Music is my therapy"),
        ("Covid was the worst", "Covid was the worst"),
        ("The council, who never listen, said no", "The council, who never listen, said no"),
        ("Carers UK, who run it, were kind", "Carers UK, who run it, were kind"),
    ],
)
def test_someone_told_seen_or_described_is_a_name(text, redacted):
    """What is done to a person ("I told", "I saw", "ask"), what only a person does with a
    word between ("never rang"), a person's relations ("'s mum"), "who" set apart by a comma,
    and "is my carer" make a capitalised word a name even when it is on no list; not a
    group, a thing, a condition named after someone ("Parkinson's"), or an opening word."""
    assert redact(unlisted(text)) == redacted


def test_an_unlisted_word_after_a_cue_in_capitals_is_marked_for_a_look():
    text = "MY CARER JACK IS LATE"
    assert [(text[f.start : f.end], f.sure) for f in find_details(text)] == [("JACK", False)]


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
    # The number ends the text, so only what follows the last mark can be its tail: the
    # earlier digits, left showing, may happen to read the same ("00 00 00").
    assert "]" in out, out
    after_mark = out.rsplit("]", 1)[1]
    assert digits[-6:] not in "".join(ch for ch in after_mark if ch.isdigit())


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
        "a dot " * 400,
        "a at " * 400,
        "(at) (dot) " * 180,
        "1 Acacia " * 220,
        "12 " * 600,
        "Dr " * 600,
        "my son " * 280,
        "DOB " * 500,
        "born on 3 " * 200,
        ". Will" * 300,
        "Ngozi said " * 180,
        "\tsaid" * 400,
        "x" * 1990 + " said",
        "Thanks to " * 200,
        "thanks, " * 250,
    ],
)
def test_adversarial_input(text):
    out = redact(text, ["Priya Shah", "A B C D E F"])
    assert isinstance(out, str) and out


@pytest.mark.parametrize(
    "text",
    [
        "A" * 100_000,  # one word in capitals: once read from each letter, 137 s
        "I" * 100_000,
        "MY CARER " * 11_000,
        "Abc, who " * 11_000,
        "Ab's mum " * 11_000,
        "Ab never rang " * 7_000,
        "I told Ab " * 10_000,
    ],
)
def test_long_hostile_input_is_read_in_one_pass(text):
    """Far longer than a form takes, so that a pattern tried again from every letter of a
    long run (time growing with the square of the length) would hang the suite here."""
    assert redact(text) and find_details(text) is not None


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200), st.lists(st.text(max_size=20), max_size=4))
def test_any_text_and_any_names_are_handled(text, names):
    out, report = redact_with_report(text, names)
    assert isinstance(out, str)
    assert all(count > 0 for count in report.values())
    if not report:
        assert out == text


# --- people outside the community, named after a cue --------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my social worker Jane Smith said no", "my social worker [name] said no"),
        ("my GP Dr Patel was kind", "my GP Dr [name] was kind"),
        ("my son Tom came", "my son [name] came"),
        ("My daughter Lucy rang", "My daughter [name] rang"),
        ("our neighbour, Mrs O'Neill, helped", "our neighbour, Mrs [name], helped"),
        ("my PA Sarah-Jane is great", "my PA [name] is great"),
        ("my husband Dev's carer", "my husband [name]'s carer"),
        ("Mum's carer Bronwen Jones left", "Mum's carer [name] left"),
        ("my support worker: Kofi", "my support worker: [name]"),
        ("Dr. Okafor rang", "Dr. [name] rang"),
        ("Ms Nguyen and Mr Smith", "Ms [name] and Mr [name]"),
        ("my nurse (Siobhan) said", "my nurse ([name]) said"),
        ("my son is called Aled", "my son is called [name]"),
        ("my carer Will came", "my carer [name] came"),
        ("my step-dad Gary rang", "my step-dad [name] rang"),
        ("the social worker Amara Okoye", "the social worker [name]"),
    ],
)
def test_names_after_a_cue(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "My GP was really helpful",
        "my son is lovely",
        "my GP surgery is closing",
        "My GP Surgery never answers",
        "I told my social worker I was scared",
        "my mum I think was upset",
        "I saw my GP Tuesday",
        "My carer. Then we went out",
        "my dad and my NHS team",
        "The nurse was kind and listened.",
        "my son, who is 12, is autistic",
        "Dr Who is on tonight",
        "the social worker said the NHS would pay",
        "I rang my GP. Will the Facilitator follow up?",
    ],
)
def test_cues_without_a_name_leave_the_sentence(text):
    assert redact(text) == text


_first = st.sampled_from(
    ["Tom", "Aisha", "Bogdan", "Mei", "Oluwaseun", "Eilidh", "Siân", "Zainab", "Ravi", "Kwame"]
)
_last = st.sampled_from(["Smith", "Patel", "O'Neill", "Kowalski", "Nwosu", "Ahmed", "Smith-Jones"])
_cue = st.sampled_from(
    [
        "my social worker",
        "my GP",
        "my son",
        "my daughter",
        "my husband",
        "my wife",
        "my mum",
        "my dad",
        "my carer",
        "my nurse",
        "my PA",
        "my neighbour",
        "our support worker",
        "her advocate",
        "Dr",
        "Mr",
        "Mrs",
        "Ms",
        "my GP, Dr",
    ]
)


@settings(max_examples=200, deadline=None)
@given(_filler, _cue, _first, st.one_of(st.none(), _last), _filler)
def test_a_name_after_a_cue_never_survives(before, cue, first, last, after):
    name = first if last is None else f"{first} {last}"
    out = redact(f"{before} {cue} {name} {after}".strip())
    assert first not in out
    assert last is None or last not in out
    assert cue in out


# --- street addresses ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "12 Acacia Avenue",
        "4a St John's Road",
        "221B Baker Street",
        "7 Station Rd",
        "15 The Crescent",
        "3 Mill Lane",
        "1-3 Church Close",
        "88 Kings Drive",
        "9 Long Meadow Way",
        "Flat 3, 12 Acacia Avenue",
        "Flat 2b 40 Ladysmith Terrace",
        "12 acacia avenue",
        "6 high street",
        "12 Acacia avenue",
        "Flat 3",
        "Apartment 12",
    ],
)
def test_street_addresses(address):
    assert redact(f"I live at {address} now") == "I live at [address] now"


_street_word = st.sampled_from(
    "Road Street Avenue Close Lane Drive Way Crescent Court Gardens Place Terrace Grove Walk "
    "Mews Rise Square View Row Hill".split()
)
_street_name = st.lists(
    st.sampled_from(["Acacia", "Oak", "Mill", "Station", "Church", "Victoria", "Ash", "Bryn"]),
    min_size=1,
    max_size=2,
).map(" ".join)
_house = st.builds("{}{}".format, st.integers(1, 999).map(str), st.sampled_from(["", "a", "B"]))


@settings(max_examples=200, deadline=None)
@given(_filler, _house, _street_name, _street_word, _filler)
def test_a_planted_address_never_survives(before, number, name, street, after):
    address = f"{number} {name} {street}"
    out = redact(f"{before} {address} {after}".strip())
    assert address not in out
    assert name not in out
    assert "[address]" in out


@pytest.mark.parametrize(
    "text",
    [
        "I live on a busy road",
        "It is a 10 minute walk from the station",
        "We walked 2 miles down the lane",
        "I have 2 very close friends",
        "The tyre went flat 3 times",
        "There were 5 people at the Park Road centre",
        "We had 3 Good Days Out",
        "In 2019 Green Lane surgery closed",
        "Room 101 on the 2nd floor",
        "It was 3 stops down the road",
    ],
)
def test_ordinary_text_with_streets_or_numbers_is_left_alone(text):
    assert redact(text) == text


# --- dates of birth -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DOB 12/03/1954", "DOB [date of birth]"),
        ("dob: 12-03-54", "dob: [date of birth]"),
        ("D.O.B. 1.2.1960", "D.O.B. [date of birth]"),
        ("born on 3 March 1954", "born on [date of birth]"),
        ("born on the 3rd of March, 1954", "born on [date of birth]"),
        ("born March 3rd 1954", "born [date of birth]"),
        ("born in March 1954", "born in [date of birth]"),
        ("date of birth: 12.3.54", "date of birth: [date of birth]"),
        ("Date of Birth 1954-03-12", "Date of Birth [date of birth]"),
        ("my birthday is 3 Sept", "my birthday is [date of birth]"),
    ],
)
def test_dates_of_birth(text, expected):
    assert redact(f"{text}, thanks") == f"{expected}, thanks"


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(["DOB", "DOB:", "date of birth", "Date of birth:", "born on", "born"]),
    st.integers(1, 28),
    st.integers(1, 12),
    st.integers(1920, 2005),
    st.sampled_from(["{d}/{m}/{y}", "{d}.{m}.{y}", "{d} {mon} {y}", "{mon} {d}, {y}"]),
)
def test_a_planted_date_of_birth_never_survives(cue, day, month, year, shape):
    mon = ["Jan", "February", "March", "Apr", "May", "June", "July", "Aug", "September", "Oct",
           "November", "Dec"][month - 1]  # fmt: skip
    date = shape.format(d=day, m=month, y=year, mon=mon)
    out = redact(f"my {cue} {date} ok")
    assert str(year) not in out
    assert out.endswith("[date of birth] ok")


@pytest.mark.parametrize(
    "text",
    [
        "We met on 3 March",
        "We met at 14:00 on 12/03/2024.",
        "I was born in 1954 and grew up here",
        "She was born in Leeds",
        "It was his birthday on Friday",
        "The baby was born early",
    ],
)
def test_other_dates_are_left_alone(text):
    assert redact(text) == text


# --- spelled-out e-mail addresses ---------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "jane dot smith at gmail dot com",
        "name (at) domain (dot) co (dot) uk",
        "sam at carers dot org",
        "j.smith at nhs dot net",
        "jane_s [at] hotmail [dot] co [dot] uk",
        "tom AT yahoo DOT com",
        "priya@gmail dot com",
        "jane.smith at gmail.com",
    ],
)
def test_spelled_out_email_addresses(email):
    assert redact(f"Write to {email}, thanks") == "Write to [email], thanks"


@pytest.mark.parametrize(
    "text",
    [
        "the bus at 10 dot something",
        "I looked at nhs dot uk for help",
        "we met at home at 3",
        "Meet me at the cafe dot by the station",
    ],
)
def test_at_and_dot_in_ordinary_text(text):
    assert redact(text) == text


# --- names that are ordinary words --------------------------------------------------------------

WORDY = ["Will", "Faith", "May", "Bill", "Grace", "Facilitator", "Hope Smith"]


@pytest.mark.parametrize(
    "text",
    [
        "Will the Facilitator follow up?",
        "May I say something?",
        "Faith in the system is low.",
        "Bill payments went up. Grace periods are short.",
        "In May we met the Facilitator.",
        "I paid the Bill on 3 May",
        "We met in May 2024.",
        "Hope is what keeps me going.",
        "I will hope for the best and pay the bill with grace",
        '"Will you come back?" she asked',
    ],
)
def test_ordinary_word_names_are_kept_where_they_read_as_words(text):
    assert redact(text, WORDY) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I asked Will about it", "I asked [name] about it"),
        ("thanks to Grace and Bill", "thanks to [name] and [name]"),
        ("Will's idea was good", "[name]'s idea was good"),
        ("Grace said it was fine", "[name] said it was fine"),
        ("It was May who helped", "It was [name] who helped"),
        ("Hope Smith came", "[name] came"),
        ("my friend Faith came", "my friend [name] came"),
    ],
)
def test_ordinary_word_names_are_taken_where_they_read_as_names(text, expected):
    assert redact(text, WORDY) == expected
