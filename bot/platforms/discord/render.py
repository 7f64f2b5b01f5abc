"""Neutral messages as Discord messages.

- A short message with no title and no sections is plain message content.
- A message with a title or sections is an embed (the spark, the welcome, the digest). A
  title longer than an embed's (256) opens the description in bold instead, never cut.
- Long text is split at natural places (bot.core.splitting) so that every Discord message
  keeps within its limits: 2,000 characters of content; 4,096 per embed description; 6,000
  across all the embeds of one message, at most 10 embeds.
- Words a participant typed (`Section(untrusted=True)`) are escaped so they show as typed and
  cannot ping anyone, link anywhere or pick up formatting, and are shown as a quote, set apart
  from the bot's own words. A long message is never cut through an escape (`escape.WHOLE`).
- Words someone typed inside the bot's own sentences (bot/core/marked.py) are escaped with
  the same rule, and the sentence keeps its own Markdown (`own_words`).
- `message.plain`: the reader asked for plain style, so no embeds and no decoration
  (bot.core.plain), just content.
- Every message allows no mentions unless `message.ping` says one is meant.
- Easy Read ideas (`Section.picture`) are one embed each, the picture its thumbnail: a PNG
  sent with the message whose description is the picture's words for people who cannot see
  it (Discord's alt text). Discord shows a thumbnail on the right of its words.
- Buttons go on the last message, files on the first. A message holds 25 buttons (5 rows of
  5): more go on follow-on messages of 25 each, in order, so every button can be pressed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.core.marked import unmark
from bot.core.messages import OutgoingMessage, Picture, Section
from bot.core.plain import plain_text_style
from bot.core.splitting import pack_chunks, split_text
from bot.engine.pictures import picture_png
from bot.platforms.discord.components import BUTTONS_MAX, build_view
from bot.platforms.discord.escape import WHOLE, escape_participant_text, own_words

CONTENT_MAX = 2000
DESCRIPTION_MAX = 4096
EMBED_TITLE_MAX = 256
EMBEDS_TOTAL_MAX = 6000
EMBEDS_PER_MESSAGE = 10


def allowed_mentions(message: OutgoingMessage) -> discord.AllowedMentions:
    """No pings at all, unless the message means to notify the people it names."""
    if message.ping:
        return discord.AllowedMentions(everyone=False, roles=False, users=True, replied_user=False)
    return discord.AllowedMentions.none()


@dataclass
class RenderedMessage:
    """One Discord message, ready for `send`, `followup.send` or `edit`."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    files: list[discord.File] = field(default_factory=list)
    mentions: discord.AllowedMentions = field(default_factory=discord.AllowedMentions.none)

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for Messageable.send / Webhook.send (no None values, which some
        of discord.py's send methods do not accept)."""
        out: dict[str, Any] = {"allowed_mentions": self.mentions}
        if self.content:
            out["content"] = self.content
        if self.embeds:
            out["embeds"] = self.embeds
        if self.view is not None:
            out["view"] = self.view
        if self.files:
            out["files"] = self.files
        return out


def render(
    message: OutgoingMessage, *, more: str = "", dm_guild_id: str | None = None
) -> list[RenderedMessage]:
    """`message` as one or more Discord messages. `more`: the words above the buttons that
    follow on in a message of their own (a message holds 25), so a screen reader says what
    they are (`discord.more_choices`). `dm_guild_id`: the message goes by private message,
    so its buttons must say which server they belong to."""
    if message.plain:
        parts = [
            RenderedMessage(content=c)
            for c in split_text(_plain_body(message), CONTENT_MAX, whole=WHOLE)
        ]
    elif any(section.picture for section in message.sections):
        parts = _idea_messages(message)
    elif message.title or message.sections:
        parts = _embed_messages(message)
    else:
        parts = [
            RenderedMessage(content=c)
            for c in split_text(own_words(message.text), CONTENT_MAX, whole=WHOLE)
        ]
    if not parts:
        # Discord refuses an empty message; buttons or files alone still need one part.
        parts = [RenderedMessage(content="\u200b")] if message.actions else []
        if message.attachments and not parts:
            parts = [RenderedMessage()]
    if not parts:
        return []
    mentions = allowed_mentions(message)
    for part in parts:
        part.mentions = mentions
    parts[0].files[:0] = [
        discord.File(io.BytesIO(a.content), filename=a.filename) for a in message.attachments
    ]
    actions = list(message.actions)
    groups = [actions[i : i + BUTTONS_MAX] for i in range(0, len(actions), BUTTONS_MAX)]
    for index, group in enumerate(groups):
        if index:
            # Discord refuses an empty message: the follow-on's buttons need some content.
            parts.append(RenderedMessage(content=more or "\u200b", mentions=mentions))
        parts[-1].view = build_view(group, dm_guild_id)
    return parts


def section_text(section: Section, *, plain: bool = False) -> str:
    """A section as Markdown: its heading in bold; its body escaped and quoted when a
    participant wrote it."""
    body = plain_text_style(section.body) if plain else section.body
    if section.untrusted and body.strip():
        escaped = escape_participant_text(unmark(body))
        body = "\n".join(f"> {line}" for line in escaped.split("\n"))
    else:
        body = own_words(body)
    if not section.heading:
        return body
    heading = own_words(plain_text_style(section.heading) if plain else f"**{section.heading}**")
    return f"{heading}\n{body}" if body else heading


def _body(message: OutgoingMessage) -> str:
    blocks = [own_words(message.text), *(section_text(s) for s in message.sections)]
    return "\n\n".join(b for b in blocks if b.strip())


def _plain_body(message: OutgoingMessage) -> str:
    blocks = [
        own_words(plain_text_style(message.title)) if message.title else "",
        own_words(plain_text_style(message.text)) if message.text else "",
        *(section_text(s, plain=True) for s in message.sections),
    ]
    return "\n\n".join(b for b in blocks if b.strip())


def _title(message: OutgoingMessage) -> tuple[str | None, str]:
    """(the embed title, words to open the text with): a title longer than an embed title
    may be opens the text in bold instead, whole."""
    title = " ".join(own_words(message.title).split())
    if len(title) <= EMBED_TITLE_MAX:
        return title or None, ""
    return None, f"**{title}**"


def _embed_messages(message: OutgoingMessage) -> list[RenderedMessage]:
    title, opening = _title(message)
    body = "\n\n".join(part for part in (opening, _body(message)) if part)
    chunks = split_text(body, DESCRIPTION_MAX, whole=WHOLE)
    if not chunks:
        return [RenderedMessage(embeds=[discord.Embed(title=title)])] if title else []
    # Room for the title in every group keeps the arithmetic simple and always safe.
    groups = pack_chunks(
        chunks,
        per_group_limit=EMBEDS_TOTAL_MAX - len(title or ""),
        max_items=EMBEDS_PER_MESSAGE,
    )
    parts: list[RenderedMessage] = []
    for number, group in enumerate(groups):
        embeds = [discord.Embed(description=chunk) for chunk in group]
        if number == 0 and title:
            embeds[0].title = title
        parts.append(RenderedMessage(embeds=embeds))
    return parts


def _idea_messages(message: OutgoingMessage) -> list[RenderedMessage]:
    """Easy Read: the message's own text, then an embed per idea with its picture, as few
    messages as Discord's limits allow, each sending the pictures its embeds show."""
    title, opening = _title(message)
    text = "\n\n".join(part for part in (opening, own_words(message.text)) if part)
    embeds: list[tuple[discord.Embed, Picture | None]] = [
        (discord.Embed(description=chunk), None)
        for chunk in split_text(text, DESCRIPTION_MAX, whole=WHOLE)
    ]
    for section in message.sections:
        chunks = split_text(section_text(section), DESCRIPTION_MAX, whole=WHOLE)
        for number, chunk in enumerate(chunks):
            picture = section.picture if number == 0 else None
            embed = discord.Embed(description=chunk)
            if picture is not None:
                embed.set_thumbnail(url=f"attachment://{_filename(picture)}")
            embeds.append((embed, picture))
    if title:
        if not embeds:
            embeds.append((discord.Embed(), None))
        embeds[0][0].title = title
    groups: list[list[tuple[discord.Embed, Picture | None]]] = []
    size = 0
    for embed, picture in embeds:
        if (
            not groups
            or len(groups[-1]) == EMBEDS_PER_MESSAGE
            or size + len(embed) > EMBEDS_TOTAL_MAX
        ):
            groups.append([])
            size = 0
        groups[-1].append((embed, picture))
        size += len(embed)
    return [
        RenderedMessage(
            embeds=[embed for embed, _ in group],
            files=[_picture_file(p) for p in {p.name: p for _, p in group if p}.values()],
        )
        for group in groups
    ]


def _filename(picture: Picture) -> str:
    return f"{picture.name}.png"


def _picture_file(picture: Picture) -> discord.File:
    return discord.File(
        io.BytesIO(picture_png(picture.name)), filename=_filename(picture), description=picture.alt
    )
