"""`python -m bot` is the same as the `brewbot` console script."""

from bot.cli import main

raise SystemExit(main())
