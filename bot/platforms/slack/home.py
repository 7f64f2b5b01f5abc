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
    sections = (
        Section(about, t("slack_home.next_heading")),
        Section(choices, t("slack_home.choices_heading")),
        Section(t("slack_home.help"), t("slack_home.help_heading")),
    )
    return {"type": "home", "blocks": fitted_home(texts, sections, plain=facts.plain_style)}


def fitted_home(texts: Texts, sections: tuple[Section, ...], *, plain: bool) -> list[Any]:
    """The Home tab's blocks, at most MAX_MODAL_BLOCKS (Slack's limit for a Home tab). When
    they do not all fit, whole sections are kept in order (what matters most comes first)
    and the tab ends with a plain sentence saying there is more and which command shows it:
    nothing is left out without a word."""
    t = texts.t

    def blocks(kept: tuple[Section, ...]) -> list[Any]:
        return _blocks(
            OutgoingMessage(
                title=t("slack_home.title"), text=t("slack_home.intro"), sections=kept, plain=plain
            )
        )

    whole = blocks(sections)
    if len(whole) <= MAX_MODAL_BLOCKS:
        return whole
    more = _blocks(OutgoingMessage(text=t("slack_home.more"), plain=plain))
    room = MAX_MODAL_BLOCKS - len(more)
    for count in range(len(sections) - 1, -1, -1):
        kept = blocks(sections[:count])
        if len(kept) <= room:
            return kept + more
    return whole[:room] + more


def _blocks(message: OutgoingMessage) -> list[Any]:
    """All of `message`'s blocks, from every part it is rendered in, as one list."""
    return [block for part in render(message) for block in part.blocks]
