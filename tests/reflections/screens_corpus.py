"""A corpus of reflection texts for the recorded screens test (test_screens_as_recorded.py),
and the recorder that wrote what the screens made of them (data/screens_recorded.json).

The texts mix what the two screens look for: names (known in the community, after a role or
a title, in any case), e-mail addresses plain and spelled out, phone and NHS numbers, links,
mentions, postcodes, street addresses, dates of birth, risk words and phrases, everyday
sentences, slips of the keyboard, doubled letters and look-alike letters ("ſ", "ı", "K") that
a case-blind pattern treats as "s", "i" and "k".

Record again only when a screen is meant to find something different, and read the diff:

    .venv/bin/python -m tests.reflections.screens_corpus

It keeps the texts and writes what the screens in this checkout make of them.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from bot.bench.seed import reflection_text
from bot.bench.themes import labelled_statements
from bot.reflections.redaction import KnownNames, find_details
from bot.reflections.safeguarding import load_terms

RECORDED = Path(__file__).parent / "data" / "screens_recorded.json"

# The communities the texts are redacted for: none, numbered people as in `brewbot bench`,
# and names that are also words, handles, names in brackets, with accents and apostrophes.
NAME_LISTS: list[list[str]] = [
    [],
    [f"Person {n}" for n in range(40)],
    [
        "Priya Shah",
        "Will",
        "May Jones",
        "sam_99",
        "Tom O'Neill (he/him)",
        "Grace",
        "Facilitator",
        "Kerry-Ann Smith",
        "Jo",
        "Will Hope",
        "Dev",
        "the admin",
        "Ánna Brown",
    ],
]

_NAMES = [
    "Priya", "Shah", "Priya Shah", "Priya's", "Will", "May", "Grace", "Hope", "Tom", "Tom's",
    "O'Neill", "O’Brien", "Kerry-Ann", "Smith-Jones", "sam_99", "Person 12", "Person", "tom",
    "Jane Smith", "Facilitator", "Bill", "Joy", "Mark", "Dev", "Anne-Marie", "Will Hope",
]  # fmt: skip
_EMAILS = [
    "jane.smith@gmail.com", "j_smith+x@nhs.net.", "a@b.co.uk", "jane dot smith at gmail dot com",
    "sam (at) example (dot) org", "me at leeds dot ac dot uk", "I looked at nhs dot uk",
    "jane at gmail", "bob @ hotmail . com", "x@y", "@sam", "@sam.jones.", "mailto:a@b.org",
    "<mailto:a@b.org|me>", "kay [at] leeds [dot] gov [dot] uk",
]  # fmt: skip
_NUMBERS = [
    "07700 900123", "+44 (0)20 7946 0958", "020 7946 0958", "943 476 5919", "9434765919",
    "0161-496-0000", "1990 - 2024", "12", "3", "2pm", "00000 07000 000000", "+1 212 555 0100",
    "(0113) 496 0000", "£12.50", "10 minute", "2 very close friends", "123 456 7890",
    "07700900123)", "0044 7700 900123", "+1234 5678", "+123 4567", "0012 3456 78", "0123 4567",
]  # fmt: skip
_LINKS = [
    "https://example.org/a?b=1", "www.nhs.uk.", "leeds.gov.uk", "e.g.", "end.Then",
    "<https://x.org|click>", "<@123>", "<@!123>", "<#C123|general>", "<!here>", "</ask sub:123>",
    "http://a.b/(wiki)", "bbc.co.uk/news",
]  # fmt: skip
_PLACES = [
    "LS1 4AB", "SW1A 1AA", "m1 1ae", "12 Acacia Avenue", "Flat 3", "flat 3", "in flat 3",
    "4a St John's Road", "12 acacia avenue", "4 Mill lane", "on Acacia Avenue",
    "lives near High Street", "a 10 minute walk", "DOB 12/03/1954", "born on 3 March 1954",
    "date of birth: 12.3.54", "3 May", "May 2024", "12/03/1954", "born in 1960", "d.o.b. 1/2/60",
    "my birthday is on the 3rd of June", "on 2024-01-05",
]  # fmt: skip
_RISKS = [
    "kill myself", "I want to end it all", "suicidal", "sucidal", "self-harm", "selfharming",
    "I don't want to be here anymore", "I dont feel safe at home", "he hit me", "My son hits me",
    "abused", "abuesd", "negelct", "neglected", "no one came", "nobody came", "noone came",
    "it really hit me", "kill them with kindness", "a safe space", "hurt my back",
    "I'm scared of him", "she is going to kill me", "left in wet pads", "took an overdose",
    "overdosed", "amused", "rape", "rapid", "beaten", "eaten", "sooo scared of them",
    "I cant go on like this", "my carer did not come", "not safe", "unsafe", "I wish I was dead",
    "fed back", "looked", "Déjà vu", "financial abuse", "he takes my money",
    "they threatened to kill", "assaulted", "molested", "Ⅰ feel ＳＡＦＥ",
]  # fmt: skip
_WORDS = (
    "the carers who visit in the morning listened properly and I felt heard for the first "
    "time waiting for an occupational therapist took nearly six months so we agreed what good "
    "support looks like and it was hard but also lovely thanks to everyone at the centre "
    "today yesterday Monday NHS GP I it's don’t can't won't really very go went came said "
    "asked told a an of at on in to with"
).split()
_SEPARATORS = [" ", " ", " ", ", ", ". ", "\n", "! ", "? ", ": ", " (", ") ", " - ", "", "’s "]
_SEPARATORS += [" and ", " & ", "\t"]
_POOLS = [_NAMES, _EMAILS, _NUMBERS, _LINKS, _PLACES, _RISKS, _WORDS, _WORDS]

_ROLES = [
    "social worker", "GP", "son", "son-in-law", "daughter", "mum", "carer", "care worker",
    "support worker", "PA", "pal", "partner", "OT", "district nurse", "best friend",
    "other half", "home help", "step-dad", "fiancé", "neighbours", "friend", "children",
    "care co-ordinator", "brother-in-law", "worker", "key worker", "keyworker", "ex-wife",
]  # fmt: skip
_STREETS = ["Road", "Rd", "St", "Street", "Avenue", "Close", "Lane", "Way", "End", "Park"]
_STREETS += ["Parkway", "Green", "Mews", "View", "Meadows", "Meadow", "Gardens", "Gdns"]
_TITLES = "Dr Mr Mrs Ms Miss Mx Prof Professor Doctor Nurse Sister Cllr Rev Revd Fr Sir".split()
_DETERMINERS = "my our his her their your the a an this that one another some Mum's Tom’s"
_DESCRIBING = ["", "", "lovely ", "new ", "GP ", "old care ", "the "]
_FOLLOWING = ["Tom", "Amy", "Jane Smith", "Will", "May", "tom", "Priya", "O'Neill", "I", "NHS"]
_FOLLOWING += ["Kerry-Ann", "Carer", "Support Group", "Surgery", "came round", "is lovely"]


def _recased(rng: random.Random, text: str) -> str:
    roll = rng.random()
    return text.upper() if roll < 0.1 else text.capitalize() if roll < 0.2 else text


def _cued(rng: random.Random) -> str:
    """A name after a role, a title or "called": "my lovely son-in-law, Dr Tom and Amy"."""
    role = _recased(rng, rng.choice(_ROLES))
    called = rng.choice(["", "", " called", " named"])
    gap = rng.choice([" ", " ", ", ", ": ", " (", " - ", "-"])
    title = rng.choice(["", "", "Dr ", "Mrs. ", "dr "])
    names = rng.choice(_FOLLOWING)
    if rng.random() < 0.3:
        names += rng.choice([", ", " and ", " & ", ","]) + rng.choice(_FOLLOWING)
    determiner = rng.choice(_DETERMINERS.split())
    return f"{determiner} {rng.choice(_DESCRIBING)}{role}{called}{gap}{title}{names}"


def _address(rng: random.Random) -> str:
    number = rng.choice(["12", "4a", "3-5", "1 /2", "101", "7B", "1234"])
    words = rng.choices(["Acacia", "acacia", "St John's", "Mill", "High", "the", "very"], k=2)
    flat = rng.choice(["", "", "Flat 3, ", "apt. 2 "])
    street = _recased(rng, rng.choice(_STREETS))
    return f"{flat}{number}{rng.choice(['', ','])} {' '.join(words)} {street}{rng.choice('. ')}"


def _structured(rng: random.Random) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        return _cued(rng)
    if kind == 1:
        return _address(rng)
    if kind == 2:
        title = _recased(rng, rng.choice(_TITLES))
        return f"{title}{rng.choice(['. ', ' ', '.'])}{rng.choice(_FOLLOWING)}"
    if kind == 3:
        place = rng.choice(["on", "near", "in", "at"])
        return f"{place} {rng.choice(['Acacia', 'Old Mill', 'St'])} {rng.choice(_STREETS)}"
    person = rng.choice(["a lady", "the man", "someone", "my fella", "a nice old chap"])
    return f"{person} {rng.choice(['called', 'named', 'known as'])} {rng.choice(_FOLLOWING)}"


def _slip(rng: random.Random, word: str) -> str:
    """One letter dropped, added, changed, or two swapped (never the first)."""
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)
    return rng.choice(
        [
            word[:i] + word[i + 1 :],
            word[:i] + rng.choice("aeiost") + word[i:],
            word[:i] + rng.choice("aeiost") + word[i + 1 :],
            word[:i] + word[i + 1] + word[i] + word[i + 2 :],
        ]
    )


def _fragment(rng: random.Random) -> str:
    pool = rng.choice([*_POOLS, None])
    text = _structured(rng) if pool is None or rng.random() < 0.25 else rng.choice(pool)
    roll = rng.random()
    if roll < 0.05:
        return text.upper()
    if roll < 0.1:
        return text.lower()
    if roll < 0.2:
        return " ".join(_slip(rng, word) for word in text.split(" "))
    if roll < 0.23:
        return "".join(ch * 2 if ch.isalpha() and rng.random() < 0.15 else ch for ch in text)
    if roll < 0.25:  # letters a case-blind pattern reads as "s", "i" and "k"
        return text.replace("s", "ſ").replace("i", "ı").replace("K", "\u212a")
    return text


def corpus(seed: int = 17, mixed: int = 1200) -> list[str]:
    """The texts: some of `brewbot bench`'s reflections, the labelled statements of the
    themes evaluation, and `mixed` texts of 1 to 14 fragments."""
    rng = random.Random(seed)
    texts = [reflection_text(rng, n) for n in range(60)]
    texts += [statement for statement, _ in labelled_statements()]
    for _ in range(mixed):
        parts = []
        for _ in range(rng.randint(1, 14)):
            parts += [_fragment(rng), rng.choice(_SEPARATORS)]
        texts.append("".join(parts).strip() if rng.random() < 0.9 else "".join(parts))
    return texts


def screened(text: str, names: KnownNames) -> list[Any]:
    """What the screens make of `text`: every finding of redaction (kind, start, end, sure:
    the sure ones are what `redact` takes out) and the risk categories."""
    findings = [[f.kind, f.start, f.end, f.sure] for f in find_details(text, names)]
    return [findings, load_terms().matches(text)]


def record() -> None:
    """Write what the screens in this checkout make of the corpus (its texts kept if there)."""
    if RECORDED.exists():
        texts = [case[0] for case in json.loads(RECORDED.read_text("utf-8"))["cases"]]
    else:
        texts = corpus()
    names = [KnownNames.build(listed) for listed in NAME_LISTS]
    cases = []
    for at, text in enumerate(texts):
        which = at % len(names)  # each text is redacted for one of the communities in turn
        cases.append(json.dumps([text, which, *screened(text, names[which])], ensure_ascii=False))
    listed = json.dumps(NAME_LISTS, ensure_ascii=False)
    # One case a line, so that a diff shows which texts are screened differently.
    lines = ",\n".join(cases)
    RECORDED.write_text(f'{{\n"names": {listed},\n"cases": [\n{lines}\n]}}\n', "utf-8")


if __name__ == "__main__":
    record()
