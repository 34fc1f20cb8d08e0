"""The backend application: ``create_app(settings)`` is the one wiring place."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.exc import IntegrityError

from backend.config import Settings
from backend.db import create_engine, session_factory
from backend.errors import DomainError
from backend.routes import chat, clients, followup, notes, staff
from backend.services import requests as request_service
from backend.services import visits
from backend.speech import NullTranscriber, Transcriber, VoskTranscriber
from contract import TZ, ErrorBody, ErrorCode

log = logging.getLogger(__name__)
HOUSEKEEPING_EVERY = 60.0
GENERATE_EVERY = timedelta(hours=1)
WAKE_CHANNEL = "ramtid:outbox"  # the bot's notifier listens here


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


async def housekeeping(app: FastAPI) -> None:
    """Expire passed requests and escalate waiting ones (every minute); keep two weeks of
    visits generated (hourly: it reads every visit in the range, and plans change rarely)."""
    async with app.state.sessions() as session:
        now = app.state.clock()
        today = now.astimezone(TZ).date()
        expired = await request_service.expire_passed(session, now=now)
        escalated = await request_service.escalate_waiting(session, now=now)
        created = 0
        last = app.state.visits_generated_at
        if last is None or now - last >= GENERATE_EVERY:
            created = await visits.generate_visits(
                session, start=today, end=today + timedelta(days=14)
            )
            app.state.visits_generated_at = now
        await session.commit()
    if expired or escalated:
        await app.state.wake_notifier()
    if expired or escalated or created:
        log.info("housekeeping: expired=%d escalated=%d visits=%d", expired, escalated, created)


async def housekeeping_loop(app: FastAPI) -> None:
    while True:
        try:
            await housekeeping(app)
        except Exception:
            log.exception("housekeeping failed; will retry")
        await asyncio.sleep(HOUSEKEEPING_EVERY)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] = system_clock,
    run_housekeeping: bool = True,
    transcriber: Transcriber | None = None,
) -> FastAPI:
    settings = settings or Settings()
    if transcriber is None:
        transcriber = (
            VoskTranscriber(settings.speech_models, max_workers=settings.speech_workers)
            if settings.speech_models
            else NullTranscriber()
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(housekeeping_loop(app)) if run_housekeeping else None
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await app.state.engine.dispose()
        if redis is not None:
            await redis.aclose()

    app = FastAPI(
        title="Ramtid backend",
        version="0.1.0",
        description="Frames, plans, visits and change requests for home care under ramtid.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = create_engine(settings.database_url)
    app.state.sessions = session_factory(app.state.engine)
    app.state.clock = clock
    app.state.transcriber = transcriber
    app.state.visits_generated_at = None
    app.state.outbox_listeners = []  # in-process notifiers register here

    async def wake_notifier() -> None:
        """New outbox rows are committed: wake notifiers here and, through Redis, elsewhere."""
        for listener in app.state.outbox_listeners:
            listener()
        if redis is not None:
            try:
                await redis.publish(WAKE_CHANNEL, "1")
            except RedisError:
                log.warning("could not wake notifiers through Redis; they poll instead")

    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    app.state.redis = redis
    app.state.wake_notifier = wake_notifier

    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        headers = {}
        if "retry_after" in exc.details:
            headers["Retry-After"] = str(exc.details["retry_after"])
        body = ErrorBody(code=exc.code, details=exc.details)
        return error_response(exc.status_code, body, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, validation_error(exc.errors()))

    @app.exception_handler(IntegrityError)
    async def integrity_error(_request: Request, _exc: IntegrityError) -> JSONResponse:
        # Two identical writes raced (e.g. the same idempotency key); the caller retries and
        # gets the stored result.
        return error_response(409, ErrorBody(code=ErrorCode.CONFLICT_RETRY))

    @app.get("/health", tags=["meta"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(chat.router)
    app.include_router(clients.router)
    app.include_router(staff.router)
    app.include_router(followup.router)
    app.include_router(notes.router)
    return app
