"""Reference readers: what Discord or Slack shows for a piece of text the bot sends, read by
the platform's own published rules, failing on anything that would format, link, quote or
mention instead of showing as typed.

They are written from the platforms' documentation, not from our escapers, so a test that
escapes a string and reads it back checks the escaper against the platform, not against
itself. Each reads one piece as it arrives (a message or embed description, a Slack section
block): a piece starts a new line, because a long message may be cut anywhere.

Discord (support.discord.com "Markdown Text 101"): a backslash before any punctuation hides
itself and shows the character; * _ ~ ` | format anywhere (bold, italics, underline, strike,
code, spoilers); > and >>> quote, # ## ### head and -# shrinks a line, "- ", "* " and "1. "
make lists, where a line starts; [text](url) is a masked link; <@id>, <@&id>, <#id>, </cmd:id>,
<t:0:R>, <:emoji:id> and <https://...> are markup; https://... is a link; @everyone and @here
are mentions.

Slack (docs.slack.dev "Formatting message text"): "&amp;", "&lt;" and "&gt;" show as & < >,
and a real < starts a control sequence (<!here>, <@U1>, <#C1>, <url|label>, <!date^...>,
whose fallback after "|" shows as plain text); * _ ~ ` format; > at the start of a line
quotes; @channel, @here and @word become mentions where names are linked.
"""

from __future__ import annotations

import re
import string

ZWSP = "\u200b"
SHY = "\u00ad"
SLACK_VERBATIM = "<!date^00000000^{_}|"

_DISCORD_FORMATS = set("\\*_~`|>[]#")
_DISCORD_LIST = re.compile(r"[ \t]*(?:[-+*][ \t]|\d+[.)][ \t]|-#)")


def discord_reads(piece: str) -> str:
    """What Discord shows for `piece` (zero-width spaces dropped); fails the test if any of
    it would be formatted, linked, quoted or a mention."""
    shown: list[str] = []
    raw: list[bool] = []
    i = 0
    while i < len(piece):
        if piece[i] == "\\" and i + 1 < len(piece) and piece[i + 1] in string.punctuation:
            shown.append(piece[i + 1])
            raw.append(False)
            i += 2
            continue
        shown.append(piece[i])
        raw.append(True)
        i += 1
    text = "".join(shown)
    for k, (char, is_raw) in enumerate(zip(shown, raw, strict=True)):
        if not is_raw:
            continue
        assert char not in _DISCORD_FORMATS, f"{char!r} formats: {piece!r}"
        if char == "<":
            assert text[k + 1 : k + 2] == ZWSP, f"markup at {k}: {piece!r}"
        if char == ":":
            assert not text.startswith("//", k + 1), f"a link: {piece!r}"
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    for start in starts:
        marker = _DISCORD_LIST.match(text, start)
        if marker:
            assert not all(raw[start : marker.end()]), f"a list or subtext line: {piece!r}"
    assert not re.search("@(?:everyone|here)", text, re.IGNORECASE), f"a mention: {piece!r}"
    return text.replace(ZWSP, "")


def slack_reads(piece: str) -> str:
    """What Slack shows for `piece` in a mrkdwn text (zero-width spaces and soft hyphens
    dropped); fails the test if any of it would be formatted, quoted, linked or a mention."""
    shown: list[str] = []
    i = 0
    while i < len(piece):
        if piece.startswith(SLACK_VERBATIM, i):
            end = piece.find(">", i)
            assert end != -1, f"half a date: {piece!r}"
            fallback = piece[i + len(SLACK_VERBATIM) : end]
            assert fallback and "|" not in fallback and "<" not in fallback, piece
            shown.append(fallback)
            i = end + 1
            continue
        entity = re.match(r"&(amp|lt|gt);", piece[i:])
        if entity:
            shown.append({"amp": "&", "lt": "<", "gt": ">"}[entity.group(1)])
            i += entity.end()
            continue
        char = piece[i]
        assert char not in "<>", f"a control sequence: {piece!r}"
        assert char != "&", f"a bare & (half an entity?): {piece!r}"
        assert char not in "*_~`", f"{char!r} formats: {piece!r}"
        shown.append(char)
        i += 1
    for line in piece.split("\n"):
        assert not re.match(r"[ \t]*&gt;", line), f"a quote: {piece!r}"
    mention = r"(?<!\w)@(?=\w)|@(?=channel|here|everyone)"
    assert not re.search(mention, piece, re.IGNORECASE), f"a mention: {piece!r}"
    return "".join(shown).replace(ZWSP, "").replace(SHY, "")


def unquoted(piece: str) -> str:
    """`piece` without the quote marks a renderer put in front of a participant's lines."""
    return "\n".join(
        line[2:] if line.startswith("> ") else "" if line == ">" else line
        for line in piece.split("\n")
    )
