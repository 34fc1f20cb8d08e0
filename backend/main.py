"""The backend application: ``create_app(settings)`` is the one wiring place."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, text
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend import web
from backend.config import Settings, require_service_token
from backend.db import create_engine, read_session_factory, session_factory
from backend.errors import DomainError
from backend.models import ChangeRequest, Notification
from backend.prometheus import CONTENT_TYPE, REGISTRY
from backend.routes import chat, clients, followup, notes, oversight, staff, web_signin
from backend.services import requests as request_service
from backend.services import visits
from backend.speech import NullTranscriber, Transcriber, VoskTranscriber
from contract import TZ, Assignee, ErrorBody, ErrorCode, RequestStatus, Urgency, metrics

log = logging.getLogger(__name__)
HOUSEKEEPING_EVERY = 60.0
GENERATE_EVERY = timedelta(hours=1)
WAKE_CHANNEL = "ramtid:outbox"  # the bot's notifier listens here
# Bumped after every commit that changes what ``GET /bot/me`` answers; the bot workers keep
# identities cached only while it stays the same (bot.middlewares.identity).
IDENTITY_EPOCH_KEY = "ramtid:identity:epoch"
HTTP_CODES = {404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED}
RETRY_AFTER_SECONDS = 5  # what a caller is told to wait when the database is unavailable

# Every operation documents its refusals: a stable code and its numbers (contract.ErrorBody).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorBody, "description": "Refused: a stable code and its numbers."},
    503: {
        "model": ErrorBody,
        "description": "The database is unavailable (database_unavailable): try again after "
        "Retry-After seconds. Nothing was changed.",
    },
}


def system_clock() -> datetime:
    return datetime.now(UTC)


SERVICE_FIELDS = frozenset({"service", "new_service", "services"})


def validation_error(errors: Sequence[Any]) -> ErrorBody:
    """What was wrong with a request body, as a stable code: the fields a change of its kind
    needs (contract.Change's own rule), a service code that does not exist, or else which
    fields are invalid."""
    if errors and all(e["type"] == "missing_fields" for e in errors):
        return ErrorBody(
            code=ErrorCode.MISSING_FIELDS, details={"fields": errors[0]["ctx"]["fields"]}
        )
    unknown = [e for e in errors if e["type"] == "enum" and SERVICE_FIELDS & set(e["loc"])]
    if unknown and len(unknown) == len(errors):
        return ErrorBody(code=ErrorCode.UNKNOWN_SERVICE, details={"service": unknown[0]["input"]})
    fields = [".".join(str(part) for part in e["loc"][1:]) for e in errors]
    return ErrorBody(code=ErrorCode.INVALID_REQUEST, details={"fields": fields})


def error_response(
    status: int, body: ErrorBody, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(status_code=status, content=body.model_dump(mode="json"), headers=headers)


class BackendState(State):
    """What the backend holds while it runs, typed. It *is* ``app.state``: the routes'
    ``request.app.state.sessions`` and ``backend_state(app).sessions`` are one object, and
    the lifespan lets go of what it holds (:meth:`close`)."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    read_sessions: async_sessionmaker[AsyncSession]  # GETs: no write lock on SQLite
    clock: Callable[[], datetime]
    transcriber: Transcriber
    redis: Redis | None
    outbox_listeners: list[Callable[[], None]]  # in-process notifiers register here
    identity_listeners: list[Callable[[], None]]  # in-process bots' identity caches
    visits_generated_at: datetime | None

    def __init__(
        self,
        *,
        settings: Settings,
        clock: Callable[[], datetime],
        transcriber: Transcriber,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.engine = create_engine(
            settings.database_url,
            connect_timeout=settings.database_connect_timeout,
            statement_timeout=settings.database_statement_timeout,
            sqlite_driver=settings.sqlite_driver,
        )
        self.sessions = session_factory(self.engine)
        self.read_sessions = read_session_factory(self.engine)
        self.clock = clock
        self.transcriber = transcriber
        self.redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
        self.outbox_listeners = []
        self.identity_listeners = []
        self.visits_generated_at = None

    async def wake_notifier(self) -> None:
        """New outbox rows are committed: wake notifiers here and, through Redis, elsewhere."""
        for listener in self.outbox_listeners:
            listener()
        if self.redis is not None:
            try:
                await self.redis.publish(WAKE_CHANNEL, "1")
            except RedisError:
                log.warning("could not wake notifiers through Redis; they poll instead")

    async def identity_changed(self) -> None:
        """A commit changed an account, its person or a consent: bots here forget their
        cached identities at once; bots elsewhere see the epoch in Redis move before they use
        theirs. Called before the response leaves, so the next update sees the change."""
        for listener in self.identity_listeners:
            listener()
        if self.redis is not None:
            try:
                await self.redis.incr(IDENTITY_EPOCH_KEY)
            except RedisError:
                # The bots cannot tell the cache is stale: they stop trusting it instead.
                log.warning("could not bump the identity epoch in Redis")
                with contextlib.suppress(RedisError):
                    await self.redis.delete(IDENTITY_EPOCH_KEY)

    async def close(self) -> None:
        """Let go of the database connections and Redis (the lifespan's last step)."""
        try:
            await self.engine.dispose()
        finally:
            if self.redis is not None:
                await self.redis.aclose()


def database_unavailable(exc: BaseException) -> bool:
    """The database cannot be reached or does not answer (as opposed to refusing a
    statement): connection refused or lost, a connect or statement timeout, a full pool."""
    if isinstance(exc, OSError | PoolTimeout):  # TimeoutError and ConnectionError included
        return True
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or isinstance(exc.orig, OSError) or _sqlite_busy(exc)
    return False


def _sqlite_busy(exc: DBAPIError) -> bool:
    """SQLite's one writer held the lock for longer than the busy timeout: try again soon."""
    return isinstance(exc.orig, sqlite3.OperationalError) and "database is locked" in str(exc.orig)


async def database_ready(state: BackendState) -> bool:
    """Readiness: the database answers a trivial statement in time."""
    try:
        async with asyncio.timeout(state.settings.database_connect_timeout + 1):
            async with state.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except (OSError, SQLAlchemyError):
        return False
    return True


class RequestMetrics:
    """Requests and their latency per route template (never a path with its ids): a plain
    ASGI middleware, lighter on the hot path than Starlette's BaseHTTPMiddleware."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            REGISTRY.inc(metrics.HTTP_REQUESTS, route, method, str(status))
            REGISTRY.observe(
                metrics.HTTP_REQUEST_DURATION, time.perf_counter() - start, route, method
            )


def pool_gauges(engine: AsyncEngine) -> None:
    pool: Any = engine.pool
    if not hasattr(pool, "checkedout"):
        return
    size = pool.size()
    REGISTRY.set(metrics.DB_POOL_SIZE, size)
    REGISTRY.set(metrics.DB_POOL_CONNECTIONS, pool.checkedout(), "in_use")
    REGISTRY.set(metrics.DB_POOL_CONNECTIONS, pool.checkedin(), "idle")
    REGISTRY.set(metrics.DB_POOL_CONNECTIONS, max(pool.overflow(), 0), "overflow")


async def outbox_gauges(state: BackendState) -> None:
    """What people are still waiting for: undelivered notifications by urgency, and the age
    of the oldest."""
    now = state.clock()
    async with state.read_sessions() as session:
        waiting = (
            await session.exec(
                select(Notification.urgency, func.count(), func.min(Notification.created_at))
                .where(col(Notification.delivered_at).is_(None))
                .where(col(Notification.dropped_reason).is_(None))
                .where(col(Notification.dead_at).is_(None))
                .group_by(Notification.urgency)
            )
        ).all()
    for urgency in Urgency:
        REGISTRY.set(metrics.OUTBOX_UNDELIVERED, 0, urgency.value)
    for level, count, _first in waiting:
        REGISTRY.set(metrics.OUTBOX_UNDELIVERED, count, str(getattr(level, "value", level)))
    REGISTRY.set(metrics.OUTBOX_OLDEST_AGE, _age_of_oldest(now, [row[-1] for row in waiting]))


async def queue_gauges(state: BackendState) -> None:
    """Change requests waiting for a decision, by who holds them and whether they have waited
    too long, and the age of the oldest."""
    now = state.clock()
    escalated = col(ChangeRequest.escalated_at).is_not(None)
    async with state.read_sessions() as session:
        waiting = (
            await session.exec(
                select(
                    ChangeRequest.assignee,
                    escalated,
                    func.count(),
                    func.min(ChangeRequest.created_at),
                )
                .where(ChangeRequest.status == RequestStatus.PENDING)
                .group_by(ChangeRequest.assignee, escalated)
            )
        ).all()
    for holder in Assignee:
        for waited_long in ("true", "false"):
            REGISTRY.set(metrics.QUEUE_REQUESTS, 0, holder.value, waited_long)
    for assignee, late, count, _first in waiting:
        label = str(getattr(assignee, "value", assignee)).lower()
        REGISTRY.set(metrics.QUEUE_REQUESTS, count, label, "true" if late else "false")
    REGISTRY.set(metrics.QUEUE_OLDEST_AGE, _age_of_oldest(now, [row[-1] for row in waiting]))


def _age_of_oldest(now: datetime, times: list[datetime | None]) -> float:
    """Seconds since the earliest of ``times`` (0 without any); SQLite gives them naive UTC."""
    known = [t if t.tzinfo else t.replace(tzinfo=UTC) for t in times if t is not None]
    return max((now - min(known)).total_seconds(), 0.0) if known else 0.0


def backend_state(app: Starlette) -> BackendState:
    """The typed state of an app made by :func:`create_app`."""
    state = app.state
    if not isinstance(state, BackendState):
        raise TypeError("not an app made by backend.main.create_app")
    return state


async def housekeeping(app: FastAPI) -> None:
    """Expire passed requests and escalate waiting ones (every minute); keep two weeks of
    visits generated (hourly: it reads every visit in the range, and plans change rarely)."""
    state = backend_state(app)
    async with state.sessions() as session:
        now = state.clock()
        today = now.astimezone(TZ).date()
        expired = await request_service.expire_passed(session, now=now)
        escalated = await request_service.escalate_waiting(session, now=now)
        created = 0
        last = state.visits_generated_at
        if last is None or now - last >= GENERATE_EVERY:
            created = await visits.generate_visits(
                session, start=today, end=today + timedelta(days=14)
            )
            state.visits_generated_at = now
        await session.commit()
    if expired or escalated:
        await state.wake_notifier()
    if expired or escalated or created:
        log.info("housekeeping: expired=%d escalated=%d visits=%d", expired, escalated, created)


async def housekeeping_loop(app: FastAPI, stop: asyncio.Event) -> None:
    """Housekeeping every minute until ``stop`` is set; a round under way is finished, so a
    shutdown never abandons a transaction (and its database connection) half-way."""
    while not stop.is_set():
        try:
            await housekeeping(app)
        except Exception:
            log.exception("housekeeping failed; will retry")
        # Not asyncio.wait_for: on Python 3.11 it can swallow a cancellation.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(HOUSEKEEPING_EVERY):
                await stop.wait()


async def finish_task(task: asyncio.Task[Any], stop: asyncio.Event) -> None:
    """Ask ``task`` to end (``stop``) and wait until it has. Cancelled while waiting (a
    second Ctrl-C), it cancels the task too and passes the cancellation on."""
    stop.set()
    try:
        await asyncio.wait({task})
    except asyncio.CancelledError:
        task.cancel()
        raise
    if not task.cancelled() and task.exception() is not None:
        log.error("%s ended with an error", task.get_name(), exc_info=task.exception())


def create_app(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] = system_clock,
    run_housekeeping: bool = True,
    transcriber: Transcriber | None = None,
) -> FastAPI:
    """The backend. Its lifespan (run by uvicorn, or entered with
    ``app.router.lifespan_context(app)`` by a process that hosts it) runs the housekeeping
    loop and, on the way out, stops it and closes the database, Redis and speech workers.

    Outside demo mode an app with a missing, default or short service token is not made
    (``InsecureSettings``, naming the variable)."""
    settings = settings or Settings()
    require_service_token(settings)
    own_transcriber = None
    if transcriber is None:
        if settings.speech_models:
            transcriber = own_transcriber = VoskTranscriber(
                settings.speech_models, max_workers=settings.speech_workers
            )
        else:
            transcriber = NullTranscriber()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = backend_state(app)
        stop = asyncio.Event()
        housekeeper = (
            asyncio.create_task(housekeeping_loop(app, stop), name="housekeeping")
            if run_housekeeping
            else None
        )
        try:
            yield
        finally:
            try:
                if housekeeper is not None:
                    await finish_task(housekeeper, stop)
                if own_transcriber is not None:
                    # Waits for a transcription under way; the threads end with it.
                    await asyncio.to_thread(own_transcriber.close)
            finally:
                await state.close()

    app = FastAPI(
        title="Ramtid backend",
        version="0.1.0",
        description="Frames, plans, visits and change requests for home care under ramtid.",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
    )
    app.state = BackendState(settings=settings, clock=clock, transcriber=transcriber)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if web.is_web(request):
            return web.error_page(request, exc)
        headers = {}
        if "retry_after" in exc.details:
            headers["Retry-After"] = str(exc.details["retry_after"])
        body = ErrorBody(code=exc.code, details=exc.details)
        return error_response(exc.status_code, body, headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette's own refusals (a body that is not JSON at all, an unknown path or
        # method) in the same shape as every other answer: a code, never a sentence.
        code = HTTP_CODES.get(exc.status_code, ErrorCode.INVALID_REQUEST)
        if exc.status_code >= 500:
            code = ErrorCode.INTERNAL_ERROR
        return error_response(exc.status_code, ErrorBody(code=code), dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, validation_error(exc.errors()))

    @app.exception_handler(IntegrityError)
    async def integrity_error(_request: Request, exc: IntegrityError) -> JSONResponse:
        # Two identical writes raced (e.g. the same idempotency key); the caller retries and
        # gets the stored result.
        log.warning("a write conflicted with another (%s)", type(exc.orig).__name__, exc_info=exc)
        return error_response(409, ErrorBody(code=ErrorCode.CONFLICT_RETRY))

    async def unavailable(request: Request, exc: Exception) -> JSONResponse:
        if not database_unavailable(exc):
            log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
            return error_response(500, ErrorBody(code=ErrorCode.INTERNAL_ERROR))
        log.warning("database unavailable (%s)", type(exc).__name__, exc_info=exc)
        return error_response(
            503,
            ErrorBody(code=ErrorCode.DATABASE_UNAVAILABLE),
            {"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    app.add_exception_handler(OSError, unavailable)
    app.add_exception_handler(SQLAlchemyError, unavailable)

    app.add_middleware(RequestMetrics)

    @app.get("/metrics", tags=["meta"], include_in_schema=False)
    async def metrics() -> Response:
        """Prometheus: requests and latency per route, the bot's handlers (when it runs in
        this process), the outbox, the queue and the database pool. Ids and counts only."""
        pool_gauges(backend_state(app).engine)
        await outbox_gauges(backend_state(app))
        await queue_gauges(backend_state(app))
        return Response(REGISTRY.render(), media_type=CONTENT_TYPE)

    @app.get("/health", tags=["meta"])
    async def health() -> dict[str, str]:
        """Liveness: the process answers (whatever the database does)."""
        return {"status": "ok"}

    @app.get("/health/ready", tags=["meta"])
    async def ready() -> JSONResponse:
        """Readiness: the database answers; 503 with Retry-After while it does not."""
        if await database_ready(backend_state(app)):
            return JSONResponse({"status": "ok", "database": "ok"})
        return error_response(
            503,
            ErrorBody(code=ErrorCode.DATABASE_UNAVAILABLE),
            {"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    app.include_router(chat.router)
    app.include_router(clients.router)
    app.include_router(staff.router)
    app.include_router(followup.router)
    app.include_router(notes.router)
    app.include_router(oversight.router)
    app.include_router(web_signin.router)
    web.install(app)
    return app
