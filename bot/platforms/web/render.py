"""Pages rendered on the server from the Jinja2 templates in prompts/templates/web.

Every value is escaped unless a template says otherwise (autoescape on for every template),
and a value a template names but is not given is an error, not an empty space. Templates
reach the short words of prompts/strings through `t("web....")`, and give each form its
hidden token with `form_token(purpose, link)` (bot/platforms/web/forms.py). Pages work
without JavaScript: there is none.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from bot.engine.texts import Texts
from bot.platforms.web.forms import FormTokens

TEMPLATES = web.AppKey("brewbot.templates", Environment)


def templates(texts: Texts, tokens: FormTokens) -> Environment:
    """The templates, with `t` giving the words of prompts/strings and `form_token` each
    form's token."""
    env = Environment(
        loader=PackageLoader("prompts", "templates/web"),
        autoescape=True,
        undefined=StrictUndefined,
        # The templates are part of the installed package: no need to look at their files'
        # times on every page (four stat calls a page, which a crowd notices).
        auto_reload=False,
        keep_trailing_newline=True,
    )
    env.globals["t"] = texts.t
    env.globals["form_token"] = tokens.issue
    env.filters["paragraphs"] = paragraphs
    return env


def page(
    request: web.Request,
    template: str,
    *,
    title: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> web.Response:
    """An HTML page: `template` (a file in prompts/templates/web, extending base.html, which
    shows `title` as the page's one <h1>) filled in with `context`, escaped."""
    html = request.app[TEMPLATES].get_template(template).render(title=title, **context)
    return web.Response(
        text=html, status=status, content_type="text/html", charset="utf-8", headers=headers
    )


BOLD = re.compile(r"\*\*(.+?)\*\*")


def paragraphs(text: str) -> Markup:
    """A message as the services write it (paragraphs split by a blank line, **bold**, lines
    starting "- " as a list) as HTML, every word escaped."""
    blocks = []
    for block in text.split("\n\n"):
        lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{_inline(line[2:])}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        else:
            blocks.append(f"<p>{'<br>'.join(_inline(line) for line in lines)}</p>")
    return Markup("\n".join(blocks))


def _inline(line: str) -> str:
    # Escaped first, so only the <strong> written here is markup.
    return BOLD.sub(r"<strong>\1</strong>", str(escape(line)))
