"""Brewbot's YAML reading (bot/core/yaml_data.py): plain data only, whichever parser."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.core.yaml_data import load_yaml

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


def test_every_prompts_file_reads_as_the_pure_python_safe_loader_reads_it():
    files = sorted(PROMPTS.rglob("*.yaml"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert load_yaml(text) == yaml.load(text, Loader=yaml.SafeLoader), path


def test_python_objects_are_refused():
    with pytest.raises(yaml.YAMLError):
        load_yaml("!!python/object/apply:os.system ['echo unsafe']")


def test_a_broken_file_says_where():
    with pytest.raises(yaml.YAMLError) as caught:
        load_yaml("a: [1, 2\nb: 3\n")
    assert getattr(caught.value, "problem_mark", None) is not None
