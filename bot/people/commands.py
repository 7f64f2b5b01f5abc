"""The people feature's part of `/brew`: how a person is described and called, their choices,
the privacy notice and their data, payment claims, and the community's settings."""

from __future__ import annotations

from typing import Protocol

from bot.core.commands import Audience, Command, ComponentRoute, Feature, Option
from bot.engine.context import CommandContext
from bot.people.choices import CHOICES, KINDS
from bot.people.claims import ClaimService
from bot.people.needs import CLEAR_CHOICES, NEEDS, NeedsService
from bot.people.payments import PaymentService
from bot.people.privacy import PrivacyService
from bot.people.service import ON_OFF, REMINDER_CHOICES, PeopleService
from bot.people.settings import SettingsService
from bot.sessions.commands import session_option

F = Audience.FACILITATOR


class Needs(Protocol):
    people: PeopleService
    needs: NeedsService
    privacy: PrivacyService
    claims: ClaimService
    payments: PaymentService
    settings: SettingsService


def feature(app: Needs) -> Feature[CommandContext]:
    people, privacy, claims, settings = app.people, app.privacy, app.claims, app.settings
    payments = app.payments
    return Feature(
        "people",
        commands=(
            Command(
                "describe",
                "Say how you would like to be described (only used to balance groups)",
                people.describe,
                (
                    Option(
                        "as", "draws_on_care, carer, commissioner, provider, other or prefer_not"
                    ),
                    Option(
                        "lived_only",
                        "yes if you would like a group of people with lived experience only",
                        choices=("yes", "no"),
                    ),
                    Option("self", "In your own words (only you will see this)", max_length=300),
                    Option("clear", "yes to clear how you are described", choices=("yes",)),
                ),
                example="carer",
            ),
            Command("privacy", "What is recorded and how it is used", privacy.show),
            Command("forget me", "Delete what is stored about you", privacy.forget_request),
            Command("my data", "Get a file of everything stored about you", privacy.my_data),
            Command(
                "call me",
                "The name you would like to be called by (empty to clear)",
                people.call_me,
                (Option("name", "Your name", rest=True, max_length=60),),
                example="Sam",
            ),
            Command(
                "preferences",
                "Easy Read, plain style and reminders",
                people.preferences,
                (
                    Option("easy_read", "on or off", choices=ON_OFF),
                    Option(
                        "plain", "on or off: no emoji or decoration, short lines", choices=ON_OFF
                    ),
                    Option("reminders", "private or none", choices=REMINDER_CHOICES),
                ),
                example="easy_read=on",
            ),
            Command(
                "needs",
                "What you need to take part, such as large print or a BSL interpreter",
                app.needs.command,
                (
                    Option("add", "A need to add", choices=NEEDS),
                    Option("remove", "A need to take away", choices=NEEDS),
                    Option(
                        "clear",
                        "all to clear every need, other for your own words",
                        choices=CLEAR_CHOICES,
                    ),
                    Option("other", "Anything else, in your own words", rest=True, max_length=300),
                ),
                example="add=bsl",
            ),
            Command(
                "claim",
                "Claim payment for your time at sessions (on or off)",
                payments.telling_missed(claims.opt),
                (Option("choice", "on or off", required=True, choices=ON_OFF),),
                example="off",
            ),
            # Someone who joined by phone has no chat of their own: the facilitator records
            # their payment choice for the session and their costs (bot/people/payments.py).
            # `pay` comes before `claim` and `amount` right after `expense`, so `travel=4.50`
            # sets a cost and its amount together, as `timezone=...` does for a setting.
            Command(
                "present",
                "Mark someone present who joined by phone, with how they are paid and their costs",
                payments.presenting(claims.mark_present),
                (
                    Option(
                        "who",
                        "Their @mention or their name",
                        required=True,
                        rest=True,
                        max_length=100,
                    ),
                    session_option(),
                    Option(
                        "pay",
                        "For this session: full, lower 10, charity NAME, expenses or none",
                        max_length=210,
                    ),
                    Option(
                        "claim", "yes if they are claiming for their time", choices=("yes", "no")
                    ),
                    Option("expense", "A cost of theirs: travel, care or other", choices=KINDS),
                    Option("amount", "The cost in pounds, e.g. 12.50 (0 takes it off)"),
                    Option("receipt", "yes if they have a receipt for it", choices=("yes", "no")),
                ),
                F,
                example='"Pat Jones" session=12 pay="lower 10" travel=4.50',
            ),
            Command(
                "claims export",
                "Get the claims sheet for finance (dates like 2026-12-01)",
                claims.export,
                (
                    Option("from", "First day, e.g. 2026-12-01", required=True, max_length=10),
                    Option("to", "Last day, e.g. 2026-12-31", required=True, max_length=10),
                ),
                F,
                example="2026-12-01 2026-12-31",
            ),
            # Payment choices that respect benefit rules (bot/people/payments.py). The session
            # comes first so a typed amount ("lower 10") is never read as a session number.
            Command(
                "claim pay",
                "How you would like to be paid: full, lower, charity, expenses or none",
                payments.choose,
                (
                    session_option(),
                    Option("choice", "full, lower, charity, expenses or none", choices=CHOICES),
                    Option(
                        "detail",
                        "For lower: the most a session, e.g. 10. For charity: its name",
                        rest=True,
                        max_length=200,
                    ),
                ),
                example="charity Mind",
            ),
            Command(
                "claim expense",
                "Claim costs for a session: travel, care (support worker cover) or other",
                payments.expense,
                (
                    Option("kind", "travel, care or other", required=True, choices=KINDS),
                    Option("amount", "Pounds, e.g. 12.50 (0 takes it off)", required=True),
                    Option("receipt", "yes if you have a receipt", choices=("yes", "no")),
                    session_option(),
                ),
                example="travel 12.50 yes",
            ),
            Command(
                "claim limits",
                "Your pay this week and month, and the earnings limits for benefits",
                payments.limits_command,
                (Option("watch", "all, none or one limit", choices=payments.watch_choices()),),
                example="watch=carers_allowance",
            ),
            Command(
                "claim letter",
                "A letter for Jobcentre Plus about your payments (dates like 2026-04-06)",
                payments.letter,
                (
                    Option("from", "First day (the tax year's start if empty)", max_length=10),
                    Option("to", "Last day (today if empty)", max_length=10),
                ),
                example="2026-04-06 2027-04-05",
            ),
            Command(
                "settings",
                "Community settings, e.g. facilitator_role=Facilitator",
                settings.update,
                (
                    Option("name", "The setting to change", choices=settings.names()),
                    Option("value", "The new value", rest=True),
                ),
                F,
                example="facilitator_role=Facilitator",
            ),
        ),
        routes=(
            ComponentRoute("consent", "yes", privacy.agree),
            ComponentRoute("consent", "no", privacy.decline),
            ComponentRoute("consent", "easy", privacy.easy),
            ComponentRoute("privacy", "forget", privacy.forget_confirmed),
            ComponentRoute("needs", "add", app.needs.add_button),
            ComponentRoute("needs", "remove", app.needs.remove_button),
        ),
    )
