""" "I would like someone to contact me": a request to the safeguarding contact, kept apart
from any reflection.

It is offered under every reflection's thank-you, not only under one that was held, so
asking says nothing about what anyone wrote. The request carries the person's chat name and
the session, never a reflection, and it goes through the same safeguarding delivery as an
alert (bot/reflections/alerts.py): to the safeguarding contact, or, if they cannot be
reached, to the facilitator and the safeguarding e-mail address, tried every hour until it
arrives. Its key is random, so nothing stored is derived from the person; their name is
cleared from the outbox once delivered (docs/anonymity.md).
"""

from __future__ import annotations

import secrets

from bot.core.messages import Action, ActionStyle, OutgoingMessage, Reply, Section, custom_id
from bot.delivery.outbox import Delivery
from bot.engine.context import CommandContext
from bot.engine.deps import Deps
from bot.reflections.alerts import contact_of
from bot.reflections.safeguarding import SAFEGUARDING
from bot.reflections.together import REQUEST
from bot.sessions.service import SessionService


def offer(deps: Deps, session_id: int) -> Action:
    """The button under a thank-you."""
    return Action(deps.texts.t("buttons.contact_ask"), custom_id("contact", "ask", str(session_id)))


class ContactService:
    def __init__(self, deps: Deps, sessions: SessionService) -> None:
        self.deps = deps
        self.sessions = sessions
        self.t = deps.texts.t

    async def ask(self, ctx: CommandContext) -> Reply:
        """What pressing Yes will do, before anything is sent: nobody is hurried into it."""
        session = await self.sessions.resolve(ctx, ctx.session_id())
        return Reply(
            OutgoingMessage(
                self.t("contact.explain"),
                actions=(
                    Action(
                        self.t("buttons.contact_yes"),
                        custom_id("contact", "yes", str(session.id)),
                        ActionStyle.PRIMARY,
                    ),
                ),
            )
        )

    async def confirm(self, ctx: CommandContext) -> Reply:
        session = await self.sessions.resolve(ctx, ctx.session_id())
        assert session.id is not None
        contact = contact_of(ctx.community, session)
        name = ctx.actor.called_by or ctx.actor.display_name or ctx.user.display_name
        request = OutgoingMessage(
            title=self.t("contact.request_title"),
            text=self.t("contact.request", title=session.title, session_id=session.id),
            sections=(Section(f"{name} ({ctx.user.id})", untrusted=True),),
        )
        key = f"{SAFEGUARDING}{REQUEST}{secrets.token_hex(8)}:contact"
        delivery = Delivery(key, SAFEGUARDING, "private", contact, request, session.id)
        await self.deps.outbox.add(ctx.tx, ctx.community, delivery)
        ctx.after_commit(self.deps.outbox.deliver_effect([key]))
        return Reply(OutgoingMessage(self.t("contact.passing_on")))
