"""Anonymous reflections: the private form, storage without any link to the writer, and
withdrawal by one-time code.

What makes them unlinkable (docs/anonymity.md): the row holds no user id, name, message id
or time; its id is random; it is written in a transaction that touches no row about a
person, and opening the form writes nothing at all; the breakout number is kept only for
groups with enough people who could have written it. What repeats, counting and withdrawal
need is kept in memory or is useless without the code (bot/reflections/anonymity.py). Nothing
here logs anything about a reflection.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import Integer, func, type_coerce
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import CommandError
from bot.core.domain import SessionState
from bot.core.marked import Own
from bot.core.messages import (
    Choice,
    FieldKind,
    Form,
    FormField,
    OpenForm,
    OutgoingMessage,
    Reply,
    Response,
    custom_id,
)
from bot.core.refs import is_visitor
from bot.core.typed import readable
from bot.delivery.outbox import Delivery
from bot.engine.context import CommandContext
from bot.engine.deps import Deps
from bot.engine.known import Fact
from bot.people.privacy import PrivacyService
from bot.reflections import resend
from bot.reflections.alerts import Alerts
from bot.reflections.anonymity import (
    WrongCodeLimiter,
    new_code,
    on_commit,
    read_code,
    withdraw_tag,
)
from bot.reflections.contact import offer
from bot.reflections.redaction import KnownNames, redact
from bot.reflections.safeguarding import risk_matches
from bot.reflections.sealing import groups_big_enough, purge_effect, small_number
from bot.reflections.together import rewrite_alerts
from bot.sessions.service import SessionService
from bot.sparks.library import Spark
from bot.sparks.service import spark_for
from storage.models import (
    Breakout,
    BreakoutMember,
    Community,
    OutboxItem,
    OutboxStatus,
    Participant,
    Reflection,
    Session,
    id_of,
    random_id,
)
from storage.repositories import add_reflections, hold_sessions

CATEGORIES = ("working", "not_working", "future", "idea")
MAX_TEXT = 2000

# Told in a withdrawal's transaction, once the reflection is deleted: a feature that copies
# reflections' words into deliveries makes again those not yet delivered, without it, and
# returns the outbox rows it changed.
Redraft = Callable[[AsyncSession, Community, Session], Awaitable[list[OutboxItem]]]


class ReflectionService:
    def __init__(
        self,
        deps: Deps,
        sessions: SessionService,
        privacy: PrivacyService,
        sparks: Fact[tuple[int, str], Spark],
    ) -> None:
        self.deps = deps
        self.sessions = sessions
        self.privacy = privacy
        self.names = NameCache()
        self.wrong_codes = WrongCodeLimiter()
        self.t = deps.texts.t
        # Safeguarding alerts: delivered to someone who looks after safety, or waiting and said.
        self.alerts = Alerts(deps)
        # Sparks kept in memory, for the prompt of the form's button, which only reads
        # (known_sparks): a community may add its own sparks.
        self.sparks = sparks
        # Features that copy reflections' words into deliveries (the digest's draft).
        self.on_withdrawn: list[Redraft] = []

    def form(
        self,
        session_id: int,
        *,
        prompt: str | None = None,
        easy: bool = False,
        ask_agreement: bool = False,
        on_web: bool = False,
        nonce: str = "",
    ) -> Form:
        """The reflection form. `on_web`: on a session's web page, whose privacy notice and
        withdrawal form are on the page itself rather than commands. `nonce`: this opening's
        own (bot/reflections/resend.py), carried in the form's id."""
        texts = self.deps.texts
        values = {
            "prompt": prompt or self.t("reflections.default_prompt"),
            "help": texts.template("help_now", easy=easy),
        }
        intro = texts.template("reflection_form", easy=easy, **values)
        # Easy Read: the same words as ideas, each beside its picture, where they can show.
        ideas = texts.ideas("reflection_form", **values) if easy else ()
        agreement: tuple[FormField, ...] = ()
        if ask_agreement:
            agree = "agree_intro_web" if on_web else "agree_intro"
            agree = f"reflections_easy.{agree}" if easy else f"reflections.{agree}"
            intro = f"{intro}\n\n{self.t(agree)}"
            ideas += (texts.idea(agree),) if easy else ()
            agreement = (
                FormField(
                    "agree",
                    self.t("reflections.agree_label"),
                    FieldKind.CHECKBOX,
                    choices=(Choice(self.t("reflections.agree_yes"), "yes"),),
                ),
            )
        return Form(
            title=self.t("reflections.form_title"),
            custom_id=custom_id(
                "reflection",
                "submit",
                resend.form_arg(session_id, nonce) if nonce else str(session_id),
            ),
            intro=intro,
            fields=(
                FormField(
                    "category",
                    self.t("reflections.category_label"),
                    FieldKind.CHOICE,
                    choices=tuple(
                        Choice(self.t(f"reflections.category.{c}"), c) for c in CATEGORIES
                    ),
                ),
                FormField(
                    "text",
                    self.t("reflections.text_label"),
                    FieldKind.PARAGRAPH,
                    max_length=MAX_TEXT,
                    hint=self.t("reflections.text_hint"),
                ),
                FormField(
                    "quote",
                    self.t("reflections.quote_label"),
                    FieldKind.CHECKBOX,
                    required=False,
                    choices=(Choice(self.t("reflections.quote_yes"), "yes"),),
                ),
                *agreement,
            ),
            submit_label=self.t("reflections.submit"),
            ideas=ideas,
        )

    async def open_form(self, ctx: CommandContext, session: Session) -> Response:
        """The form for `session`, read in the step's own transaction (`/brew reflect`)."""
        if (refusal := self._before_form(ctx, id_of(session), session.state)) is not None:
            return refusal
        # The spark's own reflection prompt, when the session had one.
        spark_id = session.spark_id
        spark = (
            await spark_for(self.deps, ctx.tx, id_of(ctx.community), spark_id) if spark_id else None
        )
        return self._form_for(ctx, id_of(session), spark.reflection_prompt if spark else None)

    async def open_from_button(self, ctx: CommandContext) -> Response:
        """The "Share a reflection" button. It only reads (`reads_only`), all of it from what
        is known in memory, so a crowd pressing it at once waits for no writer. What it
        relies on is checked again, in the sending's own transaction, before anything is
        stored (`_draft`)."""
        session_id = ctx.session_id()
        if session_id is None:
            raise CommandError("errors.unknown_button")
        session = await self.deps.known.sessions.get(session_id)
        if session is None or session.community_id != id_of(ctx.community):
            raise CommandError("sessions.unknown", session_id=session_id)
        if (refusal := self._before_form(ctx, session.id, session.state)) is not None:
            return refusal
        spark_id = session.spark_id
        spark = await self.sparks.get((session.community_id, spark_id)) if spark_id else None
        return self._form_for(ctx, session.id, spark.reflection_prompt if spark else None)

    def _before_form(self, ctx: CommandContext, session_id: int, state: str) -> Reply | None:
        """Refuses outside the reflection step; the privacy notice for someone who said no."""
        if state != SessionState.REFLECTING:
            raise CommandError("reflections.not_open", session_id=session_id)
        if ctx.actor.consent != "no":
            return None
        # Saying no still lets people listen; reflecting needs a yes.
        notice = self.privacy.notice(ctx.community, easy=ctx.actor.easy_read)
        # The notice as it is, words or Easy Read ideas with their pictures, after why.
        said = (self.t("privacy.consent_needed"), notice.text)
        return Reply(replace(notice, text="\n\n".join(part for part in said if part)))

    def _form_for(self, ctx: CommandContext, session_id: int, prompt: str | None) -> OpenForm:
        # Someone who has not answered the privacy notice agrees in the form itself, so
        # nothing about them is written on the way to sharing (docs/anonymity.md).
        form = self.form(
            session_id,
            prompt=prompt,
            easy=ctx.actor.easy_read,
            ask_agreement=ctx.actor.consent != "yes",
            nonce=resend.new_nonce(),
        )
        # Plain style: the words alone, without pictures.
        return OpenForm(replace(form, ideas=()) if ctx.actor.plain_style else form)

    async def submit(self, ctx: CommandContext) -> Reply:
        """One reflection sent from the private form."""
        [answer] = await self.submit_many([ctx])
        if isinstance(answer, CommandError):
            raise answer
        return answer

    async def submit_many(self, contexts: Sequence[CommandContext]) -> list[Reply | CommandError]:
        """Reflections sent together, in one transaction (the dispatcher gathers a burst):
        each is checked on its own, then the reads and writes are done once for them all.
        A refused reflection writes nothing."""
        answers: dict[int, Reply | CommandError] = {}
        drafts: list[_Draft] = []
        # Kept referenced: the transaction's identity map, which answers the look-ups of
        # each session below, holds its rows only weakly.
        _preloaded = await _sessions(contexts)
        for index, ctx in enumerate(contexts):
            try:
                drafts.append(await self._draft(index, ctx))
            except CommandError as exc:
                answers[index] = exc
        if drafts:
            await self._store(drafts, answers)
        return [answers[index] for index in range(len(contexts))]

    async def _store(self, drafts: list[_Draft], answers: dict[int, Reply | CommandError]) -> None:
        """Write the drafts that are not repeats; put each one's answer in `answers`.

        Only reflection rows are written here, nothing about any person, so the order of
        writes cannot pair a person with a reflection."""
        tx = drafts[0].ctx.tx
        writers = self.deps.writers
        names = await self.names.for_communities(tx, {id_of(d.ctx.community) for d in drafts})
        # Someone new is a stand-in that is never stored (see the dispatcher): no id, no group.
        known = {(id_of(d.session), d.ctx.actor.id) for d in drafts if d.ctx.actor.id is not None}
        groups = await _group_numbers(tx, known, small_number(self.deps))
        rows: list[dict[str, object]] = []
        # Reflections sent again from the same form: their new withdrawal tags, by key.
        retag: dict[tuple[int, str], str] = {}
        remember: list[tuple[int, str, str, bytes]] = []
        batch_repeats: set[tuple[int, bytes]] = set()
        already = await _stored(tx, drafts)
        for draft in drafts:
            ctx, session, session_id = draft.ctx, draft.session, id_of(draft.session)
            key = (session_id, draft.reflection_id)
            repeat = writers.repeat_tag(session_id, ctx.user.id, draft.text)
            if key in already:
                # The same form again (its first answer lost, say): kept once, a new code.
                code, secret = new_code(session_id)
                retag[key] = withdraw_tag(session_id, secret, ctx.user.id)
                remember.append((session_id, draft.reflection_id, ctx.user.id, repeat))
                answers[draft.index] = self._thanks(ctx, session_id, code, already[key], again=True)
                continue
            if draft.stored_only:
                # A form whose token could not be checked (the web page's, after a restart):
                # it finds what it stored, but stores nothing new.
                answers[draft.index] = CommandError("reflections.form_not_checked")
                continue
            if writers.is_repeat(session_id, repeat) or (session_id, repeat) in batch_repeats:
                answers[draft.index] = CommandError("reflections.duplicate")
                continue
            batch_repeats.add((session_id, repeat))
            code, secret = new_code(session_id)
            screened = self.screen(
                ctx.community,
                session,
                draft.text,
                names[id_of(ctx.community)],
                given_id=draft.reflection_id,
            )
            reflection_id, text, risks = screened.reflection_id, screened.text, screened.risks
            person = ctx.actor.id
            rows.append(
                {
                    "id": reflection_id,
                    "session_id": session_id,
                    "category": draft.category,
                    "text": text,
                    "quote_ok": draft.quote_ok,
                    "breakout_number": (
                        groups.get((session_id, person)) if person is not None else None
                    ),
                    "held": bool(risks),
                    "withdraw_tag": withdraw_tag(session_id, secret, ctx.user.id),
                    "in_count": False,
                }
            )
            remember.append((session_id, reflection_id, ctx.user.id, repeat))
            already[key] = bool(risks)
            if screened.alert is not None:
                alert = screened.alert
                await self.deps.outbox.add(tx, ctx.community, alert)
                ctx.after_commit(self.deps.outbox.deliver_effect([alert.key]))
            answers[draft.index] = self._thanks(ctx, session_id, code, bool(risks))
        # Written as plain rows, one statement for all: building ORM objects for a burst cost
        # more than the checks. With each session's others, in key order: where they sit must
        # not give the order they were written in.
        if rows or retag:
            await add_reflections(await tx.connection(), rows, retag=retag)
            await rewrite_alerts(tx, {session_id for session_id, *_ in remember})

        def stored() -> None:
            for session_id, reflection_id, user_id, repeat in remember:
                writers.record(session_id, reflection_id, user_id, repeat)

        on_commit(tx, stored)

    def _thanks(
        self, ctx: CommandContext, session_id: int, code: str, held: bool, *, again: bool = False
    ) -> Reply:
        """The thank-you with the withdrawal code; `again`: the same form was sent before, and
        this code replaces any given for it then."""
        # A visitor on the web page takes a reflection back on the page, and cannot be
        # contacted: they gave no way to reach them.
        visitor = is_visitor(ctx.user.id)
        thanks = self.deps.texts.template(
            "thank_you_web" if visitor else "thank_you",
            easy=ctx.actor.easy_read,
            withdraw_code=Own(code),  # made by Brewbot
            days=self.deps.settings.forget_after_days,
        )
        if again:
            thanks = f"{self.t('reflections.sent_again')}\n\n{thanks}"
        if held:
            # At once and privately: where to get help now (nothing is stored about it).
            help_now = self.deps.texts.template("help_now", easy=ctx.actor.easy_read)
            thanks = f"{thanks}\n\n{self.t('reflections.held_help')}\n\n{help_now}"
        # Offered to every writer in the chat, so asking says nothing about what anyone wrote.
        actions = () if visitor else (offer(self.deps, session_id),)
        if not visitor:
            thanks = f"{thanks}\n\n{self.t('contact.offer')}"
        # The code must outlast the answer: a platform whose private answers vanish may also
        # send the writer a private copy (never stored, never through the outbox).
        return Reply(OutgoingMessage(thanks, actions=actions, keep_copy=True))

    def screen(
        self,
        community: Community,
        session: Session,
        words: str,
        names: KnownNames,
        *,
        alert_key: str = "safeguarding.alert",
        given_id: str | None = None,
    ) -> Screened:
        """What every reflection goes through before it is stored, whether it came from the
        form or was gathered outside the chat (bot/reflections/outside.py): risk words are
        looked for in what was written, personal details are redacted, and words that may
        show someone at risk get an alert (words only) for the caller to put in the outbox."""
        risks = risk_matches(words)
        reflection_id = given_id or random_id()
        text = redact(words, names)
        alert = (
            self.alerts.alert(community, session, (reflection_id, text), risks, key=alert_key)
            if risks
            else None
        )
        return Screened(reflection_id, text, risks, alert)

    async def check(self, ctx: CommandContext) -> None:
        """A sent form's checks from what is known in memory (`ComponentRoute.check`), so a
        refusal is shown at once, in the form where the platform can. A session this process
        does not know yet is left to `_draft`, which checks everything again."""
        session_id = ctx.session_id()
        session = await self.deps.known.sessions.get(session_id) if session_id else None
        if session is not None and session.community_id == id_of(ctx.community):
            _checked(ctx, session.id, session.state)

    async def _draft(self, index: int, ctx: CommandContext) -> _Draft:
        """One reflection's own checks, before anything is written."""
        session = await self.sessions.resolve(ctx, ctx.session_id())
        category, text, quote_ok = _checked(ctx, id_of(session), session.state)
        carried = resend.read_rest(ctx.arg_rest())
        if carried is None:
            raise CommandError("errors.unknown_button")
        nonce, stored_only = carried
        reflection_id = resend.reflection_id(nonce)
        return _Draft(index, ctx, session, category, text, quote_ok, reflection_id, stored_only)

    async def withdraw(self, ctx: CommandContext) -> Reply:
        """Take back a reflection with its code. Only the writer's own code works; wrong
        codes are limited per person, so nobody can find a reflection by guessing."""
        who = f"{ctx.community.id}:{ctx.user.id}"
        if not self.wrong_codes.may_try(who):
            raise CommandError("reflections.too_many_codes")
        typed = read_code(ctx.arg("code") or "")
        if typed is None:
            self.wrong_codes.wrong(who)
            raise CommandError("reflections.bad_code")
        session_id, secret = typed
        session = await self.sessions.resolve(ctx, session_id)
        if session.sealed_at is not None:
            raise CommandError("reflections.too_late")
        tag = withdraw_tag(session_id, secret, ctx.user.id)
        # Not while another transaction rewrites the session's reflections (it would write
        # this one back).
        await hold_sessions(await ctx.tx.connection(), [session_id])
        found = (
            await ctx.tx.exec(
                select(Reflection).where(
                    Reflection.session_id == session_id, Reflection.withdraw_tag == tag
                )
            )
        ).first()
        if found is None:
            self.wrong_codes.wrong(who)
            raise CommandError("reflections.code_not_found")
        await ctx.tx.delete(found)
        reflection_id = found.id
        # No copy still to be delivered keeps the words: its alert, the digest's draft.
        copies = await self.alerts.taken_back(ctx.tx, session, reflection_id)
        for redraft in self.on_withdrawn:
            copies += await redraft(ctx.tx, ctx.community, session)
        on_commit(ctx.tx, lambda: self.deps.writers.withdrawn(session_id, reflection_id))
        # The words are purged from the files before the person hears they are gone.
        ctx.after_commit(purge_effect(self.deps))
        # A copy being sent this very moment cannot be called back: the writer is told.
        now = self.deps.clock.now()
        sending = any(c.status == OutboxStatus.SENDING and c.due_at > now for c in copies)
        return Reply(
            OutgoingMessage(
                self.t("reflections.withdrawn_sending" if sending else "reflections.withdrawn")
            )
        )


class NameCache:
    """Compiled known names per community, rebuilt only when a name could have changed.

    A cheap fingerprint (how many people, the newest id, the total length of their names)
    is read on every use, so a new or renamed person is redacted from their first moment.
    """

    def __init__(self) -> None:
        self._cache: dict[int, tuple[tuple[int, int, int], KnownNames]] = {}

    async def for_communities(
        self, tx: AsyncSession, community_ids: set[int]
    ) -> dict[int, KnownNames]:
        """Each community's known names, with one fingerprint query for them all."""
        lengths = func.length(func.coalesce(Participant.display_name, "")) + func.length(
            func.coalesce(Participant.called_by, "")
        )
        rows = await tx.exec(
            select(
                Participant.community_id,
                func.count(),
                # The newest id or 0 (coalesce takes its type, `int | None`, from the id).
                type_coerce(func.coalesce(func.max(Participant.id), 0), Integer),
                func.coalesce(func.sum(lengths), 0),
            )
            .where(col(Participant.community_id).in_(community_ids))
            .group_by(col(Participant.community_id))
        )
        fingerprints = {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in rows}
        names: dict[int, KnownNames] = {}
        for community_id in community_ids:
            fingerprint = fingerprints.get(community_id, (0, 0, 0))
            cached = self._cache.get(community_id)
            if cached is None or cached[0] != fingerprint:
                built = KnownNames.build(await known_names(tx, community_id))
                cached = self._cache[community_id] = (fingerprint, built)
            names[community_id] = cached[1]
        return names


async def known_names(tx: AsyncSession, community_id: int) -> list[str]:
    rows = (
        await tx.exec(
            select(Participant.display_name, Participant.called_by).where(
                Participant.community_id == community_id
            )
        )
    ).all()
    return sorted({n for pair in rows for n in pair if n})


async def _stored(tx: AsyncSession, drafts: Sequence[_Draft]) -> dict[tuple[int, str], bool]:
    """The drafts' reflections already stored (the same form sent before), by key, each with
    whether it is held for safeguarding. One query for a batch."""
    keys = {(id_of(d.session), d.reflection_id) for d in drafts}
    rows = await tx.exec(
        select(Reflection.session_id, Reflection.id, Reflection.held).where(
            col(Reflection.session_id).in_({session for session, _ in keys}),
            col(Reflection.id).in_({reflection for _, reflection in keys}),
        )
    )
    return {(s, r): held for s, r, held in rows if (s, r) in keys}


async def _sessions(contexts: Sequence[CommandContext]) -> list[Session]:
    """The sessions a batch names, read with one query."""
    named: set[int] = set()
    for ctx in contexts:
        try:
            session_id = ctx.session_id()
        except CommandError:
            continue  # refused on its own, later
        if session_id is not None:
            named.add(session_id)
    if len(contexts) < 2 or not named:
        return []
    tx = contexts[0].tx
    return list((await tx.exec(select(Session).where(col(Session.id).in_(named)))).all())


async def _group_numbers(
    tx: AsyncSession, writers: set[tuple[int, int]], threshold: int
) -> dict[tuple[int, int], int]:
    """Each (session, person)'s breakout number, only where enough people in that group could
    have written the reflection (they agreed to the privacy notice and are still there) not
    to identify them."""
    rows = await tx.exec(
        select(Breakout.session_id, BreakoutMember.participant_id, Breakout.number)
        .join(BreakoutMember, col(BreakoutMember.breakout_id) == col(Breakout.id))
        .where(
            col(Breakout.session_id).in_({session for session, _ in writers}),
            col(BreakoutMember.participant_id).in_({person for _, person in writers}),
        )
    )
    found = {(s, p): n for s, p, n in rows if (s, p) in writers}
    if not found:
        return {}
    allowed = await groups_big_enough(tx, {s for s, _ in found}, threshold)
    return {key: n for key, n in found.items() if n in allowed[key[0]]}


@dataclass(frozen=True)
class Screened:
    """A reflection's words made ready to store: its new random id, the redacted words, the
    kinds of risk found, and the alert to send when there are any."""

    reflection_id: str
    text: str
    risks: list[str]
    alert: Delivery | None


@dataclass
class _Draft:
    """A reflection that passed its own checks, before it is written."""

    index: int
    ctx: CommandContext
    session: Session
    category: str
    text: str
    quote_ok: bool
    # The reflection's id, from the form's nonce when it carried one (resend.py).
    reflection_id: str
    # Taken only if it is the same form sent again (resend.py `STORED_ONLY`).
    stored_only: bool = False


def _checked(ctx: CommandContext, session_id: int, state: str) -> tuple[str, str, bool]:
    """A sent form's own checks: its category, its readable words and whether it may be
    quoted, or the CommandError that turns it down (under the field it is about)."""
    if state != SessionState.REFLECTING:
        raise CommandError("reflections.closed", session_id=session_id)
    values: dict[str, str] = ctx.args.get("values") or {}
    # Agreeing in the form counts for this reflection only and is not stored.
    if ctx.actor.consent != "yes" and not _ticked(values, "agree"):
        raise CommandError("privacy.consent_needed", field="agree")
    category = (values.get("category") or "").strip()
    if category not in CATEGORIES:
        raise CommandError("reflections.choose_category", field="category")
    # Nothing that shows nothing is kept: only zero-width or control characters are empty.
    text = readable(values.get("text") or "")
    if not text:
        raise CommandError("reflections.empty", field="text")
    if len(text) > MAX_TEXT:
        raise CommandError("reflections.too_long", field="text", limit=MAX_TEXT, length=len(text))
    return category, text, _ticked(values, "quote")


def _ticked(values: dict[str, str], name: str) -> bool:
    """Whether a form's checkbox was ticked, however the platform spells it."""
    return (values.get(name) or "").strip().lower() in ("yes", "true", "on", "1")
