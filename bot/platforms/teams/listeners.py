"""What Teams sends, turned into the Dispatcher's commands, button presses and forms.

Every activity is answered at once and its work left running, counted (`WorkTracker`) so a
shutdown lets it finish: Teams sends an activity again when its answer is slow, and an
activity seen before (by its id, `EventLog`) is answered and not handled twice. Only a
dialog's invokes wait, briefly, because their HTTP answer is what the dialog shows:
- task/fetch (a card button that opens a form): the form, as a dialog;
- task/submit (the dialog sent): the answer shown in the dialog, a refusal with the person's
  words still there; the dialog is acknowledged once the submission has passed the checks
  that could turn it down (as Slack's forms are), and an answer not known by then comes as a
  message. Reflections are anonymous: nothing here logs what was sent or who sent it.

Messages: `brew ...` typed to Brewbot (in a channel or group chat Teams delivers only
messages that @mention the bot; the mention is taken out), and Action.Submit presses, whose
data names the button's route ({"brew": CUSTOM_ID}, cards.py). Installing the
app in a conversation (conversationUpdate or installationUpdate) posts the welcome.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, replace
from typing import Any

from bot.core.messages import FieldKind, Form, OutgoingMessage, Section
from bot.core.ports import DeliveryError
from bot.core.refs import CommunityRef, ConversationRef, Platform, UserRef
from bot.platforms.event_log import EventLog, MemoryEventLog
from bot.platforms.teams.adapter import TeamsAdapter
from bot.platforms.teams.cards import ROUTE, dialog, form_values, route_id
from bot.platforms.teams.connector import Connector
from bot.platforms.teams.facilitators import Facilitators
from bot.platforms.teams.responder import (
    FORM_BUTTON,
    DialogResponder,
    First,
    Shelf,
    TeamsResponder,
)
from bot.platforms.work import WorkTracker

log = logging.getLogger("brewbot.teams")
# A failure of the work left running is logged here, a logger whose lines keep no exception
# text (bot/logs.py): it can quote what a person wrote.
work_log = logging.getLogger("brewbot.teams.work")

# How long a dialog's invoke waits for its answer (Teams gives up after about 15 s; a form
# opens from what is known in memory within milliseconds).
FETCH_WAIT = 5.0
# How long a dialog's submission waits for its checks or its answer.
SUBMIT_WAIT = 2.0
_MENTION = re.compile(r"<at>.*?</at>", re.DOTALL)
# The key of a dialog's data that names its form on the shelf.
FORM_KEY = "form"
# What Teams and Brewbot add to a dialog's data: not the person's answers.
_TEAMS_KEYS = frozenset({"msteams", ROUTE, FORM_KEY})


@dataclass
class Who:
    """Who sent an activity and where, as the services see them."""

    user: UserRef
    where: ConversationRef
    personal: bool
    tenant: str
    # An anonymous meeting guest (Teams gives them no Entra id): no 1:1 chat is possible.
    anonymous: bool = False
    # The Microsoft 365 group id of the team it happened in ("" outside a team), and the
    # person's Entra object id: what Microsoft Graph knows them by (facilitators.py).
    team: str = ""
    aad: str = ""


class Listeners:
    def __init__(
        self,
        brew: Any,
        adapter: TeamsAdapter,
        connector: Connector,
        events: EventLog,
        *,
        facilitators: Facilitators,
        role_of: Callable[[str], Awaitable[str]],
    ) -> None:
        self.brew = brew
        self.adapter = adapter
        self.connector = connector
        self.events = events
        # A dialog's invokes (opening a form, sending it) are remembered in this process's
        # memory only: a timed row for each sent reflection would date it, and a reflection
        # has no time (docs/anonymity.md). So a dialog sent again after a restart, or to
        # another process, could be taken twice.
        self.invokes = MemoryEventLog()
        self.facilitators = facilitators
        # The community's facilitator_role, by tenant (the tag that makes facilitators).
        self.role_of = role_of
        self.shelf = Shelf()
        self.work = WorkTracker(work_log)
        self.texts = adapter.texts

    # -- the SDK's one handler ----------------------------------------------------------

    async def on_activity(self, ctx: Any) -> Any:
        """The handler the SDK's App runs for every activity (registered with on_activity):
        its return value is the HTTP answer's body (None: 200 with no body)."""
        activity = ctx.activity.model_dump(by_alias=True, exclude_none=True)
        kind = activity.get("type")
        if kind not in ("message", "invoke", "conversationUpdate", "installationUpdate"):
            return None
        who = self.who(activity)
        if who is None:
            return None
        activity_id = str(activity.get("id") or "")
        seen = self.invokes if kind == "invoke" else self.events
        if activity_id and not await seen.first_time(f"teams:{activity_id}"):
            log.info("activity already handled type=%s", kind)
            return None
        if kind == "message":
            self.work.start(self.on_message(activity, who))
            return None
        if kind == "invoke":
            who = await self.standing(who)
            name = activity.get("name")
            value = activity.get("value")
            found = value.get("data") if isinstance(value, dict) else None
            data: dict[str, Any] = found if isinstance(found, dict) else {}
            if name == "task/fetch":
                return await self.on_task_fetch(data, who)
            if name == "task/submit":
                return await self.on_task_submit(data, who)
            return None
        if self._bot_added(activity):
            self.work.start(self.welcome(who))
        return None

    def who(self, activity: dict[str, Any]) -> Who | None:
        sender = activity.get("from") or {}
        conversation = activity.get("conversation") or {}
        channel_data = activity.get("channelData") or {}
        tenant = str(
            (channel_data.get("tenant") or {}).get("id") or conversation.get("tenantId") or ""
        )
        user_id = str(sender.get("id") or "")
        if not tenant or not user_id or not conversation.get("id"):
            return None
        self.connector.heard(tenant, str(activity.get("serviceUrl") or ""))
        community = CommunityRef(Platform.TEAMS, tenant)
        aad = str(sender.get("aadObjectId") or "")
        team = str((channel_data.get("team") or {}).get("aadGroupId") or "")
        if team:
            self.facilitators.heard(tenant, team)
        listed = self.facilitators.listed_standing(user_id, aad)
        user = UserRef(
            community,
            user_id,
            str(sender.get("name") or ""),
            roles=listed.roles,
            is_admin=listed.is_admin,
        )
        base, _, thread = str(conversation["id"]).partition(";messageid=")
        where = ConversationRef(community, base, thread or None)
        personal = conversation.get("conversationType") == "personal"
        return Who(user, where, personal, tenant, anonymous=not aad, team=team, aad=aad)

    async def standing(self, who: Who) -> Who:
        """`who` with their facilitator standing in the team, as Microsoft Graph says (a
        bounded wait, facilitators.py); TEAMS_FACILITATORS alone when it cannot say."""
        found = await self.facilitators.standing(
            tenant=who.tenant,
            team=who.team,
            personal=who.personal,
            user_id=who.user.id,
            aad=who.aad,
            role=await self.role_of(who.tenant),
        )
        user = replace(
            who.user, roles=found.roles, is_admin=found.is_admin, roles_known=found.known
        )
        return replace(who, user=user)

    def _tracked(self, work: Coroutine[Any, Any, None]) -> asyncio.Future[None]:
        """Run `work` as a task the listener can wait on, counted like the rest."""
        run = asyncio.ensure_future(work)
        self.work.start(_until_done(run))
        return run

    def responder(self, who: Who) -> TeamsResponder:
        return TeamsResponder(
            self.adapter,
            self.shelf,
            user=who.user,
            where=who.where,
            personal=who.personal,
            anonymous=who.anonymous,
        )

    # -- messages ------------------------------------------------------------------------

    async def on_message(self, activity: dict[str, Any], who: Who) -> None:
        who = await self.standing(who)
        responder = self.responder(who)
        dispatcher = self.brew.dispatcher
        value = activity.get("value")
        if isinstance(value, dict):
            # A card's button: its data names the route (a route no longer known gets the
            # dispatcher's one sentence).
            custom = route_id(value) or str(value.get(ROUTE) or "")
            if custom.startswith(FORM_BUTTON):
                # An "Open the form" button pressed where Teams did not ask for the dialog.
                await responder.reply(OutgoingMessage(self.texts.t("teams.form_gone")))
                return
            await dispatcher.run_component(custom, {}, who.user, who.where, responder)
            return
        await dispatcher.run_text(command_text(activity) or "help", who.user, who.where, responder)

    # -- dialogs -------------------------------------------------------------------------

    async def on_task_fetch(self, data: dict[str, Any], who: Who) -> dict[str, Any] | None:
        custom = route_id(data) or ""
        if custom.startswith(FORM_BUTTON):
            return self._kept(custom.removeprefix(FORM_BUTTON), who)
        responder = DialogResponder(self.responder(who))
        run = self._tracked(
            self.brew.dispatcher.run_component(custom, {}, who.user, who.where, responder)
        )
        first = await _first(responder, run, FETCH_WAIT)
        responder.late = True
        if first is None:
            return self._dialog_message(OutgoingMessage(self.texts.t("teams.answer_coming")))
        if first.form is not None:
            return self._dialog(first.form, who)
        assert first.message is not None
        return self._answer_in_dialog(first.message, first.message, responder)

    async def on_task_submit(self, data: dict[str, Any], who: Who) -> dict[str, Any] | None:
        custom = route_id(data) or ""
        token = str(data.get(FORM_KEY) or "")
        kept = self.shelf.get(token, who.user.id) if token else None
        form = kept if isinstance(kept, Form) else None
        values = form_values(form, data) if form is not None else _as_sent(data)
        words = _typed(form, values)
        responder = DialogResponder(self.responder(who), words=words)
        run = self._tracked(
            self.brew.dispatcher.run_component(custom, values, who.user, who.where, responder)
        )
        checked: asyncio.Future[Any] = asyncio.ensure_future(responder.acknowledged.wait())
        answered: asyncio.Future[Any] = asyncio.ensure_future(asyncio.shield(responder.first))
        ran: asyncio.Future[Any] = run
        await asyncio.wait(
            {ran, checked, answered}, timeout=SUBMIT_WAIT, return_when=asyncio.FIRST_COMPLETED
        )
        if not responder.first.done() and responder.acknowledged.is_set():
            # Past its checks: its answer follows soon after, shown in the dialog if in time.
            await asyncio.wait({ran, answered}, timeout=SUBMIT_WAIT)
        checked.cancel()
        answered.cancel()
        responder.late = True
        if not responder.first.done():
            return None  # the dialog closes; the answer comes as a message
        first = responder.first.result()
        if first.form is not None:
            return self._dialog(first.form, who)
        message = first.message
        assert message is not None
        if message.refused and form is not None:
            # The same dialog again, with what they wrote and why it was not taken.
            return dialog(
                form,
                words=self.adapter.words,
                data={FORM_KEY: token},
                pictures=self.adapter.pictures,
                values=values,
                refusal=message,
            )
        shown = message
        if message.refused and words:
            heading = self.texts.t("teams.form_your_words")
            words_again = Section(words, heading, untrusted=True)
            shown = replace(message, sections=(*message.sections, words_again))
        if message.keep_copy:
            # What the reader must keep also goes to their 1:1 chat, if the app is there.
            self.work.start(_copy(responder.inner, message))
        return self._answer_in_dialog(shown, message, responder)

    def _kept(self, token: str, who: Who) -> dict[str, Any] | None:
        """What a button kept for one person opens: their form, or an answer that could not
        reach them privately, shown in a dialog; for anyone else, nothing of it."""
        kept = self.shelf.get(token, who.user.id)
        if isinstance(kept, Form):
            return self._dialog(kept, who)
        if kept is None:
            gone = "teams.not_yours" if self.shelf.kept_for_another(token, who.user.id) else None
            kept = OutgoingMessage(self.texts.t(gone or "teams.form_gone"))
        shown = self._dialog_message(kept)
        if shown is None:
            return self._dialog_message(OutgoingMessage(self.texts.t("teams.answer_too_long")))
        return shown

    def _dialog(self, form: Form, who: Who) -> dict[str, Any]:
        """`form` as a dialog, kept on the shelf for `who` while it is open (its token comes
        back with what is sent)."""
        return dialog(
            form,
            words=self.adapter.words,
            data={FORM_KEY: self.shelf.keep(form, who.user.id)},
            pictures=self.adapter.pictures,
        )

    def _answer_in_dialog(
        self, shown: OutgoingMessage, message: OutgoingMessage, responder: DialogResponder
    ) -> dict[str, Any] | None:
        """The dialog shows `shown` when it fits on one card; a longer answer, `message`,
        comes as a message the usual way (the dialog closes)."""
        answer = self._dialog_message(shown)
        if answer is None:
            self.work.start(responder.reply(replace(message, keep_copy=False)))
        return answer

    def _dialog_message(self, message: OutgoingMessage) -> dict[str, Any] | None:
        """A dialog that shows `message` (a private answer only the person sees), or None
        when it is more than one card."""
        activities = self.adapter.cards(message)
        if len(activities) != 1:
            return None
        title = message.title or self.texts.t("teams.dialog_title")
        card = activities[0]["attachments"][0]
        return {"task": {"type": "continue", "value": {"title": title, "card": card}}}

    # -- installs ------------------------------------------------------------------------

    def _bot_added(self, activity: dict[str, Any]) -> bool:
        if activity.get("type") == "installationUpdate":
            # The conversationUpdate that follows says the same: welcome once, on that.
            return False
        recipient = str((activity.get("recipient") or {}).get("id") or "")
        added = activity.get("membersAdded") or []
        return any(isinstance(m, dict) and m.get("id") == recipient for m in added)

    async def welcome(self, who: Who) -> None:
        message = OutgoingMessage(
            title=self.texts.t("teams.welcome_title"), text=self.texts.t("teams.welcome")
        )
        try:
            await self.adapter.send(who.where, message)
        except DeliveryError as exc:
            log.info("could not post the welcome reason=%s", exc.reason)


async def _first(
    responder: DialogResponder, run: asyncio.Future[None], limit: float
) -> First | None:
    """The invoke's first answer, waiting at most `limit` seconds (or until the work ended
    without one)."""
    answered: asyncio.Future[Any] = asyncio.ensure_future(asyncio.shield(responder.first))
    ran: asyncio.Future[Any] = run
    await asyncio.wait({answered, ran}, timeout=limit, return_when=asyncio.FIRST_COMPLETED)
    answered.cancel()
    return responder.first.result() if responder.first.done() else None


async def _copy(responder: TeamsResponder, message: OutgoingMessage) -> None:
    await responder.private_copy(message)


def _as_sent(data: dict[str, Any]) -> dict[str, str]:
    """A dialog's answers as Teams sent them, for a form no longer on the shelf (the bot
    restarted while it was open): every input by its id."""
    return {k: "" if v is None else str(v) for k, v in data.items() if k not in _TEAMS_KEYS}


def _typed(form: Form | None, values: dict[str, str]) -> str:
    """What the person typed into the form's text boxes (all answers, when the form is not
    known), to give back if the submission is turned down."""
    typed = {FieldKind.SHORT, FieldKind.PARAGRAPH}
    kept = [f.id for f in form.fields if f.kind in typed] if form is not None else list(values)
    return "\n\n".join(values[k] for k in kept if values.get(k, "").strip())


async def _until_done(run: asyncio.Future[None]) -> None:
    await run


def command_text(activity: dict[str, Any]) -> str:
    """The words of a typed command: the bot's own @mention taken out, anyone else's made the
    id the commands take (<@29:...> for a person, <#19:...> for a channel), as a picked person
    or channel is on Slack and Discord. Teams puts each mention's tag in the text and says who
    it is in an entity, in the text's order."""
    text = str(activity.get("text") or "")
    bot = (activity.get("recipient") or {}).get("id")
    for entity in activity.get("entities") or ():
        tag = str(entity.get("text") or "") if entity.get("type") == "mention" else ""
        if tag:
            text = text.replace(tag, f" {_as_id(entity, bot)} ", 1)
    return _MENTION.sub(" ", text).strip()


def _as_id(mention: dict[str, Any], bot: str | None) -> str:
    named = str((mention.get("mentioned") or {}).get("id") or "")
    if not named or named == bot:
        return ""
    # Teams' channel and chat ids start "19:", people's "29:".
    return f"<#{named}>" if named.startswith("19:") else f"<@{named}>"
