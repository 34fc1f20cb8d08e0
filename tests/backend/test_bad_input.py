"""Bad input and bad credentials: a 4xx with a stable code, and nothing written."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from backend.models import ChatAccount, Relative, RelativeLink, Scope, Staff, StaffRole, Unit
from tests.backend.helpers import (
    GOSTA,
    LISA,
    local,
    service_headers,
    update_row,
    visit_at,
    written_rows,
)
from tests.conftest import Database, as_chat, as_staff, staff_headers

TODAY = date(2026, 11, 23)
TOMORROW = TODAY + timedelta(days=1)
UNKNOWN = 99_999
EVA_LINK = 1  # the demo's only relative link: Eva, Lisa's daughter (view and request)


def key() -> str:
    return uuid.uuid4().hex


def request_body(path: str, change: dict[str, Any]) -> dict[str, Any]:
    """What each endpoint takes: a change to preview, or a submission of one."""
    return change if path.endswith("preview") else {"idempotency_key": key(), "change": change}


async def refused(
    api: httpx.AsyncClient,
    db: Database,
    method: str,
    url: str,
    *,
    status: int,
    code: str,
    **kwargs: Any,
) -> dict[str, Any]:
    """Make the call, expect ``status`` with the stable ``code``, and prove nothing was written
    (no request, no notification, no audit event)."""
    before = await written_rows(db)
    r = await api.request(method, url, **kwargs)
    assert r.status_code == status, f"{method} {url}: {r.status_code} {r.text}"
    body = r.json()
    assert body["code"] == code, f"{method} {url}: {body}"
    assert set(body) == {"code", "details"}
    assert await written_rows(db) == before
    return body


async def lunch_tomorrow(api: httpx.AsyncClient) -> dict[str, Any]:
    return await visit_at(api, TOMORROW, 12)


# --- things that do not exist ------------------------------------------------------------


async def test_unknown_client_is_not_found(api, demo, db) -> None:
    for who in (as_chat("lisa"), as_staff("anna")):
        for url in (f"/clients/{UNKNOWN}/visits", f"/clients/{UNKNOWN}/frame"):
            await refused(api, db, "GET", url, status=404, code="client_not_found", headers=who)


async def test_submitting_for_an_unknown_client_is_not_found(api, demo, db) -> None:
    await refused(
        api,
        db,
        "POST",
        f"/clients/{UNKNOWN}/requests",
        status=404,
        code="client_not_found",
        json=request_body("requests", {"kind": "cancel", "visit_id": 1}),
        headers=as_chat("lisa"),
    )


async def test_unknown_visit_is_not_found(api, demo, db) -> None:
    for path in ("requests/preview", "requests"):
        await refused(
            api,
            db,
            "POST",
            f"/clients/{LISA}/{path}",
            status=404,
            code="visit_not_found",
            json=request_body(path, {"kind": "resize", "visit_id": UNKNOWN, "new_duration": 30}),
            headers=as_chat("lisa"),
        )


async def test_another_clients_visit_is_not_found_rather_than_forbidden(api, demo, db) -> None:
    # Gösta's visit looks exactly like one that does not exist: nothing leaks about him.
    gostas = await visit_at(api, TOMORROW, 9, who="gosta", client_id=GOSTA)
    await refused(
        api,
        db,
        "POST",
        f"/clients/{LISA}/requests",
        status=404,
        code="visit_not_found",
        json=request_body("requests", {"kind": "cancel", "visit_id": gostas["id"]}),
        headers=as_chat("lisa"),
    )


async def test_unknown_request_is_not_found(api, demo, db) -> None:
    for url, body, who in [
        (f"/staff/requests/{UNKNOWN}/approve", {}, as_staff("anna")),
        (f"/staff/requests/{UNKNOWN}/reject", {"reason": "no_staff"}, as_staff("anna")),
        (f"/staff/requests/{UNKNOWN}/hand-over", {}, as_staff("anna")),
        (f"/requests/{UNKNOWN}/withdraw", None, as_chat("lisa")),
    ]:
        await refused(
            api, db, "POST", url, status=404, code="request_not_found", json=body, headers=who
        )
    await refused(
        api,
        db,
        "GET",
        f"/staff/requests/{UNKNOWN}",
        status=404,
        code="request_not_found",
        headers=as_staff("anna"),
    )


# --- changes the frame check refuses -----------------------------------------------------


async def test_a_move_into_the_past_is_outside_and_not_stored(api, demo, db) -> None:
    lunch = await lunch_tomorrow(api)
    change = {
        "kind": "move",
        "visit_id": lunch["id"],
        "new_start": local(TODAY - timedelta(days=1), 12).isoformat(),
    }
    preview = await api.post(
        f"/clients/{LISA}/requests/preview", json=change, headers=as_chat("lisa")
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["outcome"] == "outside"
    assert "in_past" in [r["code"] for r in preview.json()["reasons"]]

    body = await refused(
        api,
        db,
        "POST",
        f"/clients/{LISA}/requests",
        status=422,
        code="outside_frame",
        json=request_body("requests", change),
        headers=as_chat("lisa"),
    )
    assert "in_past" in [r["code"] for r in body["details"]["reasons"]]


@pytest.mark.parametrize("minutes", [0, 1_000])
async def test_duration_out_of_bounds_is_explained_with_the_bounds(api, demo, db, minutes) -> None:
    lunch = await lunch_tomorrow(api)
    change = {"kind": "resize", "visit_id": lunch["id"], "new_duration": minutes}
    preview = await api.post(
        f"/clients/{LISA}/requests/preview", json=change, headers=as_chat("lisa")
    )
    assert preview.status_code == 200, preview.text
    reasons = {r["code"]: r["numbers"] for r in preview.json()["reasons"]}
    assert reasons["duration_out_of_bounds"] == {"requested": minutes, "min": 5, "max": 180}

    body = await refused(
        api,
        db,
        "POST",
        f"/clients/{LISA}/requests",
        status=422,
        code="outside_frame",
        json=request_body("requests", change),
        headers=as_chat("lisa"),
    )
    assert "duration_out_of_bounds" in [r["code"] for r in body["details"]["reasons"]]


async def test_a_service_that_is_not_granted_is_outside(api, demo, db) -> None:
    lunch = await lunch_tomorrow(api)
    body = await refused(
        api,
        db,
        "POST",
        f"/clients/{LISA}/requests",
        status=422,
        code="outside_frame",
        json=request_body(
            "requests",
            {"kind": "swap", "visit_id": lunch["id"], "service": "meal", "new_service": "laundry"},
        ),
        headers=as_chat("lisa"),
    )
    assert {"code": "service_not_granted", "numbers": {"service": "laundry"}} in body["details"][
        "reasons"
    ]


async def test_an_unknown_service_is_invalid_input(api, demo, db) -> None:
    lunch = await lunch_tomorrow(api)
    swap = {"kind": "swap", "visit_id": lunch["id"], "service": "meal", "new_service": "sauna"}
    extra = {
        "kind": "extra",
        "new_start": local(TOMORROW, 15).isoformat(),
        "new_duration": 30,
        "services": ["sauna"],
    }
    for change in (swap, extra):
        for path in ("requests/preview", "requests"):
            refusal = await refused(
                api,
                db,
                "POST",
                f"/clients/{LISA}/{path}",
                status=422,
                code="unknown_service",
                json=request_body(path, change),
                headers=as_chat("lisa"),
            )
            assert refusal["details"] == {"service": "sauna"}


# --- a change without what its kind needs ------------------------------------------------


@pytest.mark.parametrize(
    ("change", "missing"),
    [
        ({"kind": "move", "visit_id": 1}, ["new_start"]),
        ({"kind": "resize", "visit_id": 1}, ["new_duration"]),
        ({"kind": "swap", "visit_id": 1, "service": "meal"}, ["new_service"]),
        ({"kind": "skip_service", "visit_id": 1}, ["service"]),
        ({"kind": "cancel"}, ["visit_id"]),
        ({"kind": "extra", "new_duration": 30}, ["new_start", "services"]),
        ({"kind": "extra", "services": []}, ["new_start", "new_duration", "services"]),
    ],
    ids=["move", "resize", "swap", "skip", "cancel", "extra", "extra-empty"],
)
async def test_a_change_without_what_its_kind_needs_names_the_missing_fields(
    api, demo, db, change: dict[str, Any], missing: list[str]
) -> None:
    for path in ("requests/preview", "requests"):
        result = await refused(
            api,
            db,
            "POST",
            f"/clients/{LISA}/{path}",
            status=422,
            code="missing_fields",
            json=request_body(path, change),
            headers=as_chat("lisa"),
        )
        assert result["details"] == {"fields": missing}


async def test_fields_a_kind_does_not_use_are_not_kept(api, demo, db) -> None:
    """A cancel that also carries a new time is a cancel: the request stores only that."""
    lunch = await lunch_tomorrow(api)
    change = {
        "kind": "cancel",
        "visit_id": lunch["id"],
        "new_start": local(TOMORROW, 15).isoformat(),
        "new_duration": 90,
    }
    r = await api.post(
        f"/clients/{LISA}/requests", json=request_body("requests", change), headers=as_chat("lisa")
    )
    assert r.status_code == 201, r.text
    assert r.json()["change"] == {
        "kind": "cancel",
        "visit_id": lunch["id"],
        "new_start": None,
        "new_duration": None,
        "service": None,
        "new_service": None,
        "services": [],
    }


# --- malformed payloads --------------------------------------------------------------------


async def test_malformed_payloads_are_invalid_requests(api, demo, db) -> None:
    naive = {"kind": "move", "visit_id": 1, "new_start": "2026-11-24T13:00:00"}
    cancel = {"kind": "cancel", "visit_id": 1}
    for submission, field in [
        (request_body("requests", {"visit_id": 1, "new_duration": 30}), "change.kind"),
        (request_body("requests", {"kind": "teleport", "visit_id": 1}), "change.kind"),
        (request_body("requests", naive), "change.new_start"),
        (
            request_body("requests", {"kind": "resize", "visit_id": 1, "new_duration": 10_000}),
            "change.new_duration",
        ),
        ({"idempotency_key": "abc", "change": cancel}, "idempotency_key"),
        ({"idempotency_key": key(), **cancel}, "change"),  # the change is not nested
    ]:
        result = await refused(
            api,
            db,
            "POST",
            f"/clients/{LISA}/requests",
            status=422,
            code="invalid_request",
            json=submission,
            headers=as_chat("lisa"),
        )
        assert field in result["details"]["fields"]
    await refused(
        api,
        db,
        "POST",
        f"/clients/{LISA}/requests",
        status=422,
        code="invalid_request",
        content=b"{kind: move",
        headers={**as_chat("lisa"), "Content-Type": "application/json"},
    )


# --- who is calling ------------------------------------------------------------------------


async def test_a_wrong_service_token_is_refused_everywhere_the_bot_calls(api, demo, db) -> None:
    wrong = {"X-Service-Token": "not-the-token", "X-Telegram-User-Id": "1001"}
    for method, url in [
        ("GET", f"/clients/{LISA}/visits"),
        ("GET", "/bot/me"),
        ("POST", "/bot/outbox/claim"),
    ]:
        await refused(
            api, db, method, url, status=401, code="invalid_service_token", json={}, headers=wrong
        )


async def test_an_unlinked_telegram_user_is_refused(api, demo, db) -> None:
    await refused(
        api,
        db,
        "GET",
        f"/clients/{LISA}/visits",
        status=401,
        code="not_linked",
        headers=service_headers(424242),
    )


async def test_a_wrong_staff_token_is_refused(api, demo, db) -> None:
    await refused(
        api,
        db,
        "GET",
        "/staff/queue",
        status=401,
        code="invalid_token",
        headers={"Authorization": "Bearer demo-nobody"},
    )


async def test_no_credentials_are_refused(api, demo, db) -> None:
    for headers in ({}, {"Authorization": "Basic YW5uYTpz"}, {"Authorization": "Bearer "}):
        await refused(
            api,
            db,
            "GET",
            f"/clients/{LISA}/visits",
            status=401,
            code="missing_credentials",
            headers=headers,
        )


async def test_a_view_only_relative_sees_but_cannot_request(api, demo, db) -> None:
    olle = Relative(first_name="Olle")
    await db.add(olle)
    assert olle.id is not None
    await db.add(
        RelativeLink(relative_id=olle.id, client_id=LISA, scopes=[Scope.VISITS]),
        ChatAccount(telegram_user_id=3001, chat_id=3001, relative_id=olle.id),
    )
    seen = await api.get(f"/clients/{LISA}/visits", headers=service_headers(3001))
    assert seen.status_code == 200 and seen.json()["visits"]

    lunch = await lunch_tomorrow(api)
    for path in ("requests", "requests/preview"):
        await refused(
            api,
            db,
            "POST",
            f"/clients/{LISA}/{path}",
            status=403,
            code="view_only",
            json=request_body(path, {"kind": "cancel", "visit_id": lunch["id"]}),
            headers=service_headers(3001),
        )


async def test_a_relative_whose_consent_was_revoked_sees_nothing(api, demo, db) -> None:
    lunch = await lunch_tomorrow(api)
    await update_row(db, RelativeLink, EVA_LINK, revoked_at=local(TODAY, 8))
    await refused(
        api,
        db,
        "GET",
        f"/clients/{LISA}/visits",
        status=403,
        code="no_access",
        headers=as_chat("eva"),
    )
    await refused(
        api,
        db,
        "POST",
        f"/clients/{LISA}/requests",
        status=403,
        code="no_access",
        json=request_body("requests", {"kind": "cancel", "visit_id": lunch["id"]}),
        headers=as_chat("eva"),
    )


async def test_staff_of_another_unit_cannot_read_or_decide(api, demo, db) -> None:
    kista = Unit(name="Hemtjänst Kista", municipality="Stockholm")
    await db.add(kista)
    assert kista.id is not None
    olof = Staff(unit_id=kista.id, first_name="Olof", last_name="Ek", role=StaffRole.MANAGER)
    await db.add(olof)
    other = await staff_headers(db, olof)
    lunch = await lunch_tomorrow(api)
    request = await api.post(
        f"/clients/{LISA}/requests",
        json=request_body(
            "requests", {"kind": "resize", "visit_id": lunch["id"], "new_duration": 30}
        ),
        headers=as_chat("lisa"),
    )
    assert request.status_code == 201, request.text

    for url in (f"/clients/{LISA}/visits", f"/clients/{LISA}/frame", f"/clients/{LISA}/requests"):
        await refused(api, db, "GET", url, status=403, code="other_unit", headers=other)
    await refused(
        api,
        db,
        "POST",
        f"/staff/requests/{request.json()['id']}/approve",
        status=403,
        code="other_unit",
        json={},
        headers=other,
    )
    assert (await api.get("/staff/queue", headers=other)).json() == {
        "total": 0,
        "requests": [],
        "more": False,
    }


async def test_a_bad_date_range_is_refused(api, demo, db) -> None:
    for start, end in [("2026-11-24", "2026-11-23"), ("2026-11-01", "2026-12-03")]:
        body = await refused(
            api,
            db,
            "GET",
            f"/clients/{LISA}/visits",
            status=422,
            code="bad_date_range",
            params={"from": start, "to": end},
            headers=as_staff("anna"),
        )
        assert body["details"] == {"max_days": 31}


# --- bounds: nothing a caller sends makes a 5xx ---------------------------------------------

PAST_INT32 = 2**31
PAST_INT64 = 2**63


@pytest.mark.parametrize("ident", [0, -1, PAST_INT32, PAST_INT64, 10**30])
async def test_ids_past_what_a_column_holds_are_invalid_not_a_server_error(
    api, demo, db, ident: int
) -> None:
    for method, url, headers in (
        ("GET", f"/clients/{ident}/visits", as_chat("lisa")),
        ("GET", f"/clients/{ident}/notes", as_staff("anna")),
        ("POST", f"/requests/{ident}/withdraw", as_chat("lisa")),
        ("POST", f"/staff/visits/{ident}/check-in", as_staff("anna")),
        ("POST", f"/bot/outbox/{ident}/ack", service_headers()),
        ("DELETE", f"/bot/clients/1/relatives/{ident}", as_chat("lisa")),
    ):
        body = await refused(
            api, db, method, url, status=422, code="invalid_request", headers=headers
        )
        assert body["details"]["fields"], url
    body = await refused(
        api,
        db,
        "POST",
        "/staff/requests/1/approve",
        status=422,
        code="invalid_request",
        json={"version": PAST_INT64},
        headers=as_staff("anna"),
    )
    assert any(field.endswith("version") for field in body["details"]["fields"])


@pytest.mark.parametrize("text", ["Lisa\x00", "\x07ring", "a\x1bb", "\ud800"])
async def test_control_characters_and_lone_surrogates_in_text_are_refused(
    api, demo, db, text: str
) -> None:
    visit = (await lunch_tomorrow(api))["id"]
    for method, url, body, headers in (
        ("POST", f"/staff/visits/{visit}/notes", {"text": text}, as_staff("anna")),
        (
            "POST",
            f"/clients/{LISA}/requests",
            {
                "idempotency_key": key(),
                "note": text,
                "change": {"kind": "cancel", "visit_id": visit},
            },
            as_chat("lisa"),
        ),
        (
            "POST",
            "/bot/link",
            {"code": text, "telegram_user_id": 5, "chat_id": 5},
            service_headers(),
        ),
        ("PATCH", "/bot/me", {"locale": text}, as_chat("lisa")),
    ):
        content = json.dumps(body).encode()  # a lone surrogate, as JSON can carry it
        r = await api.request(
            method, url, content=content, headers={**headers, "Content-Type": "application/json"}
        )
        assert (r.status_code, r.json()["code"]) == (422, "invalid_request"), (url, r.text)
    assert (await written_rows(db))["requests"] == 0


async def test_a_note_keeps_its_line_breaks(api, demo) -> None:
    visit = (await lunch_tomorrow(api))["id"]
    r = await api.post(
        f"/staff/visits/{visit}/notes",
        json={"text": "Lisa åt.\nHon drack kaffe.\tBra dag."},
        headers=as_staff("anna"),
    )
    assert r.status_code == 201 and r.json()["text"] == "Lisa åt.\nHon drack kaffe.\tBra dag."


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31", "2100-01-01"])
async def test_dates_outside_this_century_are_refused(api, demo, db, day: str) -> None:
    for params in ({"from": day}, {"to": day}):
        await refused(
            api,
            db,
            "GET",
            f"/clients/{LISA}/visits",
            status=422,
            code="invalid_request",
            params=params,
            headers=as_chat("lisa"),
        )
    await refused(
        api,
        db,
        "GET",
        f"/clients/{LISA}/frame",
        status=422,
        code="invalid_request",
        params={"day": day},
        headers=as_chat("lisa"),
    )
    visit = (await lunch_tomorrow(api))["id"]
    await refused(
        api,
        db,
        "POST",
        f"/clients/{LISA}/requests/preview",
        status=422,
        code="invalid_request",
        json={"kind": "move", "visit_id": visit, "new_start": f"{day}T10:00:00+01:00"},
        headers=as_chat("lisa"),
    )


@pytest.mark.parametrize("header", ["abc", str(2**64), "", "1" * 400])
async def test_a_malformed_chat_user_is_unauthorized(api, demo, db, header: str) -> None:
    await refused(
        api,
        db,
        "GET",
        "/bot/me",
        status=401,
        code="missing_chat_user",
        headers={**service_headers(), "X-Telegram-User-Id": header},
    )
