"""Asking for a change: pick a visit and what to change, or just write (or say) the wish.

One question at a time, one FSM state per question. The FSM data keeps only the answers so
far (the wish and the visit chosen) and what the client was offered; which question comes
next is ``bot.wishes.wish_to_change``'s to say. The frame check is shown before anything is
sent, and what was understood from free text is always shown back. The bot holds no frame
rules: the backend's preview decides, and ``bot.texts`` puts its codes into words.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from aiogram import BaseMiddleware, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InaccessibleMessage,
    Message,
    TelegramObject,
)
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from pydantic import BaseModel, Field, TypeAdapter

from bot import keyboards, texts
from bot.backend_client import BackendClient, BackendError
from bot.filters import IS_CLIENT_SIDE, MenuButton, current_client, whose
from bot.replies import Markup, answer_all
from bot.wish_parser import (
    Hint,
    NotUnderstood,
    Wish,
    WishKind,
    parse_wish,
    read_minutes,
    read_service,
)
from bot.wishes import (
    AskMinutes,
    AskService,
    AskTime,
    AskVisit,
    MinutesFor,
    NoVisit,
    ServiceFor,
    all_of_the_days,
    changeable,
    wish_to_change,
)
from contract import (
    TZ,
    Change,
    ChangeKind,
    ClientAccess,
    ErrorCode,
    MePublic,
    Outcome,
    Reason,
    RequestPublic,
    Scope,
    ServiceCode,
    Submission,
    Verdict,
    VisitPublic,
)

REASONS = TypeAdapter(list[Reason])
Clock = Callable[[], datetime]
Event = Message | CallbackQuery
NOTE_LENGTH = 1000  # the client's own words kept with a request
DAYS_AHEAD = 8  # the visits a change can be asked for: today and the coming week


class ChangeFlow(StatesGroup):
    visit = State()  # which visit (or an extra one)
    kind = State()  # what to change about it
    new_time = State()  # the visit's new time, or when the extra visit should be
    longer = State()  # how many minutes longer
    shorter = State()  # how many minutes shorter
    extra_length = State()  # how long the extra visit should be
    skip = State()  # which service to skip
    give_up = State()  # which service to give up for another
    get_instead = State()  # which service to get instead
    extra_service = State()  # what should be done at the extra visit
    confirm = State()  # the frame check is shown: send it (or send it to the assessor)


MINUTES_STATES = {
    MinutesFor.LONGER: ChangeFlow.longer,
    MinutesFor.SHORTER: ChangeFlow.shorter,
    MinutesFor.EXTRA_LENGTH: ChangeFlow.extra_length,
}
SERVICE_STATES = {
    ServiceFor.SKIP: ChangeFlow.skip,
    ServiceFor.GIVE_UP: ChangeFlow.give_up,
    ServiceFor.GET_INSTEAD: ChangeFlow.get_instead,
    ServiceFor.EXTRA: ChangeFlow.extra_service,
}


class Conversation(BaseModel):
    """What the change flow keeps between two steps: the answers, not where it is (that is
    the FSM state). Stored as JSON in the FSM data: the storage may be Redis."""

    offered: list[VisitPublic] = Field(default_factory=list)  # visits the wish may be about
    granted: list[ServiceCode] = Field(default_factory=list)  # services the order grants
    waiting: list[int] = Field(default_factory=list)  # offered visits a wish waits about
    wish: Wish | None = None  # what is asked so far; None until the kind is chosen
    visit: VisitPublic | None = None  # the visit chosen
    note: str = ""  # the client's own words, typed or spoken
    change: Change | None = None  # previewed, waiting to be sent
    together: list[Change] = Field(default_factory=list)  # or these, each sent on its own
    whole_days: list[date] = Field(default_factory=list)  # whose visits all go at once
    key: str | None = None  # the idempotency key it will be sent with
    outcome: Outcome | None = None  # the frame check's outcome shown


FLOW_DATA = "change_flow"


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(IS_CLIENT_SIDE)
    router.callback_query.filter(IS_CLIENT_SIDE)
    router.message.middleware(TurnMiddleware())
    router.callback_query.middleware(TurnMiddleware())
    query = router.callback_query.register
    router.message.register(start_change, MenuButton(keyboards.CHANGE))
    query(picked_visit, ChangeFlow.visit, keyboards.VisitPick.filter())
    query(picked_whole_day, ChangeFlow.visit, keyboards.WholeDay.filter())
    query(picked_day, ChangeFlow.visit, keyboards.DayPick.filter())
    query(
        picked_extra,
        StateFilter(ChangeFlow.visit, ChangeFlow.kind),
        keyboards.KindPick.filter(F.kind == WishKind.EXTRA),
    )
    query(picked_kind, ChangeFlow.kind, keyboards.KindPick.filter())
    query(picked_shift, ChangeFlow.new_time, keyboards.ShiftPick.filter())
    router.message.register(typed_time, ChangeFlow.new_time, F.text)
    query(
        picked_minutes,
        StateFilter(*MINUTES_STATES.values()),
        keyboards.MinutesPick.filter(),
    )
    query(
        picked_service,
        StateFilter(ChangeFlow.skip, ChangeFlow.give_up, ChangeFlow.extra_service),
        keyboards.ServicePick.filter(),
    )
    query(picked_instead, ChangeFlow.get_instead, keyboards.ServicePick.filter())
    # Typed while a question is open: the answer to it if it is one, else a new wish.
    router.message.register(typed_minutes, StateFilter(*MINUTES_STATES.values()), F.text)
    router.message.register(typed_service, StateFilter(*SERVICE_STATES.values()), F.text)
    router.message.register(
        typed_wish,
        StateFilter(None, ChangeFlow.visit, ChangeFlow.kind, ChangeFlow.confirm),
        F.text,
    )
    query(confirmed, ChangeFlow.confirm, keyboards.Confirm.filter())
    query(back, keyboards.Nav.filter(F.to == "back"), StateFilter(ChangeFlow))
    return router


@dataclass
class Turn:
    """One step of the conversation: who, about whom, and what we can reach."""

    event: Event
    state: FSMContext
    backend: BackendClient
    clock: Clock
    user: int
    client_id: int
    me: MePublic
    client: ClientAccess
    speech: bool = False  # voice messages are understood in the person's language

    async def say(self, text: str, reply_markup: Markup = None) -> None:
        """A new message in the chat (under the message whose button was pressed)."""
        await self.say_all([text], reply_markup)

    async def say_all(self, parts: list[str], reply_markup: Markup = None) -> None:
        """A text of several messages, in order; the keyboard comes with the last."""
        message = self.event.message if isinstance(self.event, CallbackQuery) else self.event
        if message is not None and not isinstance(message, InaccessibleMessage):
            await answer_all(message, parts, reply_markup)

    async def conversation(self) -> Conversation:
        data = await self.state.get_data()
        return Conversation.model_validate(data.get(FLOW_DATA) or {})

    async def keep(self, conversation: Conversation) -> None:
        await self.state.update_data({FLOW_DATA: conversation.model_dump(mode="json")})

    async def ask(self, state: State, conversation: Conversation) -> None:
        await self.state.set_state(state)
        await self.keep(conversation)

    def now(self) -> datetime:
        """Local (Stockholm) time, as wishes are read in it."""
        return self.clock().astimezone(TZ)

    @property
    def whose(self) -> str | None:
        """The client's first name when a relative asks for them: "Lisa's frame", not
        "your frame"; None for the client herself."""
        return whose(self.me, self.client)


async def begin(
    event: Event,
    me: MePublic,
    state: FSMContext,
    backend: BackendClient,
    clock: Clock,
    callback_answer: CallbackAnswer | None = None,
) -> Turn | None:
    """The turn for a client (or relative allowed to request), or None after saying why not."""
    assert event.from_user is not None
    client = await current_client(me, state)
    if client is None or Scope.REQUESTS not in client.scopes:
        text = (
            texts.visits.no_one_followed()
            if client is None
            else texts.errors.error_text(ErrorCode.VIEW_ONLY)
        )
        if callback_answer is not None:
            callback_answer.text, callback_answer.show_alert = text, True
        elif isinstance(event, Message):
            await event.answer(text)
        return None
    return Turn(event, state, backend, clock, event.from_user.id, client.client_id, me, client)


def speaks(data: dict[str, Any]) -> bool:
    """True when voice messages are understood in the person's language (a speech model
    is configured for it)."""
    i18n = data.get("i18n")
    languages = data.get("speech_languages") or frozenset()
    return i18n is not None and i18n.current_locale in languages


class TurnMiddleware(BaseMiddleware):
    """Every handler here gets the ``turn``; people who may not ask are told why, once."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Message | CallbackQuery)
        turn = await begin(
            event,
            data["me"],
            data["state"],
            data["backend"],
            data["clock"],
            data.get("callback_answer"),
        )
        if turn is None:
            return None
        turn.speech = speaks(data)
        data["turn"] = turn
        return await handler(event, data)


async def what_can_change(
    turn: Turn,
    named: date | None = None,
    *,
    until: date | None = None,
    wish: Wish | None = None,
    note: str = "",
) -> Conversation:
    """A conversation about the visits a change can still be asked for (the coming week,
    the day a wish names when it is later: "den 9 december", and up to the last day away),
    the services the order grants and the visits a wish already waits about: one read, open
    to whoever may ask (a relative with the requests scope only, too); with the ``wish``
    and the client's words (``note``) if there are."""
    days = DAYS_AHEAD if until is None else max(DAYS_AHEAD, (until - turn.now().date()).days + 1)
    found = await turn.backend.changeable(turn.user, turn.client_id, days=days, day=named)
    visits = changeable(found.visits, turn.clock())
    return Conversation(
        offered=visits, granted=found.granted, waiting=found.waiting, wish=wish, note=note
    )


# --- the next question, or the preview ----------------------------------------------------


async def carry_on(turn: Turn, conversation: Conversation) -> None:
    """Ask what the wish still misses, or preview the change once it is complete."""
    assert conversation.wish is not None
    step = wish_to_change(
        conversation.wish,
        conversation.offered,
        turn.clock(),
        conversation.granted,
        visit=conversation.visit,
    )
    if isinstance(step, NoVisit):
        # Nothing fits what was said: the wish is kept, and every visit is offered instead.
        await turn.ask(ChangeFlow.visit, conversation)
        found = (
            texts.requests.already_that_day(step.already, conversation.wish.service)
            if step.already is not None and conversation.wish.service is not None
            else texts.requests.no_visit_found()
        )
        await turn.say(
            found
            + "\n"
            + texts.requests.which_visit(
                conversation.offered,
                paged=keyboards.paged(conversation.offered),
                speech=turn.speech,
            ),
            reply_markup=keyboards.visits_keyboard(conversation.offered),
        )
    elif isinstance(step, AskVisit) and {v.id for v in step.candidates} <= set(
        conversation.waiting
    ):
        # Asked before ("i helgen" sent twice): every visit it fits waits for an answer.
        await _end(turn, texts.requests.already_asked(len(step.candidates), turn.whose))
    elif isinstance(step, AskVisit):
        conversation.offered = list(step.candidates)
        conversation.whole_days = list(step.whole_days)
        await turn.ask(ChangeFlow.visit, conversation)
        question = texts.requests.which_visit_do_you_mean()
        if keyboards.paged(conversation.offered):
            question += "\n" + texts.requests.choose_the_day()
        buttons = keyboards.visits_keyboard(
            conversation.offered, whole_days=step.whole_days, waiting=conversation.waiting
        )
        await turn.say(question, reply_markup=buttons)
    elif isinstance(step, AskTime):
        conversation.visit = step.visit
        await turn.ask(ChangeFlow.new_time, conversation)
        markup = keyboards.shift_keyboard() if step.visit is not None else None
        await turn.say(texts.requests.new_time(step.visit), reply_markup=markup)
    elif isinstance(step, AskMinutes):
        conversation.visit = step.visit
        await turn.ask(MINUTES_STATES[step.what], conversation)
        await turn.say(
            texts.requests.how_many_minutes(step.what),
            reply_markup=keyboards.minutes_keyboard(step.options),
        )
    elif isinstance(step, AskService):
        if not step.among:
            await turn.say(texts.requests.nothing_else_granted(turn.whose))
            return
        conversation.visit = step.visit
        await turn.ask(SERVICE_STATES[step.what], conversation)
        await turn.say(
            texts.requests.which_service(step.what),
            reply_markup=keyboards.services_keyboard(step.among),
        )
    else:
        if step.visit_id is not None and conversation.visit is None:
            conversation.visit = next(v for v in conversation.offered if v.id == step.visit_id)
        await preview(turn, conversation, step)


# --- entry: the menu button, or the wish in the client's own words ------------------------


async def start_change(message: Message, turn: Turn) -> None:
    await ask_which_visit(turn)


async def ask_which_visit(turn: Turn, note: str = "") -> None:
    """The first question: which of the visits that can be changed (or an extra one)."""
    conversation = await what_can_change(turn, note=note)
    visits = conversation.offered
    await turn.ask(ChangeFlow.visit, conversation)
    await turn.say(
        texts.requests.which_visit(visits, paged=keyboards.paged(visits), speech=turn.speech),
        reply_markup=keyboards.visits_keyboard(visits),
    )


async def handle_wish(turn: Turn, text: str, language: str) -> None:
    """Read free text (typed or transcribed) as a wish and carry on from what it says."""
    wish = parse_wish(text, language=language, now=turn.now())
    if isinstance(wish, NotUnderstood):
        await not_a_wish(turn, wish)
        return
    conversation = await what_can_change(
        turn,
        wish.day,
        until=max(wish.away_days, default=None),
        wish=wish,
        note=text[:NOTE_LENGTH],
    )
    await carry_on(turn, conversation)


async def not_a_wish(turn: Turn, said: NotUnderstood) -> None:
    """No change was understood: greet back, answer the question about the plan, or say
    what to write; every answer leads on (the menu, the visits asked about, examples)."""
    menu = keyboards.main_menu(turn.me)
    if said.hint is Hint.GREETING:
        await turn.say(texts.help.welcome_back(turn.me), reply_markup=menu)
    elif said.hint is Hint.THANKS:
        await turn.say(texts.help.you_are_welcome(), reply_markup=menu)
    elif said.hint is Hint.ASKS_PLAN and said.day is not None:
        day = await turn.backend.visits(turn.user, turn.client_id, start=said.day, end=said.day)
        if said.day == turn.now().date():
            parts = [texts.visits.today_text(day, whose=turn.whose)]
        elif any(v.day == said.day for v in day.visits):
            parts = texts.visits.week_messages(day, whose=turn.whose, seven_days=False)
        else:
            parts = [texts.visits.no_visits_on(said.day)]
        await turn.say_all(parts, reply_markup=menu)
    else:
        await turn.say(texts.hints.hint_text(said.hint))


async def typed_wish(message: Message, i18n: I18n, turn: Turn) -> None:
    """A wish written out; also a new wish written while the last one waits to be sent."""
    await handle_wish(turn, message.text or "", i18n.current_locale)


async def typed_minutes(message: Message, i18n: I18n, turn: Turn) -> None:
    """ "20 minuter" written instead of pressing a button; anything else is a new wish."""
    minutes = read_minutes(message.text or "", language=i18n.current_locale)
    conversation = await turn.conversation()
    if minutes is None or conversation.wish is None:
        await handle_wish(turn, message.text or "", i18n.current_locale)
        return
    conversation.wish = replace(conversation.wish, minutes=minutes)
    await carry_on(turn, conversation)


async def typed_service(message: Message, i18n: I18n, turn: Turn) -> None:
    """ "för en promenad" written instead of pressing a button; anything else is a new wish."""
    code = read_service(message.text or "", language=i18n.current_locale)
    conversation = await turn.conversation()
    if code is None or conversation.wish is None:
        await handle_wish(turn, message.text or "", i18n.current_locale)
        return
    if await turn.state.get_state() == ChangeFlow.get_instead.state:
        conversation.wish = replace(conversation.wish, new_service=code)
    else:
        conversation.wish = replace(conversation.wish, service=code)
    await carry_on(turn, conversation)


# --- the answers to each question ---------------------------------------------------------


async def picked_visit(
    query: CallbackQuery, callback_data: keyboards.VisitPick, turn: Turn
) -> None:
    conversation = await turn.conversation()
    visit = next((v for v in conversation.offered if v.id == callback_data.visit_id), None)
    if visit is None or visit.start <= turn.clock():
        await turn.say(texts.requests.visit_gone())
        return
    conversation.visit = visit
    if conversation.wish is None:  # from the menu: what should change about it?
        await turn.ask(ChangeFlow.kind, conversation)
        await turn.say(
            texts.requests.what_to_change(visit), reply_markup=keyboards.kinds_keyboard()
        )
        return
    await carry_on(turn, conversation)


async def picked_whole_day(
    query: CallbackQuery, callback_data: keyboards.WholeDay, turn: Turn
) -> None:
    """Every visit of the day (or the days away) cancelled ("jag är bortrest på lördag",
    "i helgen"): one preview, a request each once sent."""
    conversation = await turn.conversation()
    on_day = all_of_the_days(
        changeable(conversation.offered, turn.clock()),
        conversation.whole_days,
        conversation.waiting,
    )
    if not on_day:
        await turn.say(texts.requests.visit_gone())
        return
    if len(on_day) == 1:
        conversation.visit = on_day[0]
        await preview(turn, conversation, Change(kind=ChangeKind.CANCEL, visit_id=on_day[0].id))
        return
    changes = [Change(kind=ChangeKind.CANCEL, visit_id=visit.id) for visit in on_day]
    verdict = await turn.backend.preview_together(turn.user, turn.client_id, changes)
    conversation.visit, conversation.change, conversation.together = None, None, changes
    text = texts.requests.together_preview_text(
        [(c, v.start) for c, v in zip(changes, on_day, strict=True)],
        verdict,
        turn.now().date(),
        turn.whose,
    )
    await _ask_to_confirm(turn, conversation, verdict, text)


async def picked_day(query: CallbackQuery, callback_data: keyboards.DayPick, turn: Turn) -> None:
    """A day of the week's visits (or, without one, the days again)."""
    conversation = await turn.conversation()
    offered = conversation.offered
    if not callback_data.day:
        text, markup = texts.requests.choose_the_day(), keyboards.visits_keyboard(offered)
    else:
        day = date.fromisoformat(callback_data.day)
        on_day = [v for v in offered if v.day == day]
        text, markup = texts.requests.which_visit_on(day), keyboards.day_visits_keyboard(on_day)
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=markup)


async def picked_kind(query: CallbackQuery, callback_data: keyboards.KindPick, turn: Turn) -> None:
    conversation = await turn.conversation()
    conversation.wish = Wish(callback_data.kind)
    await carry_on(turn, conversation)


async def picked_extra(query: CallbackQuery, turn: Turn) -> None:
    conversation = await turn.conversation()
    conversation.wish, conversation.visit = Wish(WishKind.EXTRA), None
    await carry_on(turn, conversation)


async def picked_shift(
    query: CallbackQuery, callback_data: keyboards.ShiftPick, turn: Turn
) -> None:
    """An earlier or later time of the visit, from a button."""
    conversation = await turn.conversation()
    visit = conversation.visit
    if visit is None:
        await turn.say(texts.requests.choose_a_visit_first())
        return
    start = visit.start + timedelta(minutes=callback_data.minutes)
    await preview(
        turn, conversation, Change(kind=ChangeKind.MOVE, visit_id=visit.id, new_start=start)
    )


async def typed_time(message: Message, i18n: I18n, turn: Turn) -> None:
    """The new time (and day) written out: "10:30", "tomorrow at 10", "Friday at 14", or
    by how much: "en halvtimme senare"."""
    conversation = await turn.conversation()
    wish = conversation.wish
    assert wish is not None
    said = parse_wish(message.text or "", language=i18n.current_locale, now=turn.now())
    if isinstance(said, Wish) and said.at is None and said.shift is not None:
        # "en halvtimme senare", as the buttons say it
        conversation.wish = replace(wish, shift=said.shift)
        await carry_on(turn, conversation)
        return
    if isinstance(said, NotUnderstood) or said.at is None:
        # "lite senare" again: the buttons come with the hint, not only on the question above
        await turn.say(
            texts.hints.hint_text(said.hint if isinstance(said, NotUnderstood) else Hint.NO_TIME),
            reply_markup=keyboards.shift_keyboard() if conversation.visit is not None else None,
        )
        return
    conversation.wish = replace(
        wish, day=said.day or wish.day, at=said.at, minutes=wish.minutes or said.minutes
    )
    await carry_on(turn, conversation)


async def picked_minutes(
    query: CallbackQuery, callback_data: keyboards.MinutesPick, turn: Turn
) -> None:
    conversation = await turn.conversation()
    assert conversation.wish is not None
    conversation.wish = replace(conversation.wish, minutes=callback_data.minutes)
    await carry_on(turn, conversation)


async def picked_service(
    query: CallbackQuery, callback_data: keyboards.ServicePick, turn: Turn
) -> None:
    """The service to skip, to give up, or to have at the extra visit."""
    conversation = await turn.conversation()
    assert conversation.wish is not None
    conversation.wish = replace(conversation.wish, service=callback_data.code)
    await carry_on(turn, conversation)


async def picked_instead(
    query: CallbackQuery, callback_data: keyboards.ServicePick, turn: Turn
) -> None:
    conversation = await turn.conversation()
    assert conversation.wish is not None
    conversation.wish = replace(conversation.wish, new_service=callback_data.code)
    await carry_on(turn, conversation)


# --- preview, confirm, send ---------------------------------------------------------------


async def preview(turn: Turn, conversation: Conversation, change: Change) -> None:
    """Show what was understood and the frame check; nothing is sent yet."""
    try:
        verdict = await turn.backend.preview(turn.user, turn.client_id, change)
    except BackendError as exc:
        if exc.code in (ErrorCode.INVALID_REQUEST, ErrorCode.MISSING_FIELDS):
            await turn.say(texts.hints.hint_text(Hint.NOT_UNDERSTOOD))
            return
        raise
    conversation.change, conversation.together = change, []
    visit = conversation.visit
    text = texts.requests.preview_text(
        change,
        visit.start if visit is not None else None,
        verdict,
        turn.now().date(),
        turn.whose,
    )
    await _ask_to_confirm(turn, conversation, verdict, text)


async def _ask_to_confirm(
    turn: Turn, conversation: Conversation, verdict: Verdict, text: str
) -> None:
    """Show the preview ``text`` with its send buttons; what is sent waits in the flow
    under a new idempotency key."""
    conversation.outcome = verdict.outcome
    conversation.key = uuid.uuid4().hex
    await turn.ask(ChangeFlow.confirm, conversation)
    await turn.say(text, reply_markup=keyboards.confirm_keyboard(verdict.outcome, verdict.reasons))


async def confirmed(query: CallbackQuery, callback_data: keyboards.Confirm, turn: Turn) -> None:
    conversation = await turn.conversation()
    to_assessor = callback_data.action == "assessor"
    if conversation.outcome is Outcome.OUTSIDE and not to_assessor:
        await turn.say(texts.requests.cannot_send_outside(turn.whose))
        return
    if conversation.together:
        sent = await _send_together(turn, conversation)
        together = texts.requests.sent_together(len(sent))
        await _sent(query, turn, together + "\n" + texts.requests.sent_text(sent[-1], turn.whose))
        return
    assert conversation.change is not None and conversation.key is not None
    submission = Submission(
        change=conversation.change,
        idempotency_key=conversation.key,
        note=conversation.note,
        to_assessor=to_assessor,
    )
    try:
        request = await turn.backend.submit(turn.user, turn.client_id, submission)
    except BackendError as exc:
        if exc.code is not ErrorCode.OUTSIDE_FRAME:
            raise
        # Things changed since the preview: explain, and offer the assessor instead.
        reasons = REASONS.validate_python(exc.details.get("reasons", []))
        conversation.outcome = Outcome.OUTSIDE
        await turn.keep(conversation)
        await turn.say(
            texts.frame.outside_text(reasons, turn.whose),
            reply_markup=keyboards.confirm_keyboard(Outcome.OUTSIDE, reasons),
        )
        return
    await _sent(query, turn, texts.requests.sent_text(request, turn.whose))


async def _send_together(turn: Turn, conversation: Conversation) -> list[RequestPublic]:
    """A request for each change asked for together. Each has a key of its own, derived
    from the preview's: pressing "Send" again after an error sends only what was not sent."""
    assert conversation.key is not None
    sent = []
    for index, change in enumerate(conversation.together):
        submission = Submission(
            change=change, idempotency_key=f"{conversation.key}-{index}", note=conversation.note
        )
        sent.append(await turn.backend.submit(turn.user, turn.client_id, submission))
    return sent


async def _sent(query: CallbackQuery, turn: Turn, text: str) -> None:
    """The flow ends once sent: its buttons go, and the menu comes back with ``text``."""
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
    await _end(turn, text)


async def _end(turn: Turn, text: str) -> None:
    """The flow ends: nothing is kept, and the menu comes back with ``text``."""
    await turn.state.set_state(None)
    await turn.keep(Conversation())
    await turn.say(text, reply_markup=keyboards.main_menu(turn.me))


# --- back ------------------------------------------------------------------------------------


async def back(query: CallbackQuery, turn: Turn) -> None:
    """One question back: from what to change to which visit, from later ones to what."""
    conversation = await turn.conversation()
    visit = conversation.visit
    if await turn.state.get_state() == ChangeFlow.kind.state or visit is None:
        await ask_which_visit(turn, conversation.note)
        return
    conversation.wish, conversation.change = None, None
    await turn.ask(ChangeFlow.kind, conversation)
    await turn.say(texts.requests.what_to_change(visit), reply_markup=keyboards.kinds_keyboard())
