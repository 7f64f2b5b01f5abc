"""The layering rules of docs/architecture.md, checked on full module paths, so a reviewer
need not remember them. Every import counts, those made only for type checking included: a
type-level cycle is still a cycle for the next reader."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.core.domain import Role, SessionState
from bot.engine.texts import Texts

ROOT = Path(__file__).resolve().parents[1]
SDKS = ("discord", "slack_bolt", "slack_sdk", "microsoft_teams", "aiohttp")
FEATURES = ("sessions", "sparks", "reflections", "digest", "people", "scheduling", "delivery")
# Algorithms that only compute: they touch no database and no network.
PURE = (
    "bot/sessions/allocation.py",
    "bot/sessions/timeparse.py",
    "bot/sessions/calendar.py",
    "bot/sessions/lifecycle.py",
    "bot/reflections/redaction.py",
    "bot/reflections/safeguarding.py",
    "bot/digest/themes.py",
    "bot/digest/model.py",
    "bot/digest/render.py",
)
IO = ("storage", "sqlalchemy", "sqlmodel", "asyncio", "aiosqlite", "psycopg")


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, by its full dotted path (`from a.b import c` counts as
    both `a.b` and `a.b.c`, since c may be a module)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: relative import"
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _under(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(f"{p}.") for p in packages)


def _files(*folders: str) -> list[Path]:
    return [path for folder in folders for path in sorted((ROOT / folder).rglob("*.py"))]


def _features() -> list[str]:
    return [f"bot/{feature}" for feature in FEATURES]


def test_the_layout_is_the_documented_one():
    # docs/architecture.md names these packages; a new one needs a line there first.
    packages = {p.parent.name for p in (ROOT / "bot").glob("*/__init__.py")}
    assert packages == {*FEATURES, "core", "engine", "platforms", "bench", "loopback"}
    assert "bot/services" not in {str(p.relative_to(ROOT)) for p in (ROOT / "bot").iterdir()}


def test_only_the_bench_uses_the_loopback_servers():
    # They stand in for Discord and Slack; a running bot must never reach them.
    for path in _files("bot", "cogs", "storage"):
        if _under(_module(path), "bot.loopback", "bot.bench"):
            continue
        for name in _imports(path):
            assert not _under(name, "bot.loopback"), f"{path} imports {name}"


def test_the_loopback_platforms_start_without_the_app():
    # The bench's driver runs them in a process of its own, started for each front-end: the
    # bench and the app (every feature, the database) are not theirs to load.
    for path in _files("bot/loopback"):
        for name in _imports(path):
            assert not _under(name, "bot.bench", "bot.app", "storage"), f"{path} imports {name}"


def test_the_core_imports_only_the_core():
    for path in _files("bot/core"):
        for name in _imports(path):
            if _under(name, "bot", "storage", "cogs"):
                assert _under(name, "bot.core"), f"{path} imports {name}"
            assert not _under(name, *IO, *SDKS), f"{path} imports {name}"


def test_nothing_below_the_front_ends_imports_a_platform_or_a_chat_sdk():
    for path in _files("bot/core", "bot/engine", *_features(), "storage", "prompts"):
        for name in _imports(path):
            assert not _under(name, *SDKS, "bot.platforms", "cogs", "bot.app"), (path, name)


def test_the_web_pages_hold_no_rules_of_their_own():
    # A front-end like the others: pages reach rows only through the App's services, and
    # know no other front-end.
    for path in _files("bot/platforms/web"):
        for name in _imports(path):
            assert not _under(name, *IO[:3], "discord", "slack_bolt", "slack_sdk"), (path, name)
            assert not _under(name, "bot.platforms", "cogs") or _under(name, "bot.platforms.web"), (
                path,
                name,
            )


def test_the_engine_names_no_feature_but_its_shared_parts():
    # deps.py holds the pieces every feature shares (the outbox, the mailer, the in-memory
    # writer ledger, the spark library); nothing else in the engine knows a feature.
    shared = {
        "bot.delivery.outbox",
        "bot.delivery.mail",
        "bot.reflections.anonymity",
        "bot.sparks.library",
    }
    for path in _files("bot/engine"):
        for name in _imports(path):
            feature = [f for f in FEATURES if _under(name, f"bot.{f}")]
            if feature and not (path.name == "deps.py" and _module_of(name) in shared):
                pytest.fail(f"{path} imports {name}")


def _module_of(name: str) -> str:
    """`bot.delivery.mail.Mailer` -> `bot.delivery.mail`."""
    while name and not (ROOT / (name.replace(".", "/") + ".py")).exists():
        name = name.rpartition(".")[0]
    return name


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_touch_no_storage_and_no_io(module):
    # They may word things (bot.engine.texts), never reach a database or a delivery.
    unit_of_work = ("bot.engine.context", "bot.engine.deps", "bot.engine.dispatch")
    for name in _imports(ROOT / module):
        assert not _under(name, *IO, *SDKS, *unit_of_work, "bot.delivery"), name


def test_only_a_features_commands_module_builds_commands():
    builders = {"Command", "ComponentRoute", "Feature"}
    allowed = {"bot/engine/help.py", "bot/bench/burst.py"}  # help reads the table; bench's floor
    for path in _files("bot", "cogs", "storage"):
        relative = str(path.relative_to(ROOT))
        if (path.name == "commands.py" and path.parent.name in FEATURES) or relative in allowed:
            continue
        if relative == "bot/core/commands.py":
            continue  # where they are defined
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in builders, f"{relative} builds a {node.func.id}"


def test_a_features_commands_module_is_built_only_by_the_composition_root():
    # Other features may borrow a shared option (sessions' `session_option`), never a feature.
    for path in _files("bot", "cogs"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot"):
                names = {alias.name for alias in node.names}
                commands_module = node.module.endswith(".commands") and node.module != (
                    "bot.core.commands"
                )
                if commands_module and "feature" in names:
                    assert path == ROOT / "bot/app.py", path
                if "commands" in names and node.module.removeprefix("bot.") in FEATURES:
                    assert path == ROOT / "bot/app.py", path


def test_every_feature_with_commands_is_in_the_table():
    from bot.app import FEATURES as BUILT

    modules = {f.__module__ for f in BUILT}
    on_disk = {_module(p) for p in (ROOT / "bot").glob("*/commands.py") if p.parent.name != "core"}
    assert on_disk <= modules


def test_worded_enums_have_sentences():
    strings = Texts.load().strings
    for state in SessionState:
        assert f"lifecycle.state.{state.value}" in strings
        assert f"lifecycle.hint.{state.value}" in strings
    for role in Role:
        assert f"people.role.{role.value}" in strings


def test_every_button_label_is_words():
    strings = Texts.load().strings
    labels = {k: v for k, v in strings.items() if k.startswith("buttons.")}
    assert len(labels) >= 8
    for key, label in labels.items():
        assert re.search(r"[A-Za-z]{2,}", label), f"{key} must say what it does in words"


def test_the_command_line_writes_to_the_terminal_only_through_say():
    """A sentence from prompts/ holds marks around the words typed into it
    (bot/core/marked.py); `say` takes them out. A bare print() put them on the terminal
    (`brewbot themes --in /dev/zero` showed the path between two of them)."""
    tree = ast.parse((ROOT / "bot/cli.py").read_text())
    printing = [
        node.lineno
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef) and function.name != "say"
        for node in ast.walk(function)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "print"
    ]
    assert printing == [], f"bot/cli.py prints without say at lines {printing}"
