"""Asking for a change: pick a visit and what to change, or just write (or say) the wish.

One question at a time; the frame check is shown before anything is sent; what was
understood from free text is always shown back for confirmation. The bot holds no frame
rules: the backend's preview decides, and its codes are put into words here.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from aiogram import BaseMiddleware, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InaccessibleMessage, Message, TelegramObject
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from pydantic import TypeAdapter, ValidationError

from bot import keyboards, texts
from bot.backend_client import BackendClient, BackendError
from bot.filters import IS_CLIENT_SIDE, MenuButton, current_client
from bot.wish_parser import Hint, NotUnderstood, Wish, WishKind, parse_wish
from contract import (
    TZ,
    Change,
    ChangeKind,
    ErrorCode,
    MePublic,
    Outcome,
    Reason,
    Scope,
    ServiceCode,
    Submission,
    VisitPublic,
    VisitStatus,
)

router = Router(name=__name__)
router.message.filter(IS_CLIENT_SIDE)
router.callback_query.filter(IS_CLIENT_SIDE)
Data = dict[str, Any]  # this conversation's FSM data: JSON, as the storage may be Redis
REASONS = TypeAdapter(list[Reason])
Clock = Callable[[], datetime]
Event = Message | CallbackQuery


class ChangeFlow(StatesGroup):
    visit = State()
    kind = State()
    when = State()
    minutes = State()
    service = State()
    confirm = State()


LONGER = [15, 30, 45, 60]
SHORTER = [5, 10, 15, 30]
EXTRA_LENGTHS = [15, 30, 45, 60]


@dataclass
class Turn:
    """One step of the conversation: who, about whom, and what we can reach."""

    event: Event
    state: FSMContext
    backend: BackendClient
    clock: Clock
    user: int
    client_id: int

    async def say(self, text: str, **kwargs: Any) -> None:
        if isinstance(self.event, CallbackQuery):
            await self.event.answer()
            message = self.event.message
            if message is not None and not isinstance(message, InaccessibleMessage):
                await message.answer(text, **kwargs)
            return
        await self.event.answer(text, **kwargs)

    async def data(self) -> Data:
        return await self.state.get_data()

    def now(self) -> datetime:
        return self.clock().astimezone(TZ)


def stored(visit: VisitPublic | None) -> Data | None:
    """A visit as the FSM data keeps it."""
    return None if visit is None else visit.model_dump(mode="json")


def visit_of(data: Data | None) -> VisitPublic | None:
    return None if data is None else VisitPublic.model_validate(data)


def visits_of(data: list[Data] | None) -> list[VisitPublic]:
    return [VisitPublic.model_validate(visit) for visit in data or []]


async def begin(
    event: Event, me: MePublic, state: FSMContext, backend: BackendClient, clock: Clock
) -> Turn | None:
    """The turn for a client (or relative allowed to request), or None after saying why not."""
    assert event.from_user is not None
    client = await current_client(me, state)
    if client is None or Scope.REQUESTS not in client.scopes:
        text = (
            _("You do not follow anyone's visits any more.")
            if client is None
            else texts.error_text(ErrorCode.VIEW_ONLY)
        )
        if isinstance(event, CallbackQuery):
            await event.answer(text, show_alert=True)
        else:
            await event.answer(text)
        return None
    return Turn(event, state, backend, clock, event.from_user.id, client.client_id)


async def open_visits(turn: Turn) -> list[VisitPublic]:
    week = await turn.backend.visits(turn.user, turn.client_id, days=8)
    now = turn.clock()
    return [v for v in week.visits if v.status is VisitStatus.PLANNED and v.start > now]


def visit_label(visit: VisitPublic) -> str:
    return f"{texts.fmt_day(visit.start)} {texts.fmt_time(visit.start)}"


# --- entry: the menu button ---------------------------------------------------------------


class TurnMiddleware(BaseMiddleware):
    """Every handler here gets the ``turn``; people who may not ask are told why, once."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Message | CallbackQuery)
        turn = await begin(event, data["me"], data["state"], data["backend"], data["clock"])
        if turn is None:
            return None
        data["turn"] = turn
        return await handler(event, data)


router.message.middleware(TurnMiddleware())
router.callback_query.middleware(TurnMiddleware())


@router.message(MenuButton(keyboards.CHANGE))
async def start_change(message: Message, turn: Turn) -> None:
    visits = await open_visits(turn)
    await turn.state.update_data(
        visits=[stored(v) for v in visits],
        wish=None,
        visit=None,
        extra=None,
        change=None,
        key=None,
        note="",
    )
    await turn.state.set_state(ChangeFlow.visit)
    text = _("Which visit is it about?") if visits else _("There are no visits to change.")
    await message.answer(
        text
        + "\n"
        + _("You can also write or say what you want, for example “tomorrow at 10 instead”."),
        reply_markup=keyboards.visits_keyboard(visits),
    )


# --- choosing the visit and what to change ------------------------------------------------


@router.callback_query(ChangeFlow.visit, keyboards.VisitPick.filter())
async def picked_visit(
    query: CallbackQuery,
    callback_data: keyboards.VisitPick,
    turn: Turn,
) -> None:
    data = await turn.data()
    visit = next(
        (v for v in visits_of(data.get("visits")) if v.id == callback_data.visit_id), None
    )
    if visit is None or visit.start <= turn.clock():
        await turn.say(_("That visit can no longer be changed. Please choose another."))
        return
    await turn.state.update_data(visit=stored(visit))
    if data.get("wish"):
        await apply_wish(turn, data["wish"], visit)
        return
    await turn.state.set_state(ChangeFlow.kind)
    await turn.say(
        _("What would you like to change about the visit {when}?").format(when=visit_label(visit)),
        reply_markup=keyboards.kinds_keyboard(),
    )


@router.callback_query(StateFilter(ChangeFlow.kind, ChangeFlow.visit), keyboards.KindPick.filter())
async def picked_kind(
    query: CallbackQuery,
    callback_data: keyboards.KindPick,
    turn: Turn,
) -> None:
    kind = callback_data.kind
    visit = visit_of((await turn.data()).get("visit"))
    await turn.state.update_data(kind=kind)
    if kind == "extra":
        await turn.state.update_data(visit=None, extra={})
        await turn.state.set_state(ChangeFlow.when)
        await turn.say(
            _(
                "When would you like the extra visit? "
                "Write the day and time, for example “Friday at 14”."
            )
        )
    elif visit is None:
        await turn.say(_("Please choose a visit first."))
    elif kind == "move":
        await turn.state.set_state(ChangeFlow.when)
        await turn.say(
            _("Which new time? Write it, for example “10:30” or “tomorrow at 10”, or choose:"),
            reply_markup=keyboards.shift_keyboard(),
        )
    elif kind in ("longer", "shorter"):
        await ask_minutes(turn, kind, visit)
    elif kind == "cancel":
        await preview(turn, Change(kind=ChangeKind.CANCEL, visit_id=visit.id))
    elif kind == "skip_service":
        await ask_service(turn, "skip", visit.services)
    elif kind == "swap":
        await ask_service(turn, "swap_old", visit.services)


async def ask_minutes(turn: Turn, kind: str, visit: VisitPublic | None) -> None:
    await turn.state.update_data(kind=kind)
    if kind == "longer":
        options, question = LONGER, _("How much longer?")
    elif kind == "shorter":
        assert visit is not None
        options = [m for m in SHORTER if visit.duration_minutes - m >= 5]
        question = _("How much shorter?")
    else:
        options, question = EXTRA_LENGTHS, _("How long should the extra visit be?")
    await turn.state.set_state(ChangeFlow.minutes)
    await turn.say(question, reply_markup=keyboards.minutes_keyboard(options))


@router.callback_query(ChangeFlow.minutes, keyboards.MinutesPick.filter())
async def picked_minutes(
    query: CallbackQuery,
    callback_data: keyboards.MinutesPick,
    turn: Turn,
) -> None:
    await minutes_chosen(turn, callback_data.minutes)


async def minutes_chosen(turn: Turn, minutes: int) -> None:
    data = await turn.data()
    visit, kind = visit_of(data.get("visit")), data.get("kind")
    if kind == "extra":
        await turn.state.update_data(extra={**(data.get("extra") or {}), "new_duration": minutes})
        granted = await granted_services(turn)
        await ask_service(turn, "extra", granted)
        return
    assert visit is not None
    sign = 1 if kind == "longer" else -1
    try:
        change = Change(
            kind=ChangeKind.RESIZE,
            visit_id=visit.id,
            new_duration=visit.duration_minutes + sign * minutes,
        )
    except ValidationError:  # shorter than nothing, or longer than a day: not a visit
        await turn.say(hint_text(Hint.NOT_UNDERSTOOD))
        return
    await preview(turn, change)


async def preview_extra(turn: Turn, extra: Data, service: ServiceCode) -> None:
    """The extra visit asked for step by step (``extra``: its start and length), once we
    know what is to be done at it."""
    try:
        change = Change(
            kind=ChangeKind.EXTRA,
            new_start=extra.get("new_start"),
            new_duration=extra.get("new_duration"),
            services=(service,),
        )
    except ValidationError:
        await turn.say(hint_text(Hint.NOT_UNDERSTOOD))
        return
    await preview(turn, change)


async def granted_services(turn: Turn) -> list[ServiceCode]:
    frame = await turn.backend.frame(turn.user, turn.client_id)
    return [s.code for s in frame.services]


async def ask_service(turn: Turn, step: str, codes: list[ServiceCode]) -> None:
    await turn.state.update_data(step=step)
    if len(codes) == 1 and step in ("skip", "swap_old"):
        await service_chosen(turn, codes[0])
        return
    if not codes:
        await turn.say(_("All your granted help is already part of this visit."))
        return
    question = {
        "skip": _("What should be skipped this time?"),
        "swap_old": _("What should be replaced?"),
        "swap_new": _("What would you like instead?"),
        "extra": _("What should be done at the extra visit?"),
    }[step]
    await turn.state.set_state(ChangeFlow.service)
    await turn.say(question, reply_markup=keyboards.services_keyboard(codes))


@router.callback_query(ChangeFlow.service, keyboards.ServicePick.filter())
async def picked_service(
    query: CallbackQuery,
    callback_data: keyboards.ServicePick,
    turn: Turn,
) -> None:
    await service_chosen(turn, callback_data.code)


async def service_chosen(turn: Turn, code: ServiceCode) -> None:
    data = await turn.data()
    visit, step = visit_of(data.get("visit")), data.get("step")
    if step == "extra":
        await preview_extra(turn, data.get("extra") or {}, code)
        return
    assert visit is not None
    if step == "skip":
        await preview(turn, Change(kind=ChangeKind.SKIP_SERVICE, visit_id=visit.id, service=code))
    elif step == "swap_old":
        await turn.state.update_data(swap_old=code)
        options = [c for c in await granted_services(turn) if c not in visit.services]
        await ask_service(turn, "swap_new", options)
    else:
        change = Change(
            kind=ChangeKind.SWAP,
            visit_id=visit.id,
            service=ServiceCode(data["swap_old"]),
            new_service=code,
        )
        await preview(turn, change)


# --- a new time: typed, or shifted by a button ------------------------------------------


@router.callback_query(ChangeFlow.when, keyboards.ShiftPick.filter())
async def picked_shift(
    query: CallbackQuery,
    callback_data: keyboards.ShiftPick,
    turn: Turn,
) -> None:
    visit = visit_of((await turn.data()).get("visit"))
    if visit is None:
        await turn.say(_("Please choose a visit first."))
        return
    start = visit.start + timedelta(minutes=callback_data.minutes)
    await preview(turn, Change(kind=ChangeKind.MOVE, visit_id=visit.id, new_start=start))


@router.message(ChangeFlow.when, F.text)
async def typed_time(
    message: Message,
    i18n: I18n,
    turn: Turn,
) -> None:
    parsed = parse_wish(message.text or "", language=i18n.current_locale, now=turn.now())
    if isinstance(parsed, NotUnderstood) or parsed.at is None:
        hint = parsed.hint if isinstance(parsed, NotUnderstood) else Hint.NO_TIME
        await turn.say(hint_text(hint))
        return
    data = await turn.data()
    visit = visit_of(data.get("visit"))
    if data.get("kind") == "extra":
        day = parsed.day or turn.now().date()
        extra = {"new_start": at_local(day, parsed.at).isoformat()}
        await turn.state.update_data(extra=extra, note=message.text or "")
        if parsed.minutes:
            await minutes_chosen(turn, parsed.minutes)
        else:
            await ask_minutes(turn, "extra", None)
        return
    assert visit is not None
    day = parsed.day or visit.start.astimezone(TZ).date()
    new_start = at_local(day, parsed.at)
    await preview(turn, Change(kind=ChangeKind.MOVE, visit_id=visit.id, new_start=new_start))


def at_local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=TZ)


def hint_text(hint: Hint) -> str:
    if hint is Hint.BAD_TIME:
        return _("There is no such time. Please write a time like 10:30.")
    if hint is Hint.PAST_DATE:
        return _("That time has already passed. Please choose a time in the future.")
    if hint is Hint.NO_TIME:
        return _("Please also write the time, for example “at 10” or “10:30”.")
    return _(
        "Sorry, I did not understand. You can write for example:\n"
        "• “tomorrow at 10 instead”\n"
        "• “15 minutes longer today”\n"
        "• “no cleaning on Friday”\n"
        "• “a walk instead of cleaning”\n"
        "Or use the button “Ask for a change”."
    )


# --- the wish in the client's own words ---------------------------------------------------


async def handle_wish(turn: Turn, text: str, language: str) -> None:
    """Parse free text (typed or transcribed) and carry on from what was understood."""
    parsed = parse_wish(text, language=language, now=turn.now())
    if isinstance(parsed, NotUnderstood):
        await turn.say(hint_text(parsed.hint))
        return
    await turn.state.update_data(note=text[:1000], wish=None, extra=None, change=None, key=None)
    if parsed.kind is WishKind.EXTRA:
        day = parsed.day or turn.now().date()
        if parsed.at is None:
            await turn.state.update_data(kind="extra", extra={}, visit=None)
            await turn.state.set_state(ChangeFlow.when)
            await turn.say(hint_text(Hint.NO_TIME))
            return
        extra: Data = {"new_start": at_local(day, parsed.at).isoformat()}
        await turn.state.update_data(kind="extra", extra=extra, visit=None)
        if not parsed.minutes:
            await ask_minutes(turn, "extra", None)
        elif not parsed.service:
            await turn.state.update_data(extra={**extra, "new_duration": parsed.minutes})
            await ask_service(turn, "extra", await granted_services(turn))
        else:
            extra["new_duration"] = parsed.minutes
            await preview_extra(turn, extra, ServiceCode(parsed.service))
        return
    visits = await open_visits(turn)
    candidates = [v for v in visits if parsed.day is None or v.day == parsed.day]
    if parsed.service is not None:
        # "...instead of lunch": the visits with that service, if any have it.
        with_service = [v for v in candidates if parsed.service in v.services]
        if with_service or parsed.kind in (WishKind.SKIP_SERVICE, WishKind.SWAP):
            candidates = with_service
    if parsed.day is None:
        # "Can you come at ten instead?" is about the next visits, not one next week.
        soon = turn.now().date() + timedelta(days=1)
        candidates = [v for v in candidates if v.day <= soon]
    if not candidates:
        await turn.say(_("I could not find a visit that this could be about."))
        return
    if len(candidates) == 1:
        await turn.state.update_data(visit=stored(candidates[0]))
        await apply_wish(turn, parsed, candidates[0])
        return
    await turn.state.update_data(visits=[stored(v) for v in candidates], wish=wish_data(parsed))
    await turn.state.set_state(ChangeFlow.visit)
    await turn.say(
        _("Which visit do you mean?"), reply_markup=keyboards.visits_keyboard(candidates)
    )


def wish_data(wish: Wish) -> Data:
    return {
        "kind": wish.kind.value,
        "day": wish.day.isoformat() if wish.day else None,
        "at": wish.at.isoformat() if wish.at else None,
        "minutes": wish.minutes,
        "service": wish.service,
        "new_service": wish.new_service,
    }


def wish_from_data(data: Data) -> Wish:
    return Wish(
        kind=WishKind(data["kind"]),
        day=date.fromisoformat(data["day"]) if data.get("day") else None,
        at=time.fromisoformat(data["at"]) if data.get("at") else None,
        minutes=data.get("minutes"),
        service=data.get("service"),
        new_service=data.get("new_service"),
    )


async def apply_wish(turn: Turn, wish: Wish | Data, visit: VisitPublic) -> None:
    if isinstance(wish, dict):
        wish = wish_from_data(wish)
    await turn.state.update_data(wish=None, visit=stored(visit))
    if wish.kind is WishKind.MOVE:
        assert wish.at is not None
        new_start = at_local(wish.day or visit.day, wish.at)
        await preview(turn, Change(kind=ChangeKind.MOVE, visit_id=visit.id, new_start=new_start))
    elif wish.kind in (WishKind.LONGER, WishKind.SHORTER):
        kind = "longer" if wish.kind is WishKind.LONGER else "shorter"
        if wish.minutes:
            await turn.state.update_data(kind=kind)
            await minutes_chosen(turn, wish.minutes)
        else:
            await ask_minutes(turn, kind, visit)
    elif wish.kind is WishKind.CANCEL:
        await preview(turn, Change(kind=ChangeKind.CANCEL, visit_id=visit.id))
    elif wish.kind is WishKind.SKIP_SERVICE:
        if wish.service in visit.services:
            service = ServiceCode(wish.service)
            await preview(
                turn, Change(kind=ChangeKind.SKIP_SERVICE, visit_id=visit.id, service=service)
            )
        else:
            await ask_service(turn, "skip", visit.services)
    elif wish.kind is WishKind.SWAP:
        old = ServiceCode(wish.service) if wish.service in visit.services else None
        if old is None and len(visit.services) == 1:
            old = visit.services[0]
        if old is None:
            await ask_service(turn, "swap_old", visit.services)
            return
        await turn.state.update_data(swap_old=old)
        if wish.new_service:
            change = Change(
                kind=ChangeKind.SWAP,
                visit_id=visit.id,
                service=old,
                new_service=ServiceCode(wish.new_service),
            )
            await preview(turn, change)
        else:
            options = [c for c in await granted_services(turn) if c not in visit.services]
            await ask_service(turn, "swap_new", options)


@router.message(StateFilter(None, ChangeFlow.visit, ChangeFlow.kind), F.text)
async def typed_wish(
    message: Message,
    i18n: I18n,
    turn: Turn,
) -> None:
    await handle_wish(turn, message.text or "", i18n.current_locale)


# --- preview, confirm, send ---------------------------------------------------------------


async def preview(turn: Turn, change: Change) -> None:
    """Show what was understood and the frame check; nothing is sent yet."""
    data = await turn.data()
    try:
        verdict = await turn.backend.preview(turn.user, turn.client_id, change)
    except BackendError as exc:
        if exc.code in (ErrorCode.INVALID_REQUEST, ErrorCode.MISSING_FIELDS):
            await turn.say(hint_text(Hint.NOT_UNDERSTOOD))
            return
        raise
    await turn.state.update_data(
        change=change.model_dump(mode="json"), key=uuid.uuid4().hex, outcome=verdict.outcome
    )
    await turn.state.set_state(ChangeFlow.confirm)
    visit = visit_of(data.get("visit"))
    text = "{understood}\n{change}\n\n{verdict}".format(
        understood=_("You asked:"),
        change=texts.change_text(change, visit.start if visit is not None else None),
        verdict=texts.verdict_text(verdict),
    )
    if verdict.outcome is Outcome.OUTSIDE:
        text += "\n\n" + _(
            "I can send this to your assessor as a changed need. They decide about your "
            "granted help."
        )
    await turn.say(text, reply_markup=keyboards.confirm_keyboard(verdict.outcome))


@router.callback_query(ChangeFlow.confirm, keyboards.Confirm.filter())
async def confirmed(
    query: CallbackQuery, callback_data: keyboards.Confirm, me: MePublic, turn: Turn
) -> None:
    data = await turn.data()
    to_assessor = callback_data.action == "assessor"
    if data.get("outcome") == Outcome.OUTSIDE and not to_assessor:
        await turn.say(_("This does not fit within your frame, so it cannot be sent like that."))
        return
    submission = Submission(
        change=Change.model_validate(data["change"]),
        idempotency_key=data["key"],
        note=data.get("note", ""),
        to_assessor=to_assessor,
    )
    try:
        request = await turn.backend.submit(turn.user, turn.client_id, submission)
    except BackendError as exc:
        if exc.code is not ErrorCode.OUTSIDE_FRAME:
            raise
        # Things changed since the preview: explain, and offer the assessor instead.
        reasons = REASONS.validate_python(exc.details.get("reasons", []))
        await turn.state.update_data(outcome=Outcome.OUTSIDE)
        await turn.say(
            texts.outside_text(reasons), reply_markup=keyboards.confirm_keyboard(Outcome.OUTSIDE)
        )
        return
    await turn.state.set_state(None)
    await turn.state.update_data(change=None, key=None, visit=None, wish=None, extra=None)
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
    await turn.say(texts.sent_text(request), reply_markup=keyboards.main_menu(me))


# --- back ------------------------------------------------------------------------


@router.callback_query(keyboards.Nav.filter(F.to == "back"), StateFilter(ChangeFlow))
async def back(query: CallbackQuery, turn: Turn) -> None:
    data = await turn.data()
    current = await turn.state.get_state()
    visit = visit_of(data.get("visit"))
    if current == ChangeFlow.kind.state or visit is None:
        visits = await open_visits(turn)
        await turn.state.update_data(visits=[stored(v) for v in visits], visit=None, wish=None)
        await turn.state.set_state(ChangeFlow.visit)
        await turn.say(
            _("Which visit is it about?"), reply_markup=keyboards.visits_keyboard(visits)
        )
        return
    await turn.state.set_state(ChangeFlow.kind)
    await turn.say(
        _("What would you like to change about the visit {when}?").format(when=visit_label(visit)),
        reply_markup=keyboards.kinds_keyboard(),
    )
