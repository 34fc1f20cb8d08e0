"""The bot's routers, in the order they are tried (include order is behaviour)."""

from aiogram import Router

from bot.handlers import (
    change,
    client,
    errors,
    fallback,
    settings,
    staff,
    start,
    voice,
    web_signin,
)


def routers() -> list[Router]:
    ordered = [
        errors.router,
        start.router,  # linking and /help, /cancel first: they work in every state
        settings.router,
        voice.router,  # before staff: a dictation in progress takes typed corrections
        staff.router,
        web_signin.create_router(),
        client.router,
        change.router,  # free text is read as a wish last
        fallback.router,
    ]
    for router in ordered:
        # A router belongs to one dispatcher at a time; a newer dispatcher in the same
        # process (tests, the terminal demo) takes them over.
        parent = router.parent_router
        if parent is not None:
            parent.sub_routers.remove(router)
            router._parent_router = None
    return ordered
