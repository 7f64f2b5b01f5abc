"""A session's own page, reached only by its link (`/brew link N`, bot/sessions/links.py):
what the announcement says, a calendar invite, the spark and the privacy notice, each with an
Easy Read version one click away; while reflections are open, the same anonymous reflection
form as in the chat; and until the session is sealed, taking a reflection back with its code.

Looking at the page stores nothing. The forms go through the dispatcher as a visitor
(bot/platforms/web/visits.py), so every check, refusal and anonymity rule is the chat's own;
a refusal shows its one sentence on the page, next to the field it is about, with what the
person wrote still in the form. A link that is not (or no longer) in use gets the "link not
known" page, whatever it looks like.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.core.domain import SessionState
from bot.core.messages import Form, OutgoingMessage, custom_id
from bot.platforms.web.errors import known
from bot.platforms.web.forms import FIELD, sent_form, text_of
from bot.platforms.web.guards import ADDRESS
from bot.platforms.web.keys import BREWBOT, FORM_TOKENS
from bot.platforms.web.render import kept_page, page, paragraphs
from bot.platforms.web.visits import run_command, send_form
from bot.reflections import resend
from bot.sessions.links import SessionPage

REFLECT, WITHDRAW = "reflect", "withdraw"
# A reflection can be taken back until the session is sealed (the service says when it is).
WITHDRAW_STATES = frozenset({SessionState.REFLECTING, SessionState.CLOSED})
# Which version of the page a form was sent from, so the answer comes in the same one.
VERSION, EASY = "version", "easy"


def routes(_app: web.Application) -> list[web.RouteDef]:
    return [
        web.get("/s/{token}", plain),
        web.get("/s/{token}/easy-read", easy_read),
        web.get("/s/{token}/invite.ics", invite),
        web.post("/s/{token}/reflect", reflect),
        web.post("/s/{token}/withdraw", withdraw),
    ]


@dataclass
class Visit:
    """What the page's forms show this time: empty, or the answer to what was just sent."""

    values: Mapping[str, str] = field(default_factory=dict)
    # The reflection form's refusal (its `field` names the field it is about), or thanks.
    problem: OutgoingMessage | None = None
    thanks: OutgoingMessage | None = None
    code: str = ""
    taken_back: OutgoingMessage | None = None


async def _shown(request: web.Request) -> SessionPage:
    return known(await request.app[BREWBOT].links.page(_token(request)))


def _token(request: web.Request) -> str:
    return request.match_info["token"]


async def plain(request: web.Request) -> web.Response:
    return _page(request, await _shown(request), easy=False)


async def easy_read(request: web.Request) -> web.Response:
    return _page(request, await _shown(request), easy=True)


@dataclass(frozen=True)
class _Sent:
    """A form sent from the page: the page it came from, its fields, which version of the
    page, and its token's nonce (None: not one this process gave this form on this page)."""

    shown: SessionPage
    fields: Mapping[str, object]
    easy: bool
    nonce: str | None


async def _sent(request: web.Request, purpose: str) -> _Sent:
    shown = await _shown(request)
    fields = await sent_form(request)
    nonce = request.app[FORM_TOKENS].check(text_of(fields, FIELD), purpose, _token(request))
    return _Sent(shown, fields, text_of(fields, VERSION) == EASY, nonce)


def _expired(request: web.Request) -> OutgoingMessage:
    return OutgoingMessage(request.app[BREWBOT].deps.texts.t("web.form_expired"), refused=True)


async def reflect(request: web.Request) -> web.Response:
    sent = await _sent(request, REFLECT)
    shown, easy = sent.shown, sent.easy
    form = _reflection_form(request, shown, easy=easy)
    names = [f.id for f in form.fields] if form is not None else []
    values = {name: text_of(sent.fields, name) for name in names}
    # A token this process cannot vouch for (from before a restart, run out, changed) may
    # still be the same form sent again: its nonce finds what it stored, and stores nothing
    # new (bot/reflections/resend.py).
    claimed = sent.nonce or request.app[FORM_TOKENS].claimed(text_of(sent.fields, FIELD))
    if claimed is None:
        said = _expired(request)
    else:
        stored_only = sent.nonce is None
        arg = resend.form_arg(shown.session_id, claimed, stored_only=stored_only)
        custom = custom_id("reflection", "submit", arg)
        said = await send_form(request.app[BREWBOT], shown, custom, values, claimed, easy=easy)
    if said.refused:
        visit = Visit(values=values, problem=said)
        return _page(request, shown, easy=easy, visit=visit, status=422)
    return _page(request, shown, easy=easy, visit=Visit(thanks=said))


async def withdraw(request: web.Request) -> web.Response:
    sent = await _sent(request, WITHDRAW)
    code = text_of(sent.fields, "code")
    if sent.nonce is None:
        said = _expired(request)
    else:
        # Taking back, a visitor is their address (keyed, in memory only), not this opening
        # of the page: the five-wrong-codes limit then holds however often the page is
        # opened again. The code alone finds the reflection (bot/reflections/anonymity.py).
        visitor = request.app[FORM_TOKENS].keyed(request[ADDRESS])
        brew = request.app[BREWBOT]
        said = await run_command(
            brew, sent.shown, "withdraw", {"code": code}, visitor, easy=sent.easy
        )
    visit = Visit(code=code if said.refused else "", taken_back=said)
    status = 422 if said.refused else 200
    return _page(request, sent.shown, easy=sent.easy, visit=visit, status=status)


def _reflection_form(request: web.Request, shown: SessionPage, *, easy: bool) -> Form | None:
    """The chat's own reflection form while reflections are open, else None. A visitor has
    not answered the privacy notice, so it asks them to agree, for this reflection only."""
    if shown.state != SessionState.REFLECTING:
        return None
    prompt = shown.spark.reflection_prompt if shown.spark else None
    reflections = request.app[BREWBOT].reflections
    return reflections.form(
        shown.session_id, prompt=prompt, easy=easy, ask_agreement=True, on_web=True
    )


def _page(
    request: web.Request,
    shown: SessionPage,
    *,
    easy: bool,
    visit: Visit | None = None,
    status: int = 200,
) -> web.Response:
    brew = request.app[BREWBOT]
    token = _token(request)
    # Thanked: the form is not shown again, so its words are not sent twice by mistake.
    thanked = visit is not None and visit.thanks is not None
    texts, days = brew.deps.texts, brew.deps.settings.forget_after_days

    def context() -> dict[str, Any]:
        return {
            "session": shown,
            "easy": easy,
            "token": token,
            "reflection_form": None if thanked else _reflection_form(request, shown, easy=easy),
            "can_withdraw": shown.state in WITHDRAW_STATES,
            "visit": visit or Visit(),
            # The thanks, with the person's code, is theirs alone: a hole in the kept page.
            "thanks": None,
            "privacy": texts.template("privacy_web", easy=easy, days=days),
            # Easy Read: the privacy notice and the spark as ideas, each beside its picture.
            "privacy_ideas": texts.ideas("privacy_web", days=days) if easy else (),
            "spark_ideas": shown.spark.easy_ideas() if easy and shown.spark else None,
        }

    if visit is None or visit == Visit(thanks=visit.thanks):
        # Only opened, or thanked: the same page for everyone while the session shows the
        # same, so a crowd is rendered once (each still gets forms and thanks of their own).
        own = {"thanks": paragraphs(visit.thanks.text)} if visit and visit.thanks else {}
        return kept_page(
            request,
            (token, easy, bool(own)),
            shown,
            "session.html",
            title=shown.title,
            context=context,
            own=own,
        )
    return page(request, "session.html", title=shown.title, status=status, **context())


async def invite(request: web.Request) -> web.Response:
    brew = request.app[BREWBOT]
    async with brew.db.read() as tx:
        found = known(await brew.links.invite(tx, _token(request)))
    return web.Response(
        body=found.content,
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{found.filename}"'},
    )
