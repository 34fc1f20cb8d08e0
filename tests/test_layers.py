"""Who may import whom: ``ramtid`` wires ``backend`` and ``bot``; neither imports the other's
start-up, and ``contract`` imports nothing of the project."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BACKEND_START_UP = ("backend.main", "backend.demo", "backend.cli")


def imports(package: str) -> dict[str, set[str]]:
    """Every module a package's files import, per file (absolute imports; the project uses
    no relative ones)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
        found[str(path.relative_to(ROOT))] = names
    return found


def within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def test_the_bot_imports_neither_the_backends_start_up_nor_the_composition_root() -> None:
    for path, names in imports("bot").items():
        if path == "bot/__main__.py":  # `python -m bot` hands over to `ramtid bot`
            assert names == {"sys", "ramtid.cli", "ramtid.cli.main"}
            continue
        wrong = {n for n in names if within(n, (*BACKEND_START_UP, "ramtid"))}
        assert not wrong, f"{path} imports {wrong}"


@pytest.mark.parametrize("package", ["backend", "contract"])
def test_the_backend_and_the_contract_import_no_bot_and_no_composition_root(
    package: str,
) -> None:
    for path, names in imports(package).items():
        wrong = {n for n in names if within(n, ("bot", "ramtid"))}
        assert not wrong, f"{path} imports {wrong}"


def test_the_terminal_session_knows_nothing_of_the_backend() -> None:
    names = imports("bot")["bot/terminal.py"]
    assert not {n for n in names if within(n, ("backend",))}


WORDS = {
    "aiogram.utils.i18n.gettext",
    "aiogram.utils.i18n.ngettext",
    "aiogram.utils.i18n.lazy_gettext",
    "aiogram.utils.i18n.lazy_ngettext",
}


def test_everything_the_bot_says_is_in_its_texts() -> None:
    """Sentences live in ``bot/texts``; button labels beside their buttons (keyboards.py).
    Handlers, middlewares and the notifier only call into the texts."""
    for path, names in imports("bot").items():
        if path.startswith("bot/texts/") or path == "bot/keyboards.py":
            continue
        assert not names & WORDS, f"{path} writes its own words: {names & WORDS}"


def test_no_router_is_taken_from_another_dispatcher_by_hand() -> None:
    for path in (ROOT / "bot").rglob("*.py"):
        assert "_parent_router" not in path.read_text(), path
