"""How a person wants to be paid for their time, and what that means in pounds. The choices
follow UK guidance for involvement payments (SCIE, NIHR): people who get benefits may take
the full payment, ask for a lower amount, have it paid to a charity they name, claim their
expenses only, or take no payment."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.commands import CommandError

FULL, LOWER, CHARITY, EXPENSES, NONE = "full", "lower", "charity", "expenses", "none"
CHOICES = (FULL, LOWER, CHARITY, EXPENSES, NONE)
# What the benefit rules count as the person's earnings (a charity's payment is not theirs).
EARNINGS = (FULL, LOWER)
# Expenses: travel, care or support worker cover, anything else.
KINDS = ("travel", "care", "other")
# The most one amount may be (pence): anything above is a typing slip.
MAX_PENCE = 1_000_000
_MONEY = re.compile(r"£?\s*(\d{1,9})(?:\.(\d{1,2}))?")


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
    """Pounds as people type them ("12", "12.5", "£12.50") in pence; one sentence if not."""
    match = _MONEY.fullmatch((text or "").strip().replace(",", ""))
    if match is None:
        raise CommandError("payments.bad_amount")
    pence = int(match[1]) * 100 + int((match[2] or "0").ljust(2, "0"))
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
