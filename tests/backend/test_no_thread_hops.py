"""No request waits for a worker thread: FastAPI runs a plain ``def`` endpoint or dependency
in its thread pool, a hop on every request, so every one of ours is ``async def``."""

from __future__ import annotations

import inspect
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from backend.config import Settings
from backend.main import create_app


def _runs_in_the_loop(call: Any) -> bool:
    return any(
        check(call) or check(getattr(call, "__call__", None))  # noqa: B004 - security schemes
        for check in (
            inspect.iscoroutinefunction,
            inspect.isasyncgenfunction,
            inspect.isgeneratorfunction,  # a generator's setup is brief; FastAPI steps it
        )
    )


def _threaded(dependant: Dependant) -> list[str]:
    found = []
    for sub in dependant.dependencies:
        if sub.call is not None and not _runs_in_the_loop(sub.call):
            found.append(getattr(sub.call, "__name__", repr(sub.call)))
        found += _threaded(sub)
    return found


def test_every_endpoint_and_dependency_is_async(settings: Settings) -> None:
    app = create_app(settings, run_housekeeping=False)
    contexts = list(iter_route_contexts(app.routes))
    routes = [c.original_route for c in contexts if isinstance(c.original_route, APIRoute)]
    assert len(routes) > 50  # the API's and the web pages' routes, not only the app's own
    threaded = [
        (route.path, name)
        for route in routes
        for name in (
            ([] if _runs_in_the_loop(route.endpoint) else [route.endpoint.__name__])
            + _threaded(route.dependant)
        )
    ]
    assert threaded == []
