"""The unit's web pages: server-rendered (Jinja2), HTMX for partial updates, in Swedish and
English from the same catalogs as the bot. ``install(app)`` is their one wiring place.

A new page (the queue, the day board, follow-up charts, the audit): a router in its own module
added to ``ROUTERS``; its routes take ``User`` (``auth.web_user``: signed in, CSRF checked on
unsafe methods) and call a service, whose access checks are the only rules; ``common.page()``
renders a template that extends ``base.html``; ``common.menu()`` says which roles see it; forms
read with ``forms.Form`` and act inside ``common.attempt()`` so a refusal shows the form again
with its reasons; an HTMX fragment is a template starting with ``_``. Each new route needs a row
in ``tests/backend/web/test_access_matrix.py`` and is checked by axe in ``tests/browser``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from backend.errors import DomainError
from backend.web import clients, day, followup, needs, oversight, people, planning, queue, signin
from backend.web.auth import SignInRequired, signin_url, words_for
from backend.web.common import error_words
from backend.web.templating import render

STATIC = Path(__file__).resolve().parent / "static"
PREFIX = "/web"
ROUTERS = (
    signin.router,
    clients.router,
    planning.router,
    people.router,
    day.router,
    followup.router,
    queue.router,
    oversight.router,
    needs.router,
)


def routes() -> list[tuple[str, str]]:
    """Every page and form of the web (method, path), as ``install`` serves them: the table
    the access matrix walks."""
    table = []
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                table += [(method, route.path) for method in sorted(route.methods or ())]
    return table


def is_web(request: Request) -> bool:
    return request.url.path == PREFIX or request.url.path.startswith(PREFIX + "/")


def error_page(request: Request, exc: DomainError) -> HTMLResponse:
    """A refusal on a page, in words, with the status the API would answer."""
    words = words_for(request)
    return render(
        request,
        "error.html",
        {"message": error_words(words, exc.code.value), "status": exc.status_code},
        words=words,
        status_code=exc.status_code,
    )


def install(app: FastAPI) -> None:
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="web-static")
    for router in ROUTERS:
        app.include_router(router, include_in_schema=False)

    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, _exc: SignInRequired) -> Response:
        target = signin_url(request)
        if request.headers.get("hx-request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.get(PREFIX, include_in_schema=False)
    async def web_root() -> Response:
        return RedirectResponse(f"{PREFIX}/", status_code=307)
