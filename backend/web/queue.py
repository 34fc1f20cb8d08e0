"""The queue on the web: the contact person's, the deputy's and the planners' waiting requests,
each with who asked, the frame check now in numbers, the visit before and after and the client's
earlier requests; approve, reject with a reason, or hand over to the planners. Decisions go
through ``requests.decide``, the same service as the bot's decision route, so the version check,
the audit and the client's notification are the bot's own."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from backend.errors import Conflict, DomainError, InvalidInput
from backend.routes.deps import Now, PathId, SessionDep
from backend.services import access, requests
from backend.services.requests.desk import queue_items
from backend.web.auth import User
from backend.web.common import is_htmx, page, see_other
from backend.web.forms import Form as Fields
from backend.web.i18n import N_, Words
from backend.web.templating import render
from contract import (
    MAX_ID,
    TZ,
    ChangeKind,
    Decision,
    DecisionIn,
    ErrorCode,
    Outcome,
    Reason,
    ReasonCode,
    RejectIn,
    RejectReason,
    RequestStatus,
    Verdict,
    freed_in_a_period_over,
)

router = APIRouter(prefix="/web")
POLL_SECONDS = 10

KINDS = {
    ChangeKind.MOVE: N_("Move the visit"),
    ChangeKind.RESIZE: N_("Change the length"),
    ChangeKind.SWAP: N_("Something else instead"),
    ChangeKind.SKIP_SERVICE: N_("Skip a service"),
    ChangeKind.CANCEL: N_("Cancel the visit"),
    ChangeKind.EXTRA: N_("An extra visit"),
}
OUTCOMES = {
    Outcome.WITHIN: N_("Within the frame"),
    Outcome.NEEDS_REVIEW: N_("Within the frame, but check:"),
    Outcome.OUTSIDE: N_("Outside the frame"),
}


def outcome_of(verdict: Verdict, words: Words) -> str:
    """The frame check's outcome in a few words; "within" only where the figures beside it
    agree, and in a period already over its frame what the change frees, if anything."""
    freed = freed_in_a_period_over(verdict.reasons)
    if freed:
        return words.gettext(N_("Frees {duration}, but check:"), duration=words.minutes(freed))
    if freed is not None:
        return words.gettext(N_("Adds no time, but check:"))
    return words.gettext(OUTCOMES[verdict.outcome])


# The same English words as the bot's reasons for a rejection (one catalog entry each).
REJECT_REASONS = {
    RejectReason.NO_STAFF: N_("no staff available at that time"),
    RejectReason.OUTSIDE_SERVICE_HOURS: N_("outside the unit's service hours"),
    RejectReason.SAFETY: N_("for safety reasons"),
    RejectReason.OTHER: N_("other reason"),
}
STATUSES = {
    RequestStatus.PENDING: N_("waiting"),
    RequestStatus.APPROVED: N_("approved"),
    RequestStatus.REJECTED: N_("rejected"),
    RequestStatus.WITHDRAWN: N_("withdrawn"),
    RequestStatus.EXPIRED: N_("expired"),
    RequestStatus.TO_ASSESSOR: N_("sent to the assessor"),
}
DONE = {
    "approved": N_("Approved. {name} will be told."),
    "rejected": N_("Rejected. {name} will be told why."),
    "handed_over": N_("Passed to the planners."),
}


def reason_words(reason: Reason, words: Words) -> str:
    """One finding of the frame check on a request, for the decider, with its numbers."""
    n, code = reason.numbers, reason.code
    if code in (ReasonCode.OVER_FRAME, ReasonCode.ALREADY_OVER_FRAME):
        over = (
            N_("{total} of the frame's {frame}: {over} over.")
            if code is ReasonCode.OVER_FRAME
            else N_("The period is already over the frame: {total} of {frame}, {over} over.")
        )
        return words.gettext(
            over,
            total=words.minutes(int(n["total_after"])),
            frame=words.minutes(int(n["frame_minutes"])),
            over=words.minutes(int(n["over_by"])),
        )
    if code in (ReasonCode.SERVICE_NOT_GRANTED, ReasonCode.SERVICE_NOT_IN_VISIT):
        message = (
            N_("{service} is not granted in the order.")
            if code is ReasonCode.SERVICE_NOT_GRANTED
            else N_("{service} is not part of that visit.")
        )
        return words.gettext(message, service=words.service(str(n.get("service", ""))))
    if code is ReasonCode.OVERLAP:
        return words.gettext("Overlaps the visit at {time}.", time=str(n.get("other_start", "")))
    if code is ReasonCode.SHORT_NOTICE:
        return words.gettext(
            "Short notice: {until} before the visit (notice period {notice}).",
            until=words.minutes(int(n["minutes_until"])),
            notice=words.minutes(int(n["notice_minutes"])),
        )
    if code is ReasonCode.BELOW_FREQUENCY:
        return words.gettext(
            "{service}: granted {granted} {per}, {planned} after the change.",
            service=words.service(str(n["service"])).capitalize(),
            granted=n["granted"],
            per=words.per(str(n["per"])),
            planned=n["planned_after"],
        )
    if code is ReasonCode.OUTSIDE_SERVICE_HOURS:
        return words.gettext(
            "Outside the unit's hours ({start}–{end}).",
            start=str(n.get("service_start", "")),
            end=str(n.get("service_end", "")),
        )
    if code is ReasonCode.DURATION_OUT_OF_BOUNDS:
        return words.gettext(
            "A visit must be {min}–{max} minutes long.", min=n["min"], max=n["max"]
        )
    if code is ReasonCode.REPEATED_DECLINES:
        return words.gettext(
            "Declined help {n} times in three months: tell the assessor.", n=n["declines"]
        )
    message = {
        ReasonCode.IN_PAST: N_("That time has already passed."),
        ReasonCode.VISIT_STARTED: N_("That visit has already started or passed."),
        ReasonCode.VISIT_CANCELLED: N_("That visit is cancelled."),
        ReasonCode.VISIT_NOT_FOUND: N_("That visit no longer exists."),
        ReasonCode.NO_CHANGE: N_("That is already how the visit is planned."),
        ReasonCode.ALREADY_ASKED: N_("A wish about this visit is already waiting."),
        ReasonCode.OUTSIDE_ORDER_VALIDITY: N_("The order does not cover that date."),
    }.get(code, N_("Something in the request does not fit."))
    return words.gettext(message)


def _problem_words(words: Words, exc: DomainError) -> tuple[str, list[str]]:
    """A decision that was refused, in words (and the frame check's reasons if any)."""
    details = exc.details
    if exc.code is ErrorCode.ALREADY_DECIDED:
        name, at = details.get("decided_by_first_name"), details.get("decided_at")
        if name and at:
            message = words.gettext(
                "Already decided by {name} at {time}. Nothing was changed.",
                name=name,
                time=words.clock(datetime.fromisoformat(at).astimezone(TZ).time()),
            )
        elif details.get("status") == RequestStatus.WITHDRAWN:
            withdrawer = details.get("withdrawn_by_first_name")
            message = (
                words.gettext("{name} has withdrawn this request.", name=withdrawer)
                if withdrawer
                else words.gettext("The client has withdrawn this request.")
            )
        elif details.get("status") == RequestStatus.EXPIRED:
            message = words.gettext("The visit has passed; this request has expired.")
        else:
            message = words.gettext("This request has already been decided.")
        return message, []
    if exc.code is ErrorCode.REQUEST_CHANGED:
        return (
            words.gettext(
                "This request has changed since the page was shown. Nothing was changed: "
                "look at it again below."
            ),
            [],
        )
    if exc.code is ErrorCode.NO_LONGER_FITS:
        reasons = [
            reason_words(Reason.model_validate(r), words) for r in details.get("reasons", [])
        ]
        return words.gettext("It no longer fits the frame, so it was not approved:"), reasons
    if exc.code is ErrorCode.REASON_TEXT_REQUIRED:
        return words.gettext("Write the reason when you choose “other reason”."), []
    return words.gettext("That could not be done."), []


async def _queue_page(
    request: Request,
    user: User,
    session: SessionDep,
    now: datetime,
    *,
    status_code: int = 200,
    problem: tuple[int, str, list[str]] | None = None,
    done: str | None = None,
) -> Response:
    access.require_staff(user.actor)
    items = await queue_items(session, staff=user.staff, now=now, actor_label=user.actor.label)
    return page(
        request,
        user,
        "queue.html",
        status_code=status_code,
        items=items,
        seen=",".join(str(item.view.request.id) for item in items),
        poll=POLL_SECONDS,
        problem=problem,
        done=done,
        **_helpers(),
    )


def _helpers() -> dict[str, Any]:
    return {
        "kinds": KINDS,
        "outcome_of": outcome_of,
        "reject_reasons": REJECT_REASONS,
        "statuses": STATUSES,
        "reason_words": reason_words,
        "Outcome": Outcome,
        "RequestStatus": RequestStatus,
        "ChangeKind": ChangeKind,
    }


def _seen(text: str) -> set[int]:
    ids = set()
    for part in text.split(",")[:500]:
        if part.isdigit() and 0 < int(part) <= MAX_ID:
            ids.add(int(part))
    return ids


@router.get("/queue")
async def queue_page(
    request: Request,
    user: User,
    session: SessionDep,
    now: Now,
    done: str = "",
    decided: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> Response:
    """The queue; after a decision (``done``, ``decided``: the request's id, so no name is
    ever in an address) it says what was done and who will be told."""
    message = None
    if done in DONE:
        name = ""
        if decided:
            try:
                view = await requests.request_view(session, request_id=decided)
            except DomainError:
                view = None
            if view is not None and view.request.decided_by_staff_id == user.staff.id:
                name = view.client_first_name
        message = user.words.gettext(DONE[done], name=name or user.words.gettext("The client"))
    return await _queue_page(request, user, session, now, done=message)


@router.get("/queue/news")
async def queue_news(
    request: Request, user: User, session: SessionDep, now: Now, seen: str = ""
) -> Response:
    """Polled by the page: requests that came since it was shown, added at the end of the
    list; those no longer waiting (decided in the bot or by someone else, withdrawn) lose
    their buttons and say so; and a polite announcement of both."""
    access.require_staff(user.actor)
    items = await queue_items(session, staff=user.staff, now=now, actor_label=user.actor.label)
    known = _seen(seen[:5000])
    waiting = {item.view.request.id or 0 for item in items}
    new = [item for item in items if (item.view.request.id or 0) not in known]
    gone = sorted(known - waiting)
    return render(
        request,
        "_queue_news.html",
        {
            "user": user,
            "csrf": user.csrf,
            "new": new,
            "gone": gone,
            "seen": ",".join(str(i) for i in sorted(waiting)),
            "poll": POLL_SECONDS,
            **_helpers(),
        },
        words=user.words,
    )


async def _decide(
    request: Request,
    user: User,
    session: SessionDep,
    now: datetime,
    request_id: int,
    decision: Decision,
    make_body: Any,
) -> Response:
    form = Fields(await request.form())
    version = form.integer("version", low=1, high=MAX_ID)
    body = make_body(form, version) if form.ok else None
    if body is None:
        message = user.words.gettext(
            N_("Choose why it is not possible.")
            if decision is Decision.REJECT and "version" not in form.errors
            else N_("The form had expired. Go back, reload the page and try again.")
        )
        return await _queue_page(
            request, user, session, now, status_code=422, problem=(request_id, message, [])
        )
    try:
        async with session.begin_nested():
            decided = await requests.decide(
                session,
                actor=user.actor,
                request_id=request_id,
                decision=decision,
                body=body,
                now=now,
            )
    except (Conflict, InvalidInput) as exc:
        message, reasons = _problem_words(user.words, exc)
        return await _queue_page(
            request,
            user,
            session,
            now,
            status_code=exc.status_code,
            problem=(request_id, message, reasons),
        )
    done = {
        Decision.APPROVE: "approved",
        Decision.REJECT: "rejected",
        Decision.HAND_OVER: "handed_over",
    }[decision]
    target = f"/web/queue?done={done}&decided={decided.request.id}"
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return see_other(target)


@router.post("/queue/{request_id}/approve")
async def approve(
    request_id: PathId, request: Request, user: User, session: SessionDep, now: Now
) -> Response:
    return await _decide(
        request,
        user,
        session,
        now,
        request_id,
        Decision.APPROVE,
        lambda _form, version: DecisionIn(version=version),
    )


def _reject_body(form: Fields, version: int) -> RejectIn | None:
    reason = form.choice("reason", RejectReason)
    text = form.text("text", max_length=500)
    if not form.ok:
        return None
    return RejectIn(version=version, reason=reason, text=text or None)


@router.post("/queue/{request_id}/reject")
async def reject(
    request_id: PathId, request: Request, user: User, session: SessionDep, now: Now
) -> Response:
    return await _decide(request, user, session, now, request_id, Decision.REJECT, _reject_body)


@router.post("/queue/{request_id}/hand-over")
async def hand_over(
    request_id: PathId, request: Request, user: User, session: SessionDep, now: Now
) -> Response:
    return await _decide(
        request,
        user,
        session,
        now,
        request_id,
        Decision.HAND_OVER,
        lambda _form, version: DecisionIn(version=version),
    )
