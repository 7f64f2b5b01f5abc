"""How a person wants to be paid for their time, and what that means in pounds. The choices
follow UK guidance for involvement payments (SCIE, NIHR): people who get benefits may take
the full payment, ask for a lower amount, have it paid to a charity they name, claim their
expenses only, or take no payment."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.commands import CommandError
from bot.core.typed import other_digits

FULL, LOWER, CHARITY, EXPENSES, NONE = "full", "lower", "charity", "expenses", "none"
CHOICES = (FULL, LOWER, CHARITY, EXPENSES, NONE)
# What the benefit rules count as the person's earnings (a charity's payment is not theirs).
EARNINGS = (FULL, LOWER)
# Expenses: travel, care or support worker cover, anything else.
KINDS = ("travel", "care", "other")
# The most one amount may be (pence): anything above is a typing slip.
MAX_PENCE = 1_000_000
# Whole pounds, with a comma between each three figures (1,250) or none, then any pence after
# a full stop. A comma is a thousands separator only before exactly three figures.
# Figures are 0-9 only (bot/core/typed.py): `\d` would take "١٢" as 12.
_POUNDS = r"£?\s*([0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,9})"
_MONEY = re.compile(_POUNDS + r"(?:\.([0-9]{1,2}))?")
# A comma before the last one or two figures ("4,50", "12,5"): many people write pence so,
# and read as thousands it would be a hundred (or ten) times too much. Asked, never guessed.
_DECIMAL_COMMA = re.compile(_POUNDS + r",([0-9]{1,2})")


@dataclass(frozen=True)
class Choice:
    choice: str = FULL
    amount_pence: int | None = None  # the most a session, for LOWER
    charity: str | None = None  # for CHARITY

    def payable(self, full_pence: int) -> int:
        """What is paid for the time (to the person, or the charity) when the full amount
        would be `full_pence`."""
        if self.choice in (FULL, CHARITY):
            return full_pence
        if self.choice == LOWER:
            return min(full_pence, self.amount_pence or 0)
        return 0

    def earnings(self, full_pence: int) -> int:
        """What the benefit rules count as the person's earnings."""
        return self.payable(full_pence) if self.choice in EARNINGS else 0


def parse_money(text: str | None) -> int:
    """Pounds as people type them ("12", "12.5", "£12.50", "1,250.50") in pence; one sentence
    if not. A decimal comma ("4,50") is refused with the amount it seems to mean, to be
    written again with a full stop: nothing is stored from a guess."""
    typed = (text or "").strip()
    if other_digits(typed):
        raise CommandError("errors.other_digits")
    match = _MONEY.fullmatch(typed)
    if match is not None:
        return _at_most_the_limit(_pence(match[1], match[2]))
    comma = _DECIMAL_COMMA.fullmatch(typed)
    if comma is None:
        raise CommandError("payments.bad_amount")
    meant = _at_most_the_limit(_pence(comma[1], comma[2]))
    raise CommandError("payments.decimal_comma", amount=pounds(meant))


def _pence(whole: str, part: str | None) -> int:
    """Pence from whole pounds (with or without thousands commas) and one or two figures of
    pence ("5" is 50p)."""
    return int(whole.replace(",", "")) * 100 + int((part or "0").ljust(2, "0"))


def _at_most_the_limit(pence: int) -> int:
    if pence > MAX_PENCE:
        raise CommandError("payments.too_much")
    return pence


def parse_choice(choice: str, detail: str | None) -> Choice:
    """A choice with its detail: the amount for a lower payment, the charity's name."""
    detail = (detail or "").strip() or None
    if choice == LOWER:
        if detail is None:
            raise CommandError("payments.amount_needed")
        return Choice(LOWER, amount_pence=parse_money(detail))
    if choice == CHARITY:
        if detail is None:
            raise CommandError("payments.charity_needed")
        if len(detail) > 200:
            raise CommandError("payments.charity_too_long")
        return Choice(CHARITY, charity=detail)
    if detail is not None:
        raise CommandError("payments.no_detail", choice=choice)
    return Choice(choice)


def pounds(pence: int) -> str:
    return f"{pence / 100:.2f}"
