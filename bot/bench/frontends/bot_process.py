"""One front-end's bursts in a bot process of its own (bench/frontends/__init__.py, `measure`).

`python -m bot.bench.frontends.bot_process REQUEST FIGURES` reads from the file REQUEST,
pickled, what to measure (the settings, the database URL, the plan and the platform); loads
that platform's libraries and starts its loopback platform; says "ready" on standard output;
waits for "go" on standard input (the bench measures one platform at a time); then writes the
platform's figures and the process's peak memory to the file FIGURES as JSON. A file, not
standard output, so that nothing a library prints can be taken for the figures: whatever
else the process prints goes where its standard error goes.
"""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import sys
from pathlib import Path

from bot.bench.frontends import GO, READY, in_own_process


def main() -> None:
    request, figures = (Path(arg) for arg in sys.argv[1:3])
    said = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    settings, database_url, plan, platform = pickle.loads(request.read_bytes())

    async def when_ready() -> None:
        said.write(READY)
        said.close()
        if await asyncio.to_thread(sys.stdin.buffer.readline) != GO:
            raise SystemExit(0)  # the bench stopped before this platform's turn

    result = in_own_process(settings, database_url, plan, platform, when_ready)
    figures.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
