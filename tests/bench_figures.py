"""What every run of `brewbot bench` must report, whatever its sizes: checked on the small run
in this process (tests/test_bench.py) and on `brewbot bench --quick` run as a person runs it
(tests/test_cli.py), which is the run that bursts through every front-end."""

from __future__ import annotations

from bot.bench import BenchSizes, keys, table
from bot.bench.frontends import KINDS, NEVER_MS


def assert_every_figure(figures: dict, sizes: BenchSizes) -> None:
    """Every figure is there and none was rounded away to nothing: even a page served from
    memory, or one that does nothing, takes some time."""
    assert set(keys(sizes)) <= figures.keys()
    assert figures["dispatch_errors"] == 0
    assert all(figures[key] > 0 for key in keys(sizes))
    assert all(isinstance(figures[key], float) for key in keys(sizes) if key.startswith("web_"))
    # The web pages: every reflection sent from the page was thanked and stored.
    assert (figures["web_submitters"], figures["web_submit_refused"]) == (sizes.web_submitters, 0)
    assert figures["web_submit_unstored"] == 0 and figures["web_page_bytes"] > 1000
    assert figures["machine"]["cpus"] >= 1


def assert_front_ends_answered(figures: dict, sizes: BenchSizes) -> None:
    """Each front-end ran in a bot process of its own, and at each rate every press through it
    was answered, in time, and none turned away; the no-op app's figures are beside each. The
    web pages likewise: every page opened with its form, every reflection thanked and every
    "I'm coming" kept."""
    # A process's peak memory is its own; the headline figure is the largest of them and
    # this process's.
    peaks = [figures[f"{platform}_peak_rss_mb"] for platform in sizes.frontends]
    assert all(peak > 50 for peak in peaks) and figures["core_peak_rss_mb"] > 50
    assert figures["peak_rss_mb"] == max(*peaks, figures["core_peak_rss_mb"])
    stems = [
        *(f"{platform}_{kind}" for platform in sizes.frontends for kind in KINDS),
        *(f"web_{kind}" for kind in ("open", "submit", "rsvp")),
    ]
    for rate in sizes.rates:
        for stem in (f"{stem}_{rate}" for stem in stems):
            assert figures[f"{stem}_refused"] == 0 == figures[f"{stem}_noop_refused"], stem
            assert figures[f"{stem}_late_share"] == 0.0, stem
            # An answer that never came counts as NEVER_MS (the web pages' wait is as long).
            first_p50, first_p99 = figures[f"{stem}_first_p50_ms"], figures[f"{stem}_first_p99_ms"]
            assert 0 < first_p50 <= first_p99 < NEVER_MS, stem
            assert figures[f"{stem}_cpu_ms"] > 0 and figures[f"{stem}_noop_first_p99_ms"] > 0
    # Teams waits about 15 s for a dialog: the share past that is reported beside the 3 s
    # one, for Teams alone, and printed in the table.
    assert not any("_late_15s_" in key for key in figures if not key.startswith("teams_"))
    if "teams" in sizes.frontends:
        for rate in sizes.rates:
            teams = [f"teams_{kind}_{rate}" for kind in KINDS]
            assert all(figures[f"{stem}_late_15s_share"] == 0.0 for stem in teams)
            assert all(figures[f"{stem}_noop_late_15s_share"] == 0.0 for stem in teams)
            printed = table(figures).splitlines()
            opened = next(line for line in printed if line.strip().startswith(f"{teams[0]} "))
            assert "late 0.0% (past 15s 0.0%)  refused 0" in opened
