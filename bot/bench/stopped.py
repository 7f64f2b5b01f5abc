"""What ended one of the bench's own processes (a front-end's bot process, the web bench's
browsers), said in one line."""

from __future__ import annotations


def what_ended(printed: str) -> str:
    """The line that names the error, for a traceback: the first one after its last frame.
    Not the last line printed, which for a database error is SQLAlchemy's "(Background on
    this error at: ...)" (a PostgreSQL run once stopped saying only that). Otherwise the
    last line printed; empty if nothing was."""
    lines = [line for line in printed.strip().splitlines() if line.strip()]
    starts = [n for n, line in enumerate(lines) if line.startswith("Traceback (most recent")]
    if starts:
        after = (line for line in lines[starts[-1] + 1 :] if not line.startswith(" "))
        if (named := next(after, None)) is not None:
            return named.strip()
    return lines[-1].strip() if lines else ""
