"""The bot's only way to the backend: one async method per endpoint, over HTTP, taking and
returning the contract's models (``contract/``).

In the one-process demo and in tests the same client runs over ``httpx.ASGITransport(app)``,
so there is one path, not two. Errors come back as ``BackendError(code)``.
"""

from __future__ import annotations

import re
import time
from datetime import date
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from backend.prometheus import REGISTRY
from contract import (
    Change,
    ChangeablePublic,
    ChangesTogether,
    CheckOutIn,
    ClaimIn,
    CorrectionIn,
    DayPublic,
    DeadLetterPublic,
    Decision,
    DecisionIn,
    DeliveryFailure,
    DeviationIn,
    DeviationPublic,
    DeviationReason,
    ErrorBody,
    ErrorCode,
    FailureIn,
    FollowupOverview,
    FramePublic,
    InvitationIn,
    InvitationKind,
    InvitationPublic,
    LateIn,
    LinkIn,
    MePublic,
    NoteIn,
    NotePublic,
    NoteSource,
    NotificationPublic,
    NotifyLevel,
    PerformedCorrection,
    PerformedIn,
    PreferencesIn,
    QueuePublic,
    RelativePublic,
    RequestPublic,
    Scope,
    StaffReadPublic,
    Submission,
    TranscriptPublic,
    Verdict,
    VisitPublic,
    WebSignInPublic,
    metrics,
)

Model = TypeVar("Model", bound=BaseModel)
T = TypeVar("T")

# A call is counted by its route with the ids taken out (/clients/{id}/visits): ids only.
_ID_IN_PATH = re.compile(r"/-?\d+(?=/|$)")
_REQUESTS = TypeAdapter(list[RequestPublic])
_VISITS = TypeAdapter(list[VisitPublic])
_RELATIVES = TypeAdapter(list[RelativePublic])
_NOTES = TypeAdapter(list[NotePublic])
_DEAD_LETTERS = TypeAdapter(list[DeadLetterPublic])
_READS = TypeAdapter(list[StaffReadPublic])
_NOTIFICATION = TypeAdapter(NotificationPublic)


class UnknownNotification(BaseModel):
    """A notification of a kind this bot does not know (from a newer backend): still sent,
    in general words, rather than blocking the outbox."""

    id: int
    chat_id: int
    locale: str


class BackendError(Exception):
    def __init__(
        self, code: ErrorCode, status: int = 0, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.details = details or {}


class BackendUnavailable(BackendError):
    def __init__(self) -> None:
        super().__init__(ErrorCode.BACKEND_UNAVAILABLE, 503)


_ANY_LIST = TypeAdapter(list[dict[str, Any]])


def _notification(item: dict[str, Any]) -> NotificationPublic | UnknownNotification:
    try:
        return _NOTIFICATION.validate_python(item)
    except ValidationError:
        return UnknownNotification.model_validate(item)


def _error(response: httpx.Response) -> BackendError:
    """The backend's answer as an error. A code this bot does not know (a newer backend) is
    ``ErrorCode.UNKNOWN``, with what was said kept in the details, rather than a crash."""
    try:
        body = ErrorBody.model_validate_json(response.content)
    except ValidationError:
        try:
            raw = response.json()
        except ValueError:
            raw = response.text
        details = raw.get("details") if isinstance(raw, dict) else None
        code = raw.get("code") if isinstance(raw, dict) else None
        return BackendError(
            ErrorCode.UNKNOWN,
            response.status_code,
            {**(details if isinstance(details, dict) else {}), "raw_code": code or str(raw)[:200]},
        )
    return BackendError(body.code, response.status_code, body.details)


class BackendClient:
    def __init__(self, http: httpx.AsyncClient, service_token: str) -> None:
        self.http = http
        self.service_token = service_token

    @classmethod
    def over_http(cls, base_url: str, service_token: str) -> BackendClient:
        return cls(httpx.AsyncClient(base_url=base_url, timeout=10.0), service_token)

    @classmethod
    def in_process(cls, app: Any, service_token: str) -> BackendClient:
        transport = httpx.ASGITransport(app=app)
        return cls(
            httpx.AsyncClient(transport=transport, base_url="http://backend"), service_token
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def _call(
        self,
        method: str,
        path: str,
        *,
        user: int | None = None,
        body: BaseModel | None = None,
        params: dict[str, str] | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        seconds: float | None = None,  # how long the backend may take (speech is slow)
    ) -> bytes:
        """The answer's body (empty for 204); every 4xx and 5xx raised as ``BackendError``."""
        sent = {"X-Service-Token": self.service_token, **(headers or {})}
        if user is not None:
            sent["X-Telegram-User-Id"] = str(user)
        if body is not None:
            content = body.model_dump_json().encode()
            sent["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            response = await self.http.request(
                method,
                path,
                headers=sent,
                content=content,
                params=params,
                timeout=seconds if seconds is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except (httpx.TransportError, OSError) as exc:
            raise BackendUnavailable() from exc
        finally:
            REGISTRY.observe(
                metrics.BOT_BACKEND_CALL_DURATION,
                time.perf_counter() - started,
                _ID_IN_PATH.sub("/{id}", path),
            )
        if response.status_code >= 500:
            raise BackendUnavailable()
        if response.status_code >= 400:
            raise _error(response)
        return response.content

    async def _get(self, model: type[Model], method: str, path: str, **kwargs: Any) -> Model:
        return model.model_validate_json(await self._call(method, path, **kwargs))

    async def _list(self, adapter: TypeAdapter[T], method: str, path: str, **kwargs: Any) -> T:
        return adapter.validate_json(await self._call(method, path, **kwargs))

    # --- chat accounts ---------------------------------------------------------------------

    async def link(
        self, *, code: str, user: int, chat_id: int, locale: str | None, first_name: str | None
    ) -> MePublic:
        body = LinkIn(
            code=code,
            telegram_user_id=user,
            chat_id=chat_id,
            locale=locale,
            first_name=first_name,
        )
        return await self._get(MePublic, "POST", "/bot/link", body=body)

    async def me(self, user: int) -> MePublic | None:
        """Who this Telegram user is, or None when the account is not linked."""
        try:
            return await self._get(MePublic, "GET", "/bot/me", user=user)
        except BackendError as exc:
            if exc.code is ErrorCode.NOT_LINKED:
                return None
            raise

    async def update_me(
        self, user: int, *, locale: str | None = None, notify_level: NotifyLevel | None = None
    ) -> MePublic:
        body = PreferencesIn(locale=locale, notify_level=notify_level)
        return await self._get(MePublic, "PATCH", "/bot/me", user=user, body=body)

    async def invite_relative(
        self,
        user: int,
        *,
        client_id: int,
        scopes: set[Scope],
        relative_first_name: str | None = None,
    ) -> InvitationPublic:
        body = InvitationIn(
            kind=InvitationKind.RELATIVE,
            client_id=client_id,
            scopes=scopes,
            relative_first_name=relative_first_name,
        )
        return await self._get(InvitationPublic, "POST", "/bot/invitations", user=user, body=body)

    async def grant_scope(
        self, user: int, client_id: int, link_id: int, scope: Scope
    ) -> RelativePublic:
        """The client lets a relative do one more thing."""
        path = f"/bot/clients/{client_id}/relatives/{link_id}/scopes/{scope.value}"
        return await self._get(RelativePublic, "PUT", path, user=user)

    async def revoke_scope(
        self, user: int, client_id: int, link_id: int, scope: Scope
    ) -> RelativePublic:
        """Take one scope back; with none left the relative's access has ended."""
        path = f"/bot/clients/{client_id}/relatives/{link_id}/scopes/{scope.value}"
        return await self._get(RelativePublic, "DELETE", path, user=user)

    async def staff_reads(self, user: int, client_id: int) -> list[StaffReadPublic]:
        """For the client: who on the staff looked at her data, and when."""
        return await self._list(_READS, "GET", f"/bot/clients/{client_id}/reads", user=user)

    async def relatives(self, user: int, client_id: int) -> list[RelativePublic]:
        return await self._list(
            _RELATIVES, "GET", f"/bot/clients/{client_id}/relatives", user=user
        )

    async def revoke_relative(self, user: int, client_id: int, link_id: int) -> None:
        await self._call("DELETE", f"/bot/clients/{client_id}/relatives/{link_id}", user=user)

    # --- the client's day, frame and requests ----------------------------------------------

    async def visits(
        self,
        user: int,
        client_id: int,
        *,
        start: date | None = None,
        end: date | None = None,
        days: int | None = None,
    ) -> DayPublic:
        """Visits on local days start..end; by default today (the backend's clock decides)."""
        given: dict[str, date | int | None] = {"from": start, "to": end, "days": days}
        params = {k: str(v) for k, v in given.items() if v is not None}
        return await self._get(
            DayPublic, "GET", f"/clients/{client_id}/visits", user=user, params=params
        )

    async def changeable(
        self, user: int, client_id: int, *, days: int, day: date | None = None
    ) -> ChangeablePublic:
        """The visits a change can be asked for from today for ``days`` days (and on
        ``day``), and the services granted: one read for a wish."""
        params = {"days": str(days)} | ({"day": day.isoformat()} if day else {})
        return await self._get(
            ChangeablePublic, "GET", f"/clients/{client_id}/changeable", user=user, params=params
        )

    async def frame(self, user: int, client_id: int) -> FramePublic:
        return await self._get(FramePublic, "GET", f"/clients/{client_id}/frame", user=user)

    async def preview(self, user: int, client_id: int, change: Change) -> Verdict:
        return await self._get(
            Verdict, "POST", f"/clients/{client_id}/requests/preview", user=user, body=change
        )

    async def preview_together(self, user: int, client_id: int, changes: list[Change]) -> Verdict:
        """One frame check of changes asked for together (a day's visits cancelled)."""
        body = ChangesTogether(changes=changes)
        path = f"/clients/{client_id}/requests/preview-together"
        return await self._get(Verdict, "POST", path, user=user, body=body)

    async def submit(self, user: int, client_id: int, submission: Submission) -> RequestPublic:
        return await self._get(
            RequestPublic, "POST", f"/clients/{client_id}/requests", user=user, body=submission
        )

    async def requests(self, user: int, client_id: int) -> list[RequestPublic]:
        return await self._list(_REQUESTS, "GET", f"/clients/{client_id}/requests", user=user)

    async def withdraw(self, user: int, request_id: int) -> RequestPublic:
        return await self._get(
            RequestPublic, "POST", f"/requests/{request_id}/withdraw", user=user
        )

    # --- staff ------------------------------------------------------------------------------

    async def web_signin(self, user: int) -> WebSignInPublic:
        """A one-time link that signs this staff member in on the web pages."""
        return await self._get(WebSignInPublic, "POST", "/bot/web-signin", user=user)

    async def queue(
        self, user: int, *, limit: int | None = None, after: int | None = None
    ) -> QueuePublic:
        """How many requests wait for this staff member, and the oldest ``limit`` of them
        (after the request ``after``), with whether more wait."""
        params = {} if limit is None else {"limit": str(limit)}
        if after is not None:
            params["after"] = str(after)
        return await self._get(QueuePublic, "GET", "/staff/queue", user=user, params=params)

    async def request(self, user: int, request_id: int) -> RequestPublic:
        return await self._get(RequestPublic, "GET", f"/staff/requests/{request_id}", user=user)

    async def decide(
        self, user: int, request_id: int, decision: Decision, body: DecisionIn
    ) -> RequestPublic:
        """Approve, reject (``body`` is a ``RejectIn``) or hand over to the planners."""
        path = f"/staff/requests/{request_id}/{decision.value}"
        return await self._get(RequestPublic, "POST", path, user=user, body=body)

    async def followup(self, user: int) -> FollowupOverview:
        """This month's follow-up of the staff member's unit, in short."""
        return await self._get(FollowupOverview, "GET", "/staff/followup", user=user)

    async def dead_letters(self, user: int) -> list[DeadLetterPublic]:
        """For a manager: the unit's notifications that could not be delivered."""
        return await self._list(_DEAD_LETTERS, "GET", "/staff/dead-letters", user=user)

    async def staff_day(self, user: int) -> list[VisitPublic]:
        return await self._list(_VISITS, "GET", "/staff/day", user=user)

    async def check_in(self, user: int, visit_id: int) -> VisitPublic:
        return await self._get(
            VisitPublic, "POST", f"/staff/visits/{visit_id}/check-in", user=user
        )

    async def check_out(self, user: int, visit_id: int, *, confirm: bool = False) -> VisitPublic:
        """Check out; a few minutes after the check-in raises ``CHECK_OUT_TOO_SOON`` unless
        ``confirm``."""
        return await self._get(
            VisitPublic,
            "POST",
            f"/staff/visits/{visit_id}/check-out",
            user=user,
            body=CheckOutIn(confirm=confirm),
        )

    async def correct_performed(
        self, user: int, visit_id: int, minutes: int, reason: PerformedCorrection
    ) -> VisitPublic:
        return await self._get(
            VisitPublic,
            "POST",
            f"/staff/visits/{visit_id}/performed",
            user=user,
            body=PerformedIn(minutes=minutes, reason=reason),
        )

    async def set_deviation(
        self, user: int, visit_id: int, reason: DeviationReason
    ) -> DeviationPublic:
        return await self._get(
            DeviationPublic,
            "POST",
            f"/staff/visits/{visit_id}/deviation",
            user=user,
            body=DeviationIn(reason=reason),
        )

    async def running_late(
        self, user: int, minutes: int, visit_id: int | None = None
    ) -> list[VisitPublic]:
        """Late for ``visit_id`` (or the next visit today) and the visits it pushes."""
        return await self._list(
            _VISITS,
            "POST",
            "/staff/late",
            user=user,
            body=LateIn(minutes=minutes, visit_id=visit_id),
        )

    # --- notes and speech ------------------------------------------------------------------

    async def transcribe(self, user: int, audio: bytes, *, language: str) -> TranscriptPublic:
        return await self._get(
            TranscriptPublic,
            "POST",
            "/speech/transcribe",
            user=user,
            params={"language": language},
            content=audio,
            headers={"Content-Type": "audio/ogg"},
            seconds=180.0,
        )

    async def add_note(
        self,
        user: int,
        visit_id: int,
        text: str,
        *,
        source: NoteSource,
        confidence: float | None,
    ) -> NotePublic:
        body = NoteIn(text=text, source=source, confidence=confidence)
        return await self._get(
            NotePublic, "POST", f"/staff/visits/{visit_id}/notes", user=user, body=body
        )

    async def correct_note(self, user: int, note_id: int, text: str) -> NotePublic:
        """Mark the note wrong and save the correction as a new note (nothing is deleted)."""
        return await self._get(
            NotePublic,
            "POST",
            f"/staff/notes/{note_id}/correct",
            user=user,
            body=CorrectionIn(text=text),
        )

    async def client_notes(self, user: int, client_id: int) -> list[NotePublic]:
        return await self._list(_NOTES, "GET", f"/clients/{client_id}/notes", user=user)

    # --- the outbox -------------------------------------------------------------------------

    async def claim(
        self, *, limit: int = 50, lease_seconds: int = 60
    ) -> list[NotificationPublic | UnknownNotification]:
        body = ClaimIn(limit=limit, lease_seconds=lease_seconds)
        claimed = _ANY_LIST.validate_json(await self._call("POST", "/bot/outbox/claim", body=body))
        return [_notification(item) for item in claimed]

    async def ack(self, notification_id: int) -> None:
        await self._call("POST", f"/bot/outbox/{notification_id}/ack")

    async def fail(
        self,
        notification_id: int,
        *,
        retry_after: float | None = None,
        blocked: bool = False,
        reason: DeliveryFailure | None = None,
    ) -> None:
        body = FailureIn(retry_after=retry_after, blocked=blocked, reason=reason)
        await self._call("POST", f"/bot/outbox/{notification_id}/fail", body=body)
