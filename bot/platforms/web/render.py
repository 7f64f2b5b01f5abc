"""Pages rendered on the server from the Jinja2 templates in prompts/templates/web.

Every value is escaped unless a template says otherwise (autoescape on for every template),
and a value a template names but is not given is an error, not an empty space. Templates
reach the short words of prompts/strings through `t("web....")`, and give each form its
hidden token with `form_token(purpose, link)`: a slot, filled with a fresh token each time
the page is sent (bot/platforms/web/forms.py). So a page many people open at once, showing
the same to each, is rendered once while what it shows is unchanged (`kept_page`). Pages
work without JavaScript: there is none.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from bot.core.marked import Mention, hold, plain_mention, unmark
from bot.engine.texts import Texts
from bot.platforms.web.forms import FormSlots

TEMPLATES = web.AppKey("brewbot.templates", Environment)
FORM_SLOTS = web.AppKey("brewbot.form_slots", FormSlots)
# Pages kept rendered, about 10 KB each (a rare, cheap reset when there are more: far more
# than the sessions a region has on at once).
PAGES_KEPT = 256


class KeptPages:
    """Rendered pages by key, each with what it was made from."""

    def __init__(self) -> None:
        self._kept: dict[Hashable, tuple[object, str]] = {}
        # Begins each hole: made at random for this process, so no words on a page make one.
        self._mark = f"brewbot-hole-{secrets.token_hex(16)}"

    def hole(self, name: str) -> Markup:
        """Where a part of a kept page that is each answer's own goes."""
        return Markup(f"{self._mark}.{name}.")

    def html(self, key: Hashable, made_from: object, render: Callable[[], str]) -> str:
        kept = self._kept.get(key)
        if kept is None or kept[0] is not made_from:
            if len(self._kept) >= PAGES_KEPT:
                self._kept.clear()
            kept = self._kept[key] = (made_from, render())
        return kept[1]


KEPT_PAGES = web.AppKey("brewbot.kept_pages", KeptPages)


def templates(texts: Texts, slots: FormSlots) -> Environment:
    """The templates, with `t` giving the words of prompts/strings and `form_token` each
    form's slot for its token."""
    env = Environment(
        loader=PackageLoader("prompts", "templates/web"),
        autoescape=True,
        undefined=StrictUndefined,
        # The templates are part of the installed package: no need to look at their files'
        # times on every page (four stat calls a page, which a crowd notices).
        auto_reload=False,
        keep_trailing_newline=True,
        # Every value a page shows, without the marks around typed words
        # (bot/core/marked.py): autoescape already shows them as typed.
        finalize=_unmarked,
    )
    env.globals["t"] = texts.t
    env.globals["form_token"] = slots.slot
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
    return _answer(request, _render(request, template, title, context), status, headers)


def kept_page(
    request: web.Request,
    key: Hashable,
    made_from: object,
    template: str,
    *,
    title: str,
    context: Callable[[], dict[str, Any]],
    own: Mapping[str, Markup] | None = None,
) -> web.Response:
    """`page`, rendered once for `key` while `made_from` (what the page shows, from which
    `context` makes the rest) is the same object, and sent with fresh form tokens each time.
    `own` is what is this answer's alone (the thanks with a person's code), by the name the
    template shows it under: the kept page holds a hole there, filled for each answer."""
    kept = request.app[KEPT_PAGES]
    holes = {name: kept.hole(name) for name in own or {}}
    html = kept.html(key, made_from, lambda: _render(request, template, title, context() | holes))
    for name, markup in (own or {}).items():
        html = html.replace(holes[name], markup)
    return _answer(request, html, 200, None)


def _render(request: web.Request, template: str, title: str, context: dict[str, Any]) -> str:
    return request.app[TEMPLATES].get_template(template).render(title=title, **context)


def _answer(
    request: web.Request, html: str, status: int, headers: dict[str, str] | None
) -> web.Response:
    return web.Response(
        text=request.app[FORM_SLOTS].fill(html),
        status=status,
        content_type="text/html",
        charset="utf-8",
        headers=headers,
    )


BOLD = re.compile(r"\*\*(.+?)\*\*")


def _unmarked(value: Any) -> Any:
    if isinstance(value, Markup):
        return Markup(unmark(value))
    return unmark(value) if isinstance(value, str) else value


def paragraphs(text: str) -> Markup:
    """A message as the services write it (paragraphs split by a blank line, **bold**, lines
    starting "- " as a list) as HTML, every word escaped; words typed inside it
    (bot/core/marked.py) are held out while the services' Markdown is read, so a typed
    "**" or "- " is shown as typed."""
    held = hold(text)
    blocks = []
    for block in held.text.split("\n\n"):
        lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{_inline(line[2:])}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        else:
            blocks.append(f"<p>{'<br>'.join(_inline(line) for line in lines)}</p>")
    return Markup(held.restore("\n".join(blocks), _typed_html, _mention_html))


def _typed_html(words: str) -> str:
    return str(escape(words)).replace("\n", "<br>")


def _mention_html(found: Mention) -> str:
    return str(escape(plain_mention(found)))


def _inline(line: str) -> str:
    # Escaped first, so only the <strong> written here is markup.
    return BOLD.sub(r"<strong>\1</strong>", str(escape(line)))
