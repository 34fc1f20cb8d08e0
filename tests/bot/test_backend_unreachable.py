"""When the bot cannot reach the backend, or the backend cannot reach its database, the person
is told in their language that nothing has changed, and nothing has."""

from __future__ import annotations

import httpx
from aiogram.fsm.storage.memory import MemoryStorage

from backend.config import Settings
from backend.main import create_app
from backend.models import ChangeRequest
from bot.backend_client import BackendClient
from bot.factory import create_bot, create_dispatcher, create_i18n
from bot.middlewares.throttling import MemoryCounter
from tests.bot.conftest import Chat
from tests.conftest import SERVICE_TOKEN, Clock, Database
from tests.support.recording_session import RecordingSession
from tests.support.tcp import free_port

NOTHING_CHANGED = (
    "Tyvärr, jag når inte hemtjänstens system just nu. Inget har ändrats. "
    "Försök igen om några minuter."
)
NOTHING_CHANGED_FI = "en saa juuri nyt yhteyttä kotipalvelun järjestelmään. Mitään ei muutettu."


def unreachable() -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=f"http://127.0.0.1:{free_port()}", timeout=2.0)


async def test_the_backend_going_away_mid_request_changes_nothing_and_says_so(
    chat: Chat, backend_client: BackendClient, db: Database
) -> None:
    await chat.send("lisa", "✏️ Önska en ändring")
    await chat.press("lisa", "12:00")
    await chat.press("lisa", "Längre")
    await chat.press("lisa", "15")
    working = backend_client.http
    backend_client.http = unreachable()  # the network between bot and backend is gone
    try:
        reply = await chat.press("lisa", "Skicka")
        assert NOTHING_CHANGED in reply
        assert await db.count(ChangeRequest) == 0
        assert NOTHING_CHANGED in await chat.send("lisa", "📅 Idag")
    finally:
        await backend_client.http.aclose()
        backend_client.http = working
    # Back again: the same press sends the request, once.
    assert "Skickat till din kontaktperson Anna" in await chat.press("lisa", "Skicka")
    assert await db.count(ChangeRequest) == 1


async def test_a_backend_without_its_database_is_unavailable_to_the_bot_too(
    clock: Clock,
) -> None:
    """The backend answers 503 (its database is down): the same words, in Finnish for Aino."""
    settings = Settings(
        database_url=f"postgresql+asyncpg://ramtid@127.0.0.1:{free_port()}/ramtid",
        service_token=SERVICE_TOKEN,
        database_connect_timeout=0.5,
    )
    app = create_app(settings, clock=clock, run_housekeeping=False)
    async with app.router.lifespan_context(app):
        backend = BackendClient.in_process(app, SERVICE_TOKEN)
        session = RecordingSession()
        bot = create_bot(settings, session=session)
        dispatcher = create_dispatcher(
            settings,
            backend=backend,
            i18n=create_i18n(settings),
            storage=MemoryStorage(),
            counter=MemoryCounter(),
            clock=clock,
        )
        chat = Chat(dispatcher, bot, session)
        try:
            assert NOTHING_CHANGED in await chat.send("lisa", "📅 Idag")
            assert NOTHING_CHANGED_FI in await chat.send("aino", "📅 Tänään", language_code="fi")
        finally:
            await backend.close()
            await bot.session.close()
