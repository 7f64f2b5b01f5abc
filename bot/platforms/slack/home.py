"""Slack's welcome and App Home: a short first-steps message when Brewbot is added to a
channel, and each person's Home tab (their next session, their choices, short help),
published with views.publish when they open it. Words in prompts/strings/slack_home.yaml."""

from __future__ import annotations

from typing import Any

from bot.core.messages import OutgoingMessage, Section
from bot.engine.texts import Texts
from bot.platforms.slack.blocks import MAX_MODAL_BLOCKS, render
from bot.sessions.home import HomeFacts


def welcome(texts: Texts) -> OutgoingMessage:
    return OutgoingMessage(
        title=texts.t("slack_home.welcome_title"), text=texts.t("slack_home.welcome")
    )


def home_view(texts: Texts, facts: HomeFacts) -> dict[str, Any]:
    """A Home tab view (type "home", at most 100 blocks), in plain style if asked for."""
    t = texts.t
    session = facts.session
    if session is None:
        about = t("slack_home.no_session")
    else:
        lines = [t("slack_home.next_session", title=session.title, when=session.when)]
        if session.live:
            lines.append(t("slack_home.live"))
        if session.coming:
            lines.append(t("slack_home.coming"))
        else:
            lines.append(t("slack_home.not_coming", session_id=session.id))
        about = "\n".join(lines)

    def switch(on: bool) -> str:
        return t(f"people.switch.{'on' if on else 'off'}")

    choices = t(
        "slack_home.choices",
        reminders=t(f"people.reminders.{facts.reminders}"),
        easy_read=switch(facts.easy_read),
        plain=switch(facts.plain_style),
    )
    message = OutgoingMessage(
        title=t("slack_home.title"),
        text=t("slack_home.intro"),
        sections=(
            Section(about, t("slack_home.next_heading")),
            Section(choices, t("slack_home.choices_heading")),
            Section(t("slack_home.help"), t("slack_home.help_heading")),
        ),
        plain=facts.plain_style,
    )
    blocks = [block for part in render(message) for block in part.blocks]
    return {"type": "home", "blocks": blocks[:MAX_MODAL_BLOCKS]}
