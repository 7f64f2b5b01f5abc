"""One front-end's bursts in a bot process of its own (bench/frontends/__init__.py, `measure`).

`python -m bot.bench.frontends.bot_process FILE` reads, pickled on standard input, what to
measure (the settings, the database URL, the plan and the platform), and writes that
platform's figures and the process's peak memory to FILE as JSON. A file, not standard
output, so that nothing a library prints can be taken for the figures.
"""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path

from bot.bench.frontends import in_own_process


def main() -> None:
    settings, database_url, plan, platform = pickle.loads(sys.stdin.buffer.read())
    figures = in_own_process(settings, database_url, plan, platform)
    Path(sys.argv[1]).write_text(json.dumps(figures))


if __name__ == "__main__":
    main()
