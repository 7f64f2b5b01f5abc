"""A mistake in a file of Brewbot's own data, as someone editing it would make one (prompts/
is meant to be changed by people who are not programmers: a safeguarding lead adding words,
a facilitator writing a spark), stops `brewbot run` at start with one line naming the file
and where, and what to do; never a traceback, and never left for the first reflection or
digest to meet."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.yaml_data import DataFileError
from bot.people.limits import EarningsLimits
from tests.test_cli import PROCESS_SECONDS, ROOT, clean_env, one_line


def _append(text: str):
    def change(path: Path) -> None:
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    return change


def _rename_first_label(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace("label:", "lable:", 1), "utf-8")


@pytest.mark.parametrize(
    ("name", "change", "said"),
    [
        # A phrase starting with "{", unquoted: the slip made on 2026-12-03 while adding
        # safeguarding words, which found the traceback.
        ("safeguarding/terms.yaml", _append("      - {scared} to say no\n"),
         "prompts/safeguarding/terms.yaml is not valid YAML"),
        ("strings/actions.yaml", _append("oops: [\n"),
         "prompts/strings/actions.yaml is not valid YAML"),
        ("digest/themes.yaml", _rename_first_label,
         "prompts/digest/themes.yaml: a theme is missing"),
        ("sparks/being-heard.yaml", _append("x: [\n"),
         "prompts/sparks/being-heard.yaml: is not valid YAML at line"),
    ],
    ids=["safeguarding words", "a strings file", "the theme vocabulary", "a spark"],
)  # fmt: skip
def test_a_broken_file_of_its_own_data_stops_start_up_with_one_line(tmp_path, name, change, said):
    copy = tmp_path / "code"
    shutil.copytree(ROOT / "prompts", copy / "prompts")
    change(copy / "prompts" / name)
    env = clean_env(BREWBOT_DATA_DIR=str(tmp_path / "data"))
    # The changed copy of prompts/ is found before the one beside the code.
    env["PYTHONPATH"] = f"{copy}:{env['PYTHONPATH']}"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, capture_output=True,
        text=True, timeout=PROCESS_SECONDS, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 1
    line = one_line(done)
    assert line.startswith(said), line
    assert line.endswith("put back the one that came with Brewbot, and start it again."), line
    assert done.stdout == ""


def test_the_earnings_limits_say_where_they_are_broken():
    broken = r"earnings_limits\.yaml is not valid YAML: .* \(line 3\)"
    with pytest.raises(DataFileError, match=broken):
        EarningsLimits.load("warn_at_percent: 80\nperiods: [\n")
    with pytest.raises(DataFileError, match="warn_at_percent must be 1 to 100"):
        EarningsLimits.load("warn_at_percent: 0\n")
