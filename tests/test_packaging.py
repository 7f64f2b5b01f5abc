"""What ships: the Docker image's recipe, the licence, the build backend, `make clean`.
Docker cannot run on these machines, so the files are read."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import tomllib
from pathlib import Path, PurePosixPath

from dotenv import dotenv_values

from bot.config import Settings
from storage.engine import sqlite_path

ROOT = Path(__file__).resolve().parents[1]
# An exact Python release on a named Debian, e.g. python:3.12.10-slim-bookworm (a digest may
# follow): a rebuild gets the same image.
PINNED = re.compile(r"^python:\d+\.\d+\.\d+-slim-[a-z]+(@sha256:[0-9a-f]{64})?$")


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, rest) for each instruction, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_every_stage_starts_from_one_pinned_image():
    steps = dockerfile()
    args = dict(rest.split("=", 1) for kind, rest in steps if kind == "ARG" and "=" in rest)
    images = []
    for kind, rest in steps:
        if kind == "FROM":
            image = rest.split()[0]
            images.append(re.sub(r"\$\{(\w+)\}", lambda m: args[m[1]], image))
    assert len(images) == 2
    for image in images:
        assert PINNED.match(image), image


def test_the_image_checks_its_own_health():
    [check] = [rest for kind, rest in dockerfile() if kind == "HEALTHCHECK"]
    command = check.split("CMD", 1)[1].strip()
    assert json.loads(command) == ["brewbot", "health"]


def test_the_build_context_leaves_out_secrets_data_and_caches():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for kept_out in (".env", ".venv", ".git", "data", "__pycache__", ".pytest_cache"):
        assert kept_out in ignored, kept_out


def test_the_example_settings_keep_the_database_in_the_volume():
    """`docker run --env-file .env` with .env copied from .env.example: the SQLite file is in
    the image's VOLUME, not in the container's own layer (lost with the container)."""
    steps = dockerfile()
    env: dict[str, str] = {}
    for kind, rest in steps:
        if kind == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(rest))
    [volume] = [json.loads(rest) for kind, rest in steps if kind == "VOLUME"]
    workdir = [rest for kind, rest in steps if kind == "WORKDIR"][-1]
    example = {k: v for k, v in dotenv_values(ROOT / ".env.example").items() if v is not None}
    aliases = {field.alias for field in Settings.model_fields.values()}
    given = {k: v for k, v in {**env, **example}.items() if k in aliases}
    settings = Settings(_env_file=None, **given)
    database = sqlite_path(settings.resolved_database_url)
    assert database is not None, "the example uses SQLite"
    where = PurePosixPath(workdir) / PurePosixPath(str(database))
    assert any(where.is_relative_to(folder) for folder in volume), where


def test_the_licence_is_stated_once_and_shipped():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "MIT"
    assert project["project"]["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert "LICENSE" in (ROOT / "Dockerfile").read_text(), "the wheel is built with it"


def test_the_build_backend_is_bounded():
    """The SPDX `license` string needs setuptools 77 or newer; an upper bound keeps a future
    major release from changing the build under us."""
    [backend] = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    found = re.fullmatch(r"setuptools>=(\d+),<(\d+)", backend)
    assert found and int(found[1]) >= 77 and int(found[2]) > int(found[1])


def make_plan(target: str) -> str:
    """What `make TARGET` would run, without running it."""
    done = subprocess.run(
        ["make", "-n", target], cwd=ROOT, capture_output=True, text=True, timeout=30, check=True
    )
    return done.stdout


def test_make_clean_keeps_the_database_and_clean_data_removes_it():
    assert "data" not in make_plan("clean")
    assert re.search(r"^rm -rf data\s*$", make_plan("clean-data"), re.M)
