"""The bot's routers, composed here and nowhere else, in the order they are tried (include
order is behaviour). Each module builds fresh routers with its ``create_router()``, so a
second dispatcher in the same process (tests, the terminal demo) gets its own. The gate
(``bot.gate``) decides who reaches which: an account not linked reaches only linking."""

from aiogram import Router

from bot import gate
from bot.handlers import (
    change,
    client,
    errors,
    fallback,
    linking,
    oversight,
    settings,
    staff,
    start,
    voice,
    web_signin,
)


def create_router() -> Router:
    """All the handlers, under one router for the dispatcher to include."""
    router = Router(name=__name__)
    router.include_routers(
        errors.create_router(),
        gate.for_strangers(linking.create_router()),
        gate.for_linked(
            start.create_router(),  # /start, /help, /cancel first: they work in every state
            settings.create_router(),
            voice.create_router(),  # before staff: a dictation under way takes typed fixes
            staff.create_router(),
            web_signin.create_router(),
            oversight.create_router(),
            client.create_router(),
            change.create_router(),  # free text is read as a wish last
            fallback.create_router(),
        ),
    )
    return router
