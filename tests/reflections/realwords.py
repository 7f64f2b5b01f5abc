"""Scores of the two screens on real participant words (tests/reflections/data/realwords_*):
what redaction misses and marks by mistake, what safeguarding misses and raises by mistake.

Each corpus comes in two parts written at the same time: a dev part that the screens may be
tuned on, case by case (tests/reflections/test_realwords.py), and a held-out part whose
cases nobody looks at one by one, only at its totals here, so that its figure says how the
screens do on words nobody tuned them to. Print both:

    .venv/bin/python -m tests.reflections.realwords
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.reflections.redaction import Finding, find_details
from bot.reflections.safeguarding import risk_matches

DATA = Path(__file__).parent / "data"
PARTS = ("dev", "held_out")
# A second held-out part for safeguarding, written after its first round of changes, and a
# third written before the round of 2026-12-04.
RISK_PARTS = (*PARTS, "held_out_2", "held_out_3")


def _load(name: str) -> Any:
    return yaml.safe_load((DATA / f"realwords_{name}.yaml").read_text("utf-8"))


def detail_cases(part: str) -> list[tuple[str, list[str]]]:
    """(text, the details in it) of one part of the redaction corpus."""
    return [(text, list(details)) for text, details in _load(f"details_{part}")["details"]]


def risk_cases(part: str) -> tuple[list[str], list[str]]:
    """The texts that must reach safeguarding, and those that must not, of one part."""
    data = _load(f"risk_{part}")
    return list(data["risk"]), list(data["no_risk"])


@dataclass(frozen=True)
class DetailOutcome:
    missed: tuple[str, ...]  # details neither taken out nor marked
    marked_only: tuple[str, ...]  # details left in, marked for the facilitator to check
    extra: tuple[Finding, ...]  # findings on no detail: words taken or marked by mistake


def screen_details(text: str, details: list[str]) -> DetailOutcome:
    """What redaction makes of a text: a detail counts as caught when every letter and digit
    of it is inside a finding, and as taken out when inside findings redaction is sure of."""
    findings = find_details(text)
    missed: list[str] = []
    marked: list[str] = []
    spans: list[tuple[int, int]] = []
    for detail in details:
        start = text.find(detail)
        if start < 0:
            raise ValueError(f"{detail!r} is not in {text!r}")
        end = start + len(detail)
        spans.append((start, end))
        places = [i for i in range(start, end) if text[i].isalnum()]
        if not all(any(f.start <= i < f.end for f in findings) for i in places):
            missed.append(detail)
        elif not all(any(f.sure and f.start <= i < f.end for f in findings) for i in places):
            marked.append(detail)
    extra = tuple(f for f in findings if not any(f.start < e and s < f.end for s, e in spans))
    return DetailOutcome(tuple(missed), tuple(marked), extra)


@dataclass(frozen=True)
class DetailScore:
    details: int
    caught: int  # taken out or marked
    taken_out: int
    clean_texts: int
    clean_texts_marked: int  # texts with no detail where something was taken out or marked
    extra_findings: int  # findings on no detail, in all texts


def detail_score(part: str) -> DetailScore:
    details = caught = taken = clean = clean_marked = extra = 0
    for text, wanted in detail_cases(part):
        outcome = screen_details(text, wanted)
        details += len(wanted)
        caught += len(wanted) - len(outcome.missed)
        taken += len(wanted) - len(outcome.missed) - len(outcome.marked_only)
        extra += len(outcome.extra)
        if not wanted:
            clean += 1
            clean_marked += bool(outcome.extra)
    return DetailScore(details, caught, taken, clean, clean_marked, extra)


@dataclass(frozen=True)
class RiskScore:
    risks: int
    raised: int
    ordinary: int
    false_alarms: int


def risk_score(part: str) -> RiskScore:
    risky, ordinary = risk_cases(part)
    raised = sum(bool(risk_matches(text)) for text in risky)
    false_alarms = sum(bool(risk_matches(text)) for text in ordinary)
    return RiskScore(len(risky), raised, len(ordinary), false_alarms)


def report() -> str:
    lines = []
    for part in PARTS:
        d = detail_score(part)
        lines.append(
            f"details {part}: caught {d.caught}/{d.details} (taken out {d.taken_out}), "
            f"clean texts marked {d.clean_texts_marked}/{d.clean_texts}, "
            f"findings on no detail {d.extra_findings}"
        )
    for part in RISK_PARTS:
        r = risk_score(part)
        lines.append(
            f"risks {part}: raised {r.raised}/{r.risks}, false alarms {r.false_alarms}/{r.ordinary}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(report())
