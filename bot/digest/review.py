"""The facilitator's say over the digest's themes, before it is sent: rename a theme, merge
one into another, split statements out into a new theme, move a statement.

The suggested grouping (bot/digest/themes.py) is never changed. The facilitator's edits are
kept, in the order they were made, in the digest's review edits (`Digest.edits`, under
"themes"), and folded over the suggested grouping every time the digest is compiled, before
anything is rendered: the preview, the channel post, Markdown, HTML, e-mail and CSV all show
the edited themes, the edits survive a restart and a new draft, and the same edits on the same
statements always give the same digest.

Themes are sessions-wide labels, as "Themes at a glance" counts them: renaming "Transport"
renames it in every category. Renaming a theme to another theme's name (in any capitals)
makes them one theme, as a facilitator who gives two groups the same name means.

A name the facilitator types goes through the same redaction as reflections, so a person's
name, an address or an e-mail cannot reach the digest through a label; every renderer escapes
labels as it escapes what participants typed.

The first part of the module is pure (edits applied to a grouping); `ThemeReview` is the
commands, buttons and forms that record them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import CommandError, clean
from bot.core.domain import ENDED_STATES, SessionState
from bot.core.messages import (
    Action,
    Choice,
    FieldKind,
    Form,
    FormField,
    OpenForm,
    OutgoingMessage,
    Reply,
    Response,
    Section,
    custom_id,
)
from bot.core.typed import other_digits, readable, shown
from bot.digest.model import CATEGORIES, DigestReflection, Grouping, suggested_grouping
from bot.digest.themes import other_label
from bot.engine.context import CommandContext
from bot.engine.deps import Deps
from bot.engine.texts import Texts
from bot.reflections.redaction import KnownNames, redact
from bot.reflections.service import known_names
from bot.sessions.service import SessionService
from storage.models import Digest as DigestRow
from storage.models import Session, id_of

THEME_ACTIONS = ("rename", "merge", "split", "move")
EDITS_KEY = "themes"
# As long as the longest label of the vetted vocabulary may be.
NAME_MAX = 40
# Item codes are the first characters of a reflection's id, as the preview shows them.
CODE_SHOWN = 8
CODE_MIN = 4
# A refusal names at most this many themes or codes, so that it stays one short sentence
# however many statements the digest holds; the preview shows them all.
LISTED = 6
# A word that is surely meant as an item code (hex with a digit), not as part of a name.
_LOOKS_LIKE_CODE = re.compile(r"(?=[0-9a-f]*\d)[0-9a-f]{6,32}")
_THEME_NUMBER = re.compile(r"(?:theme\s*|t|#)?([0-9]{1,4})")  # 0-9 only: bot/core/typed.py

Handler = Callable[[CommandContext], Awaitable[Response]]


@dataclass(frozen=True)
class ReviewTheme:
    """One theme as the facilitator sees it in the preview: its number, its label and the ids
    of its statements, across categories."""

    number: int
    label: str
    items: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.items)


def apply_edits(grouping: Grouping, edits: Sequence[Mapping[str, Any]]) -> Grouping:
    """`grouping` with the facilitator's edits applied in order. An edit about a theme or a
    statement that is not there (held since, or renamed away) changes nothing. Within a
    category, bigger themes come first, "Other points" last, ties in the order they had."""
    # Where each statement was last put, and from which edit on its theme's renames count.
    put = {
        item: (label, 0) for groups in grouping.values() for label, ids in groups for item in ids
    }
    for n, edit in enumerate(edits, 1):
        if edit.get("to") and edit.get("op") in ("split", "move"):
            for item in edit.get("items") or ():
                if item in put:
                    put[item] = (str(edit["to"]), n)
    label_of = {item: renamed(label, edits[n:]) for item, (label, n) in put.items()}
    other = other_label()
    result: Grouping = {}
    for category, groups in grouping.items():
        placed: dict[str, list[str]] = {}
        for _, ids in groups:
            for item in ids:
                placed.setdefault(label_of[item], []).append(item)
        first = {label: n for n, label in enumerate(placed)}
        ranked = sorted(
            placed, key=lambda label: (label == other, -len(placed[label]), first[label])
        )
        result[category] = [(label, placed[label]) for label in ranked]
    return result


def renamed(label: str, edits: Sequence[Mapping[str, Any]]) -> str:
    """The name the theme called `label` carries after the review's renames and merges, in
    order: one mapping, used for the statements (apply_edits) and for what was marked under
    a theme's name before the review (people's priorities, bot/digest/priorities.py)."""
    for edit in edits:
        if edit.get("op") in ("rename", "merge") and edit.get("to") and edit.get("theme") == label:
            label = str(edit["to"])
    return label


def reviewed(reflections: Sequence[DigestReflection], edits: Mapping[str, Any]) -> Grouping:
    """The digest's grouping: the suggested one with the review's theme edits applied."""
    return apply_edits(suggested_grouping(reflections), theme_edits(edits))


def theme_edits(edits: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = edits.get(EDITS_KEY)
    return [e for e in found if isinstance(e, Mapping)] if isinstance(found, list) else []


def themes_of(grouping: Grouping) -> list[ReviewTheme]:
    """The themes across categories, numbered as the preview shows them: biggest first,
    "Other points" last, ties in the order the categories show them."""
    members: dict[str, list[str]] = {}
    for category in (*CATEGORIES, *(c for c in grouping if c not in CATEGORIES)):
        for label, ids in grouping.get(category, ()):
            members.setdefault(label, []).extend(ids)
    first = {label: n for n, label in enumerate(members)}
    other = other_label()
    ranked = sorted(members, key=lambda label: (label == other, -len(members[label]), first[label]))
    return [ReviewTheme(n, label, tuple(members[label])) for n, label in enumerate(ranked, 1)]


def name_key(name: str) -> str:
    """Two names that differ only in capitals or spaces are one name."""
    return " ".join(name.split()).casefold()


def find_theme(themes: Sequence[ReviewTheme], ref: str | None) -> ReviewTheme | None:
    """The theme `ref` names: its number ("3", "#3", "theme 3") or its whole name."""
    text = name_key(ref or "")
    number = _THEME_NUMBER.fullmatch(text)
    for theme in themes:
        if (number and int(number.group(1)) == theme.number) or name_key(theme.label) == text:
            return theme
    return None


def find_item(items: Sequence[str], ref: str) -> str | None:
    """The one id that starts with `ref` (a code from the preview), or None."""
    code = ref.strip().lower()
    if len(code) < CODE_MIN:
        return None
    found = [item for item in items if item.startswith(code)]
    return found[0] if len(found) == 1 else None


def checked_name(text: str | None, names: KnownNames) -> str:
    """A theme name as typed, checked (something to read, not too long) and redacted as
    reflections are, so a person's name or an address cannot become a label. What shows
    nothing or turns text around is left out (`readable`)."""
    name = " ".join(readable(clean(text or "")).split())
    if not name:
        raise CommandError("review.name_empty", field="name")
    if len(name) > NAME_MAX:
        raise CommandError("review.name_too_long", field="name", limit=NAME_MAX, length=len(name))
    return " ".join(redact(name, names).split())


def _codes(items: Sequence[str]) -> str:
    return ", ".join(item[:CODE_SHOWN] for item in items)


def listed(texts: Texts, words: Sequence[str], separator: str = ", ") -> str:
    """The first few of `words` for a refusal, and how many more there are."""
    if len(words) <= LISTED:
        return separator.join(words)
    first = separator.join(words[:LISTED])
    return texts.t("review.and_more", first=first, count=len(words) - LISTED)


def _short_codes(texts: Texts, items: Sequence[str]) -> str:
    return listed(texts, [item[:CODE_SHOWN] for item in items])


# --------------------------------------------------------------------------- the service


class Draft(Protocol):
    """What the review needs of the digest service (bot/digest/service.py)."""

    async def row(self, tx: AsyncSession, session: Session) -> DigestRow: ...

    async def edits(self, tx: AsyncSession, session: Session) -> dict[str, Any]: ...

    async def statements(self, tx: AsyncSession, session: Session) -> list[DigestReflection]: ...


@dataclass
class _State:
    row: DigestRow
    edits: dict[str, Any]
    statements: list[DigestReflection]
    themes: list[ReviewTheme]

    @property
    def items(self) -> list[str]:
        return [item for theme in self.themes for item in theme.items]


class ThemeReview:
    """Renaming, merging, splitting and moving, typed (`/brew digest N rename ...`) or through
    the preview's buttons and their forms. Only facilitators reach it (the table says so);
    every change is refused once the digest is on its way or sent."""

    def __init__(self, deps: Deps, sessions: SessionService, draft: Draft) -> None:
        self.deps = deps
        self.sessions = sessions
        self.draft = draft
        self.t = deps.texts.t

    # -- what the preview shows

    def preview_parts(
        self, session: Session, grouping: Grouping
    ) -> tuple[tuple[Section, ...], tuple[Action, ...]]:
        """The numbered themes for the preview, and the buttons that change them."""
        themes = themes_of(grouping)
        help_text = self.t("review.help", session_id=session.id)
        if not themes:
            return (Section(self.t("review.none"), self.t("review.heading")),), ()
        listing = Section(self._listing(themes), self.t("review.heading"), untrusted=True)
        return (Section(help_text), listing), self._buttons(session, themes)

    def _listing(self, themes: Sequence[ReviewTheme]) -> str:
        return "\n".join(
            self.t(
                "review.theme_line",
                number=theme.number,
                label=theme.label,
                count=theme.count,
                items=_codes(theme.items),
            )
            for theme in themes
        )

    def _buttons(self, session: Session, themes: Sequence[ReviewTheme]) -> tuple[Action, ...]:
        kinds = [k for k in THEME_ACTIONS if k != "merge" or len(themes) > 1]
        return tuple(
            Action(self.t(f"review.button.{kind}"), custom_id("theme", kind, str(session.id)))
            for kind in kinds
        )

    # -- state and checks

    async def _state(self, tx: AsyncSession, session: Session) -> _State:
        """The draft as it stands, refused when it can no longer change."""
        if session.state == SessionState.SUMMARISED:
            raise CommandError("digests.already_sent", session_id=session.id)
        if session.state not in ENDED_STATES:
            raise CommandError("digests.not_closed", session_id=session.id)
        row = await self.draft.row(tx, session)
        if row.status != "draft":
            raise CommandError("digests.locked", session_id=session.id)
        edits = json.loads(row.edits or "{}")
        statements = await self.draft.statements(tx, session)
        themes = themes_of(reviewed(statements, edits))
        if not themes:
            raise CommandError("review.none")
        return _State(row, edits, statements, themes)

    def _theme(self, state: _State, ref: str | None, field: str = "theme") -> ReviewTheme:
        found = find_theme(state.themes, ref)
        if found is None:
            numbered = [f"{t.number} {t.label}" for t in state.themes]
            listing = listed(self.deps.texts, numbered, "; ")
            if not readable(ref or ""):
                raise CommandError("review.theme_needed", field=field, themes=listing)
            if other_digits(ref or ""):
                raise CommandError("errors.other_digits")
            raise CommandError(
                "review.theme_unknown", field=field, theme=shown(ref or "", 40), themes=listing
            )
        return found

    def _item(self, state: _State, ref: str, field: str = "item") -> str:
        found = find_item(state.items, ref)
        if found is None:
            codes = _short_codes(self.deps.texts, state.items)
            if not readable(ref):
                raise CommandError("review.item_needed", field=field, items=codes)
            raise CommandError("review.item_unknown", field=field, item=shown(ref, 12), items=codes)
        return found

    async def _name(self, ctx: CommandContext, text: str | None) -> str:
        names = KnownNames.build(await known_names(ctx.tx, id_of(ctx.community)))
        return checked_name(text, names)

    def _existing(self, state: _State, name: str) -> ReviewTheme | None:
        return next((t for t in state.themes if name_key(t.label) == name_key(name)), None)

    async def _record(
        self, ctx: CommandContext, session: Session, state: _State, edit: dict[str, Any]
    ) -> list[ReviewTheme]:
        state.edits[EDITS_KEY] = [*theme_edits(state.edits), edit]
        state.row.edits = json.dumps(state.edits, sort_keys=True)
        ctx.tx.add(state.row)
        return themes_of(reviewed(state.statements, state.edits))

    def _done(self, session: Session, sentence: str, themes: Sequence[ReviewTheme]) -> Reply:
        # The sentence holds a label the facilitator typed: an untrusted section, escaped.
        return Reply(
            OutgoingMessage(
                sections=(
                    Section(sentence, untrusted=True),
                    Section(self._listing(themes), self.t("review.heading"), untrusted=True),
                    Section(self.t("review.after", session_id=session.id)),
                ),
                actions=self._buttons(session, themes),
            )
        )

    # -- the four changes (typed and from forms alike)

    async def rename(
        self, ctx: CommandContext, session: Session, theme_ref: str | None, new: str | None
    ) -> Reply:
        state = await self._state(ctx.tx, session)
        theme = self._theme(state, theme_ref)
        name = await self._name(ctx, new)
        existing = self._existing(state, name)
        if existing is not None and existing.label != theme.label:
            # Two themes with one name are one theme: a merge, said so.
            themes = await self._record(
                ctx, session, state, {"op": "rename", "theme": theme.label, "to": existing.label}
            )
            sentence = self.t("review.renamed_to_existing", old=theme.label, label=existing.label)
        else:
            name = existing.label if existing is not None and name == theme.label else name
            themes = await self._record(
                ctx, session, state, {"op": "rename", "theme": theme.label, "to": name}
            )
            sentence = self.t("review.renamed", old=theme.label, label=name)
        return self._done(session, self._noted(sentence, new, name), themes)

    async def merge(
        self, ctx: CommandContext, session: Session, theme_ref: str | None, into_ref: str | None
    ) -> Reply:
        state = await self._state(ctx.tx, session)
        theme = self._theme(state, theme_ref)
        into = self._theme(state, into_ref, "into")
        if into.label == theme.label:
            raise CommandError("review.same_theme", field="into")
        themes = await self._record(
            ctx, session, state, {"op": "merge", "theme": theme.label, "to": into.label}
        )
        return self._done(
            session, self.t("review.merged", label=theme.label, into=into.label), themes
        )

    async def split(
        self,
        ctx: CommandContext,
        session: Session,
        theme_ref: str | None,
        item_refs: Sequence[str],
        new: str | None,
    ) -> Reply:
        state = await self._state(ctx.tx, session)
        theme = self._theme(state, theme_ref)
        if not item_refs:
            raise CommandError(
                "review.items_needed",
                field="items",
                number=theme.number,
                items=_short_codes(self.deps.texts, theme.items),
            )
        items: list[str] = []
        for ref in item_refs:
            item = self._item(state, ref, "items")
            if item not in theme.items:
                raise CommandError(
                    "review.item_not_in_theme",
                    field="items",
                    item=item[:CODE_SHOWN],
                    number=theme.number,
                    label=theme.label,
                    items=_short_codes(self.deps.texts, theme.items),
                )
            if item not in items:
                items.append(item)
        name = await self._name(ctx, new)
        existing = self._existing(state, name)
        target = existing.label if existing is not None else name
        themes = await self._record(
            ctx, session, state, {"op": "split", "items": items, "theme": theme.label, "to": target}
        )
        sentence = self.t("review.split", count=len(items), label=theme.label, new=target)
        return self._done(session, self._noted(sentence, new, name), themes)

    async def move(
        self,
        ctx: CommandContext,
        session: Session,
        item_ref: str | None,
        to_ref: str | None,
        new: str | None,
    ) -> Reply:
        state = await self._state(ctx.tx, session)
        item = self._item(state, item_ref or "")
        has_to, has_new = bool(readable(to_ref or "")), bool(readable(new or ""))
        if has_to == has_new:
            raise CommandError("review.to_needed" if not has_to else "review.to_both", field="to")
        if has_to:
            target = self._theme(state, to_ref, "to").label
            name = target
        else:
            name = await self._name(ctx, new)
            existing = self._existing(state, name)
            target = existing.label if existing is not None else name
        themes = await self._record(
            ctx, session, state, {"op": "move", "items": [item], "to": target}
        )
        sentence = self.t("review.moved", item=item[:CODE_SHOWN], label=target)
        return self._done(session, self._noted(sentence, new if has_new else None, name), themes)

    def _noted(self, sentence: str, typed: str | None, stored: str) -> str:
        """The sentence, plus a note when redaction took something out of a typed name."""
        typed_name = " ".join(readable(clean(typed or "")).split())
        if typed is not None and typed_name != stored and "[" in stored:
            return f"{sentence} {self.t('review.name_redacted')}"
        return sentence

    # -- typed: /brew digest N rename|merge|split|move WORDS

    async def command(
        self, ctx: CommandContext, session: Session, action: str, words: str | None
    ) -> Reply:
        parts = (words or "").split()
        if action == "rename":
            return await self.rename(ctx, session, _first(parts), " ".join(parts[1:]))
        if action == "merge":
            rest = [w for w in parts[1:] if w.lower() != "into"]
            return await self.merge(ctx, session, _first(parts), _first(rest))
        if action == "split":
            state = await self._state(ctx.tx, session)
            codes, name = _codes_then_name(state.items, parts[1:])
            return await self.split(ctx, session, _first(parts), codes, name)
        # move CODE THEME-NUMBER-OR-NAME
        target = " ".join(parts[1:])
        state = await self._state(ctx.tx, session)
        if find_theme(state.themes, target) is not None:
            return await self.move(ctx, session, _first(parts), target, None)
        return await self.move(ctx, session, _first(parts), None, target)

    # -- buttons and forms

    def opener(self, kind: str) -> Handler:
        """The handler of a preview button: it opens that change's small form."""

        async def open_form(ctx: CommandContext) -> Response:
            session = await self.sessions.resolve(ctx, ctx.session_id())
            state = await self._state(ctx.tx, session)
            return OpenForm(self.form(kind, session, state.themes))

        return open_form

    def saver(self, kind: str) -> Handler:
        """The handler of a submitted form: the same change as the typed command."""

        async def save(ctx: CommandContext) -> Response:
            session = await self.sessions.resolve(ctx, ctx.session_id())
            values: dict[str, str] = ctx.args.get("values") or {}
            if kind == "rename":
                return await self.rename(ctx, session, values.get("theme"), values.get("name"))
            if kind == "merge":
                return await self.merge(ctx, session, values.get("theme"), values.get("into"))
            if kind == "split":
                codes = re.split(r"[\s,;]+", (values.get("items") or "").strip())
                return await self.split(
                    ctx, session, values.get("theme"), [c for c in codes if c], values.get("name")
                )
            return await self.move(
                ctx, session, values.get("item"), values.get("to"), values.get("name")
            )

        return save

    def form(self, kind: str, session: Session, themes: Sequence[ReviewTheme]) -> Form:
        t = self.t
        choices = tuple(
            Choice(t("review.choice", number=x.number, label=x.label, count=x.count), x.label)
            for x in themes
        )

        def theme(field: str, label: str, required: bool = True) -> FormField:
            return FormField(
                field,
                t(label),
                FieldKind.CHOICE,
                required=required,
                choices=choices,
                if_typed=t("review.hint.theme_typed"),
            )

        def name(required: bool = True, label: str = "review.field.name") -> FormField:
            return FormField(
                "name", t(label), required=required, max_length=NAME_MAX, hint=t("review.hint.name")
            )

        def codes(field: str, label: str, hint: str) -> FormField:
            return FormField(field, t(label), max_length=200, hint=t(hint))

        fields = {
            "rename": (theme("theme", "review.field.theme"), name()),
            "merge": (theme("theme", "review.field.theme"), theme("into", "review.field.into")),
            "split": (
                theme("theme", "review.field.theme"),
                codes("items", "review.field.items", "review.hint.items"),
                name(label="review.field.new_name"),
            ),
            "move": (
                codes("item", "review.field.item", "review.hint.item"),
                theme("to", "review.field.to", required=False),
                name(required=False, label="review.field.or_new_name"),
            ),
        }[kind]
        return Form(
            title=t(f"review.form.{kind}"),
            custom_id=custom_id("theme", f"{kind}_save", str(session.id)),
            fields=fields,
            intro=t(f"review.intro.{kind}"),
            submit_label=t("review.save"),
        )


def _first(words: Sequence[str]) -> str | None:
    return words[0] if words else None


def _codes_then_name(items: Sequence[str], words: Sequence[str]) -> tuple[list[str], str]:
    """Split `a1b2c3d4 e5f6a7b8 New name` into the item codes it starts with and the name.
    A word that is no item but is surely a code (hex with a digit) is kept as a code, so it is
    refused by name rather than becoming part of the theme's name."""
    codes: list[str] = []
    rest = list(words)
    while rest and (
        find_item(items, rest[0]) is not None or _LOOKS_LIKE_CODE.fullmatch(rest[0].lower())
    ):
        codes.append(rest.pop(0).strip(","))
    return codes, " ".join(rest)
