"""The bot's only way to the backend: one async method per endpoint, over HTTP.

In the one-process demo and in tests the same client runs over ``httpx.ASGITransport(app)``,
so there is one path, not two. Errors come back as ``BackendError(code)``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx


class BackendError(Exception):
    def __init__(self, code: str, status: int = 0, details: dict[str, Any] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.details = details or {}


class BackendUnavailable(BackendError):
    def __init__(self) -> None:
        super().__init__("backend_unavailable", 503)


Json = dict[str, Any]


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
        json: Json | None = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        headers = {"X-Service-Token": self.service_token}
        if user is not None:
            headers["X-Telegram-User-Id"] = str(user)
        try:
            response = await self.http.request(
                method, path, headers=headers, json=json, params=params
            )
        except (httpx.TransportError, OSError) as exc:
            raise BackendUnavailable() from exc
        if response.status_code >= 500:
            raise BackendUnavailable()
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            raise BackendError(
                body.get("code", "error"), response.status_code, body.get("details") or {}
            )
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    # --- chat accounts ---------------------------------------------------------------------

    async def link(
        self, *, code: str, user: int, chat_id: int, locale: str | None, first_name: str | None
    ) -> Json:
        body = {
            "code": code,
            "telegram_user_id": user,
            "chat_id": chat_id,
            "locale": locale,
            "first_name": first_name,
        }
        return await self._call("POST", "/bot/link", json=body)  # type: ignore[no-any-return]

    async def me(self, user: int) -> Json | None:
        """Who this Telegram user is, or None when the account is not linked."""
        try:
            return await self._call("GET", "/bot/me", user=user)  # type: ignore[no-any-return]
        except BackendError as exc:
            if exc.code == "not_linked":
                return None
            raise

    async def update_me(
        self, user: int, *, locale: str | None = None, notify_level: str | None = None
    ) -> Json:
        body = {"locale": locale, "notify_level": notify_level}
        return await self._call("PATCH", "/bot/me", user=user, json=body)  # type: ignore[no-any-return]

    async def invite_relative(
        self, user: int, *, client_id: int, scope: str, relative_first_name: str | None = None
    ) -> Json:
        body = {
            "kind": "relative",
            "client_id": client_id,
            "scope": scope,
            "relative_first_name": relative_first_name,
        }
        return await self._call("POST", "/bot/invitations", user=user, json=body)  # type: ignore[no-any-return]

    async def relatives(self, user: int, client_id: int) -> list[Json]:
        return await self._call("GET", f"/bot/clients/{client_id}/relatives", user=user)  # type: ignore[no-any-return]

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
    ) -> Json:
        """Visits on local days start..end; by default today (the backend's clock decides)."""
        given: dict[str, date | int | None] = {"from": start, "to": end, "days": days}
        params = {k: str(v) for k, v in given.items() if v is not None}
        return await self._call("GET", f"/clients/{client_id}/visits", user=user, params=params)  # type: ignore[no-any-return]

    async def frame(self, user: int, client_id: int) -> Json:
        return await self._call("GET", f"/clients/{client_id}/frame", user=user)  # type: ignore[no-any-return]

    async def preview(self, user: int, client_id: int, change: Json) -> Json:
        return await self._call(  # type: ignore[no-any-return]
            "POST", f"/clients/{client_id}/requests/preview", user=user, json=change
        )

    async def submit(
        self,
        user: int,
        client_id: int,
        change: Json,
        *,
        idempotency_key: str,
        note: str = "",
        to_assessor: bool = False,
    ) -> Json:
        body = {**change, "idempotency_key": idempotency_key, "note": note}
        body["to_assessor"] = to_assessor
        return await self._call("POST", f"/clients/{client_id}/requests", user=user, json=body)  # type: ignore[no-any-return]

    async def requests(self, user: int, client_id: int) -> list[Json]:
        return await self._call("GET", f"/clients/{client_id}/requests", user=user)  # type: ignore[no-any-return]

    async def withdraw(self, user: int, request_id: int) -> Json:
        return await self._call("POST", f"/requests/{request_id}/withdraw", user=user)  # type: ignore[no-any-return]

    # --- staff ------------------------------------------------------------------------------

    async def queue(self, user: int) -> list[Json]:
        return await self._call("GET", "/staff/queue", user=user)  # type: ignore[no-any-return]

    async def request(self, user: int, request_id: int) -> Json:
        return await self._call("GET", f"/staff/requests/{request_id}", user=user)  # type: ignore[no-any-return]

    async def approve(self, user: int, request_id: int, version: int | None) -> Json:
        return await self._call(  # type: ignore[no-any-return]
            "POST", f"/staff/requests/{request_id}/approve", user=user, json={"version": version}
        )

    async def reject(
        self, user: int, request_id: int, version: int | None, reason: str, text: str | None
    ) -> Json:
        body = {"version": version, "reason": reason, "text": text}
        return await self._call(  # type: ignore[no-any-return]
            "POST", f"/staff/requests/{request_id}/reject", user=user, json=body
        )

    async def hand_over(self, user: int, request_id: int, version: int | None) -> Json:
        return await self._call(  # type: ignore[no-any-return]
            "POST", f"/staff/requests/{request_id}/hand-over", user=user, json={"version": version}
        )

    async def staff_day(self, user: int) -> list[Json]:
        return await self._call("GET", "/staff/day", user=user)  # type: ignore[no-any-return]

    async def check_in(self, user: int, visit_id: int) -> Json:
        return await self._call("POST", f"/staff/visits/{visit_id}/check-in", user=user)  # type: ignore[no-any-return]

    async def check_out(self, user: int, visit_id: int) -> Json:
        return await self._call("POST", f"/staff/visits/{visit_id}/check-out", user=user)  # type: ignore[no-any-return]

    async def running_late(self, user: int, minutes: int) -> list[Json]:
        return await self._call("POST", "/staff/late", user=user, json={"minutes": minutes})  # type: ignore[no-any-return]

    # --- notes and speech ------------------------------------------------------------------

    async def transcribe(self, user: int, audio: bytes, *, language: str) -> Json:
        headers = {
            "X-Service-Token": self.service_token,
            "X-Telegram-User-Id": str(user),
            "Content-Type": "audio/ogg",
        }
        try:
            response = await self.http.post(
                "/speech/transcribe",
                params={"language": language},
                content=audio,
                headers=headers,
                timeout=180.0,
            )
        except (httpx.TransportError, OSError) as exc:
            raise BackendUnavailable() from exc
        if response.status_code >= 500:
            raise BackendUnavailable()
        body = response.json()
        if response.status_code >= 400:
            raise BackendError(
                body.get("code", "error"), response.status_code, body.get("details")
            )
        return body  # type: ignore[no-any-return]

    async def add_note(
        self, user: int, visit_id: int, text: str, *, source: str, confidence: float | None
    ) -> Json:
        body = {"text": text, "source": source, "confidence": confidence}
        return await self._call("POST", f"/staff/visits/{visit_id}/notes", user=user, json=body)  # type: ignore[no-any-return]

    async def correct_note(self, user: int, note_id: int, text: str) -> Json:
        """Mark the note wrong and save the correction as a new note (nothing is deleted)."""
        return await self._call(  # type: ignore[no-any-return]
            "POST", f"/staff/notes/{note_id}/correct", user=user, json={"text": text}
        )

    async def client_notes(self, user: int, client_id: int) -> list[Json]:
        return await self._call("GET", f"/clients/{client_id}/notes", user=user)  # type: ignore[no-any-return]

    # --- the outbox -------------------------------------------------------------------------

    async def claim(self, *, limit: int = 50, lease_seconds: int = 60) -> list[Json]:
        body = {"limit": limit, "lease_seconds": lease_seconds}
        return await self._call("POST", "/bot/outbox/claim", json=body)  # type: ignore[no-any-return]

    async def ack(self, notification_id: int) -> None:
        await self._call("POST", f"/bot/outbox/{notification_id}/ack")

    async def fail(
        self, notification_id: int, *, retry_after: float | None = None, blocked: bool = False
    ) -> None:
        body = {"retry_after": retry_after, "blocked": blocked}
        await self._call("POST", f"/bot/outbox/{notification_id}/fail", json=body)
