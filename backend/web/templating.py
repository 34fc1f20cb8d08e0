"""Rendering pages: one Jinja2 environment, autoescaped, whose ``_()`` and ``ngettext()``
speak the request's language (set per request in a context variable, so macros see it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from backend.web.i18n import Words, current_words
from contract import TZ

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _gettext(message: str, **values: Any) -> str:
    return current_words.get().gettext(message, **values)


def _ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
    return current_words.get().ngettext(singular, plural, n, **values)


def _problem_words(code: str) -> str:
    """A refused field's or action's reason in words (a form problem or an error code)."""
    from backend.web.common import error_words
    from backend.web.forms import PROBLEMS

    words = current_words.get()
    if code in PROBLEMS:
        return words.gettext(PROBLEMS[code])
    return error_words(words, code)


def _import_problem(error: Any) -> str:
    from backend.web.common import IMPORT_PROBLEMS

    words = current_words.get()
    message = IMPORT_PROBLEMS.get(error.problem, IMPORT_PROBLEMS["unreadable"])
    return words.gettext(message, value=error.value)


def _ltr(text: str) -> str:
    """A phone number, code or link kept left to right inside right-to-left text (Unicode
    isolates): "08-508 123 00" stays in that order in an Arabic sentence."""
    return f"\u2066{text}\u2069"


def create_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=False)  # type: ignore[attr-defined]
    env.globals.update(
        problem_words=_problem_words, import_problem=_import_problem, ltr=_ltr, tz=TZ
    )
    return env


ENVIRONMENT = create_environment()


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    words: Words,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    token = current_words.set(words)
    try:
        html = ENVIRONMENT.get_template(template).render(request=request, words=words, **context)
    finally:
        current_words.reset(token)
    return HTMLResponse(html, status_code=status_code, headers=headers)
