"""A community's pages for its working group and participants, reached only by its link
(`/brew link group`, bot/digest/pages.py): the sent digests, "we said, we did", and for each
sent digest what the people who took part were told, plain and Easy Read; and the regional
report of this community over days the reader chooses (a plain GET form), as a page or a CSV
file. Looking at them stores nothing. A link not (or no longer) in use, another community's
session, a digest not sent and a session number that is not one all get the "link not known"
page."""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web
from markupsafe import Markup

from bot.core.commands import as_id
from bot.core.easy_read import easy_read_layout
from bot.core.messages import Section
from bot.digest import report as report_text
from bot.digest.pages import PeriodProblem, report_period
from bot.digest.render import html_meta, html_sections
from bot.platforms.web.errors import known
from bot.platforms.web.keys import BREWBOT
from bot.platforms.web.render import page
from bot.sessions.timeparse import format_date


def routes(_app: web.Application) -> list[web.RouteDef]:
    return [
        web.get("/g/{token}", index),
        web.get("/g/{token}/actions", actions),
        web.get("/g/{token}/digest/{session_id}", digest),
        web.get("/g/{token}/heard/{session_id}", heard),
        web.get("/g/{token}/heard/{session_id}/easy-read", heard_easy_read),
        web.get("/g/{token}/report", report),
        web.get("/g/{token}/report.csv", report_csv),
    ]


def _token(request: web.Request) -> str:
    return request.match_info["token"]


def _session_id(request: web.Request) -> int:
    """The session number in the address; one no row can have is "link not known"."""
    return known(as_id(request.match_info["session_id"]) or None)


async def index(request: web.Request) -> web.Response:
    brew = request.app[BREWBOT]
    async with brew.db.read() as tx:
        community = known(await brew.group_links.community(tx, _token(request)))
        sent = await brew.group_links.sent(tx, community)
    t = brew.deps.texts.t
    return page(
        request, "group.html", title=t("group_links.page.title"), sent=sent, token=_token(request)
    )


async def actions(request: web.Request) -> web.Response:
    brew = request.app[BREWBOT]
    async with brew.db.read() as tx:
        community = known(await brew.group_links.community(tx, _token(request)))
        groups = await brew.group_links.tracker(tx, community)
    t = brew.deps.texts.t
    return page(
        request,
        "group_actions.html",
        title=t("group_links.page.tracker"),
        groups=groups,
        token=_token(request),
    )


async def digest(request: web.Request) -> web.Response:
    session_id = _session_id(request)
    brew = request.app[BREWBOT]
    async with brew.db.read() as tx:
        community = known(await brew.group_links.community(tx, _token(request)))
        found = known(await brew.group_links.digest(tx, community, session_id))
    t = brew.deps.texts.t
    # The digest's own accessible HTML (bot/digest/render.py), which escapes every value it
    # did not write itself; without the bar chart, whose inline styles the policy forbids.
    return page(
        request,
        "group_digest.html",
        title=t("digest.title", title=found.title),
        meta=Markup(html_meta(found)),
        sections=Markup(html_sections(found, chart=False)),
        token=_token(request),
    )


async def heard(request: web.Request) -> web.Response:
    return await _heard(request, easy=False)


async def heard_easy_read(request: web.Request) -> web.Response:
    return await _heard(request, easy=True)


async def _heard(request: web.Request, *, easy: bool) -> web.Response:
    session_id = _session_id(request)
    brew = request.app[BREWBOT]
    async with brew.db.read() as tx:
        community = known(await brew.group_links.community(tx, _token(request)))
        message = known(await brew.group_links.heard(tx, community, session_id))
    # Easy Read: each idea beside its picture, one sentence to a paragraph; plain: the
    # message's own lines and paragraphs, without pictures.
    layout = easy_read_layout if easy else str
    blocks = [("", layout(message.text))]
    pictured: tuple[Section, ...] = ()
    if easy:
        pictured = tuple(replace(s, body=easy_read_layout(s.body)) for s in message.sections)
    else:
        blocks += [(section.heading, section.body) for section in message.sections]
    paragraphs = [
        (heading, [part.splitlines() for part in text.split("\n\n") if part.strip()])
        for heading, text in blocks
    ]
    return page(
        request,
        "group_heard.html",
        title=message.title,
        blocks=paragraphs,
        pictured=pictured,
        easy=easy,
        path=f"/g/{_token(request)}/heard/{session_id}",
        token=_token(request),
    )


async def report(request: web.Request) -> web.Response:
    return await _report(request, csv=False)


async def report_csv(request: web.Request) -> web.Response:
    return await _report(request, csv=True)


async def _report(request: web.Request, *, csv: bool) -> web.Response:
    """The report for the days in the address (`from`, `to`), or the last twelve months. Days
    that cannot make a report get the form again with one sentence saying why (400), the
    CSV address too, since a person may have typed it."""
    brew = request.app[BREWBOT]
    t = brew.deps.texts.t
    given = request.query.get("from", ""), request.query.get("to", "")
    async with brew.db.read() as tx:
        community = known(await brew.group_links.community(tx, _token(request)))
        try:
            start, end = report_period(*given, brew.group_links.today(community))
        except PeriodProblem as problem:
            return _report_page(request, given, problem=t(problem.key, **problem.values))
        made = await brew.group_links.report(tx, community, start, end)
    if csv:
        name = f"brewbot-report-{start.isoformat()}-to-{end.isoformat()}.csv"
        return web.Response(
            text=report_text.to_csv(made),
            content_type="text/csv",
            charset="utf-8",
            # Like the pages: the link's data is not kept by anything between here and the reader.
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
            },
        )
    if not made.sessions:
        nothing = t("group_links.page.report_none", start=format_date(start), end=format_date(end))
        return _report_page(request, (start.isoformat(), end.isoformat()), nothing=nothing)
    return _report_page(request, (start.isoformat(), end.isoformat()), made=made)


def _report_page(
    request: web.Request,
    given: tuple[str, str],
    *,
    made: report_text.Report | None = None,
    problem: str | None = None,
    nothing: str | None = None,
) -> web.Response:
    t = request.app[BREWBOT].deps.texts.t
    token = _token(request)
    csv_path = f"/g/{token}/report.csv?from={given[0]}&to={given[1]}" if made else None
    return page(
        request,
        "group_report.html",
        title=report_text.title(made) if made else t("group_links.page.report_title"),
        status=400 if problem else 200,
        start=given[0],
        end=given[1],
        problem=problem,
        nothing=nothing,
        # The report's own accessible HTML (bot/digest/report.py), which escapes every value.
        body=Markup(report_text.html_body(made)) if made else None,
        csv_path=csv_path,
        token=token,
    )
