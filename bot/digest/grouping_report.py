"""`brewbot themes --in statements.csv`: the digest's own grouping on any statements, for a
facilitator to try on words gathered elsewhere, or to check the vocabulary."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from bot.core.escape import escape_markdown
from bot.digest.themes import Grouped, group_by_theme, vocabulary

# The columns a statement may be in, in the order they are looked for.
STATEMENT_COLUMNS = ("statement", "text", "reflection")


class StatementsError(ValueError):
    """The file cannot be read as statements; `key` names the sentence in prompts."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def read_statements(data: bytes) -> list[str]:
    """The statements in a CSV file's `statement` (or `text`, `reflection`) column."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StatementsError("cli.themes.not_text") from None
    # newline="": the csv module reads every line ending itself, old Macs' lone "\r" too.
    rows = csv.DictReader(io.StringIO(text, newline=""))
    try:
        columns = {(name or "").strip().casefold(): name for name in rows.fieldnames or ()}
        column = next((columns[c] for c in STATEMENT_COLUMNS if c in columns), None)
        if column is None:
            raise StatementsError("cli.themes.no_column")
        found = [(row.get(column) or "").strip() for row in rows]
    except csv.Error:
        raise StatementsError("cli.themes.not_csv") from None
    statements = [s for s in found if s]
    if not statements:
        raise StatementsError("cli.themes.empty")
    return statements


def group(statements: Sequence[str]) -> list[Grouped]:
    """Exactly the digest's grouping, with every theme of the vocabulary allowed."""
    return group_by_theme(statements, max_themes=len(vocabulary().themes))


def as_markdown(statements: Sequence[str], groups: list[Grouped]) -> str:
    blocks = []
    for found in groups:
        lines = [f"## {escape_markdown(found.label)} ({len(found.members)})"]
        if found.theme is not None:
            lines.append(escape_markdown(found.theme.description))
        lines.append("")
        lines.extend(f"- {escape_markdown(statements[i])}" for i in found.members)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def as_json(statements: Sequence[str], groups: list[Grouped]) -> str:
    return json.dumps(
        [
            {
                "theme": found.theme.key if found.theme else None,
                "label": found.label,
                "statements": [statements[i] for i in found.members],
            }
            for found in groups
        ],
        indent=2,
        ensure_ascii=False,
    )
