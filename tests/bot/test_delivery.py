"""Sender against the fake Telegram server: limits kept, failures retried or reported."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest
from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter, TelegramServerError
from aiogram.methods import Response, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType

from backend.config import Settings
from backend.prometheus import REGISTRY
from bot.delivery import DeliveryFailed, RecipientBlocked, Sender, WaitWhenAsked
from bot.factory import create_bot
from tests.backend.test_metrics import value as series
from tests.support.fake_telegram import FakeTelegram, PlainHttpSession


class VirtualClock:
    """Time that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class SendStamps(BaseRequestMiddleware):
    """Records (chat_id, clock()) for each sendMessage as it leaves the bot."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.stamps: list[tuple[int | str, float]] = []

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if isinstance(method, SendMessage):
            self.stamps.append((method.chat_id, self.clock()))
        return await make_request(bot, method)

    @property
    def times(self) -> list[float]:
        return [at for _, at in self.stamps]


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    """The bot as the process makes it (its answers wait when Telegram asks them to; the
    Sender's sends are left to the Sender)."""
    bot = create_bot(Settings(telegram_token=tg.token), session=PlainHttpSession(api=tg.api))
    yield bot
    await bot.session.close()


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


def stamp_sends(bot: Bot, clock: Callable[[], float]) -> SendStamps:
    stamps = SendStamps(clock)
    bot.session.middleware(stamps)
    return stamps


# -- failures ------------------------------------------------------------------------------------


async def test_429_is_retried_after_retry_after_and_arrives_once(
    tg: FakeTelegram, bot: Bot, clock: VirtualClock
) -> None:
    tg.fail_next("sendMessage", status=429, retry_after=1)
    sender = Sender(bot, clock=clock, sleep=clock.sleep)

    message = await sender.send(7, "Besöket kl 10 flyttas till 11")

    assert [m["text"] for m in tg.sent] == ["Besöket kl 10 flyttas till 11"]
    assert message.message_id == tg.sent[0]["message_id"]
    assert tg.calls["sendMessage"] == 2
    assert clock.sleeps == [1]


async def test_a_429_and_a_retry_are_counted_on_metrics(
    tg: FakeTelegram, bot: Bot, clock: VirtualClock
) -> None:
    def count(outcome: str) -> float:
        return series(REGISTRY.render(), f'ramtid_notifications_total{{outcome="{outcome}"}}')

    limited, retried = count("rate_limited"), count("retried")
    tg.fail_next("sendMessage", status=429, retry_after=1)
    await Sender(bot, clock=clock, sleep=clock.sleep).send(7, "Hej")
    tg.fail_next("sendMessage", status=502)
    await Sender(bot, backoff_base=0.5, clock=clock, sleep=clock.sleep).send(8, "Hej")

    assert tg.calls["sendMessage"] == 4
    assert (count("rate_limited"), count("retried")) == (limited + 1, retried + 1)


# -- answers outside the notifier -----------------------------------------------------------


async def test_an_answer_telegram_refuses_for_now_is_sent_after_the_wait_it_names(
    tg: FakeTelegram, clock: VirtualClock
) -> None:
    bot = tg.create_bot()
    bot.session.middleware(WaitWhenAsked(sleep=clock.sleep))
    tg.fail_next("sendMessage", status=429, retry_after=2, times=2)
    try:
        await bot.send_message(7, "3 önskemål väntar")
    finally:
        await bot.session.close()

    assert [m["text"] for m in tg.sent] == ["3 önskemål väntar"]
    assert tg.calls["sendMessage"] == 3
    assert clock.sleeps == [2, 2]


async def test_an_answer_is_not_held_longer_than_the_most_it_may_wait(
    tg: FakeTelegram, clock: VirtualClock
) -> None:
    bot = tg.create_bot()
    bot.session.middleware(WaitWhenAsked(most=30, sleep=clock.sleep))
    tg.fail_next("sendMessage", status=429, retry_after=20, times=2)
    try:
        with pytest.raises(TelegramRetryAfter):
            await bot.send_message(7, "3 önskemål väntar")
    finally:
        await bot.session.close()

    assert tg.sent == []
    assert clock.sleeps == [20]  # a second wait of 20 s would make 40 in all


@pytest.mark.parametrize(
    "break_once",
    [
        pytest.param(lambda tg: tg.fail_next("sendMessage", status=502), id="bad-gateway"),
        pytest.param(lambda tg: tg.fail_next("sendMessage", status=500), id="server-error"),
        pytest.param(lambda tg: tg.drop_next("sendMessage"), id="connection-dropped"),
    ],
)
async def test_network_and_server_errors_are_retried(
    tg: FakeTelegram,
    bot: Bot,
    clock: VirtualClock,
    break_once: Callable[[FakeTelegram], None],
) -> None:
    break_once(tg)
    sender = Sender(bot, backoff_base=0.5, clock=clock, sleep=clock.sleep)

    await sender.send(7, "Hej")

    assert [m["text"] for m in tg.sent] == ["Hej"]
    assert tg.calls["sendMessage"] == 2
    assert clock.sleeps[0] == 0.5  # the backoff; the rest is the chat's 1 s spacing


async def test_gives_up_after_max_attempts_with_capped_backoff(
    tg: FakeTelegram, bot: Bot, clock: VirtualClock
) -> None:
    tg.fail_next("sendMessage", status=502, times=10)
    sender = Sender(
        bot,
        per_chat_interval=0,
        max_attempts=4,
        backoff_base=1,
        backoff_max=3,
        clock=clock,
        sleep=clock.sleep,
    )

    with pytest.raises(DeliveryFailed) as caught:
        await sender.send(7, "Hej")

    assert (caught.value.chat_id, caught.value.attempts) == (7, 4)
    assert isinstance(caught.value.__cause__, TelegramServerError)
    assert tg.calls["sendMessage"] == 4
    assert clock.sleeps == [1, 2, 3]
    assert tg.sent == []


async def test_blocked_recipient_is_reported_without_retrying(
    tg: FakeTelegram, bot: Bot, clock: VirtualClock
) -> None:
    tg.block_chat(7)
    sender = Sender(bot, clock=clock, sleep=clock.sleep)

    with pytest.raises(RecipientBlocked) as caught:
        await sender.send(7, "Hej")

    assert caught.value.chat_id == 7
    assert "blocked" in str(caught.value)
    assert tg.calls["sendMessage"] == 1
    assert clock.sleeps == []


async def test_bad_request_is_not_retried(tg: FakeTelegram, bot: Bot, clock: VirtualClock) -> None:
    sender = Sender(bot, clock=clock, sleep=clock.sleep)

    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await sender.send(7, "Hej <3 dig")  # unescaped user text under parse_mode=HTML

    assert tg.calls["sendMessage"] == 1


# -- pacing --------------------------------------------------------------------------------------


async def test_messages_to_one_chat_keep_their_order_one_interval_apart(
    tg: FakeTelegram, bot: Bot, clock: VirtualClock
) -> None:
    stamps = stamp_sends(bot, clock)
    sender = Sender(bot, clock=clock, sleep=clock.sleep)

    await asyncio.gather(*(sender.send(7, text) for text in ("Ett", "Två", "Tre")))

    assert stamps.times == pytest.approx([0.0, 1.0, 2.0])
    assert [m["text"] for m in tg.sent] == ["Ett", "Två", "Tre"]


async def test_chat_spacing_holds_with_real_sleeps(tg: FakeTelegram, bot: Bot) -> None:
    interval = 0.05
    stamps = stamp_sends(bot, time.monotonic)
    sender = Sender(bot, per_chat_interval=interval, global_rate=1000, global_burst=100)

    started = time.monotonic()
    await asyncio.gather(*(sender.send(7, text) for text in ("Ett", "Två", "Tre")))

    assert [m["text"] for m in tg.sent] == ["Ett", "Två", "Tre"]
    # Lower bounds from a point before any send: scheduling delays can only add to them.
    for k, at in enumerate(stamps.times):
        assert at - started >= k * interval - 0.001, (k, stamps.times)


async def test_global_bucket_lets_a_burst_through_then_paces(
    tg: FakeTelegram, bot: Bot, clock: VirtualClock
) -> None:
    stamps = stamp_sends(bot, clock)
    sender = Sender(bot, global_rate=10, global_burst=3, clock=clock, sleep=clock.sleep)

    for chat_id in range(101, 107):
        await sender.send(chat_id, "Påminnelse")

    # Six different chats: the one-second spacing per chat does not hold them back.
    assert stamps.times == pytest.approx([0.0, 0.0, 0.0, 0.1, 0.2, 0.3])
    assert [m["chat_id"] for m in tg.sent] == list(range(101, 107))


async def test_global_limit_caps_a_concurrent_burst_across_chats(
    tg: FakeTelegram, bot: Bot
) -> None:
    rate, burst = 50.0, 3
    stamps = stamp_sends(bot, time.monotonic)
    sender = Sender(bot, global_rate=rate, global_burst=burst)

    started = time.monotonic()
    await asyncio.gather(*(sender.send(chat_id, "Påminnelse") for chat_id in range(201, 211)))

    assert sorted(m["chat_id"] for m in tg.sent) == list(range(201, 211))
    times = sorted(stamps.times)
    assert len(times) == 10
    for k, at in enumerate(times):
        # the first `burst` go at once, then one per 1/rate seconds
        assert at - started >= max(0, k - burst + 1) / rate - 0.001, (k, times)
