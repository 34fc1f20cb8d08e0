"""Settings: language, how much to be told, and the client's consent to relatives."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, ReplyKeyboardMarkup
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n

from bot import keyboards, texts
from bot.backend_client import BackendClient
from bot.filters import MenuButton
from contract import MePublic, RelativePublic

NAME_LENGTH = 64


class InviteFlow(StatesGroup):
    name = State()  # the relative's first name
    scope = State()  # what they may do


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(settings, MenuButton(keyboards.SETTINGS))
    router.message.register(settings, Command("settings"))
    pick = keyboards.SettingsPick.filter
    router.callback_query.register(choose_language, pick(F.what == "language"))
    router.callback_query.register(set_language, keyboards.Language.filter())
    router.callback_query.register(choose_level, pick(F.what == "level"))
    router.callback_query.register(set_level, keyboards.Level.filter())
    router.callback_query.register(choose_client, pick(F.what == "client"))
    router.callback_query.register(set_client, keyboards.ClientPick.filter())
    router.callback_query.register(list_relatives, pick(F.what == "relatives"))
    router.callback_query.register(revoke_ask, keyboards.Revoke.filter())
    router.callback_query.register(revoke, keyboards.RevokeSure.filter())
    router.callback_query.register(keep, keyboards.Nav.filter(F.to == "keep"))
    router.callback_query.register(toggle_scope, keyboards.ScopeToggle.filter())
    router.callback_query.register(invite_start, pick(F.what == "invite"))
    router.callback_query.register(staff_reads, pick(F.what == "reads"))
    router.message.register(invite_name, InviteFlow.name, F.text)
    router.callback_query.register(invite_scope, InviteFlow.scope, keyboards.ScopePick.filter())
    return router


async def _reply(
    query: CallbackQuery,
    text: str,
    reply_markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None,
) -> None:
    """A new message under the one whose button was pressed."""
    if isinstance(query.message, Message):
        await query.message.answer(text, reply_markup=reply_markup)


async def settings(message: Message, me: MePublic) -> None:
    await message.answer(
        texts.settings.settings_text(me), reply_markup=keyboards.settings_keyboard(me)
    )


async def choose_language(query: CallbackQuery) -> None:
    await _reply(
        query, texts.settings.choose_language(), reply_markup=keyboards.languages_keyboard()
    )


async def set_language(
    query: CallbackQuery, callback_data: keyboards.Language, backend: BackendClient, i18n: I18n
) -> None:
    me = await backend.update_me(query.from_user.id, locale=callback_data.code)
    with i18n.use_locale(me.locale):
        await _reply(query, texts.settings.language_set(), reply_markup=keyboards.main_menu(me))


async def choose_level(query: CallbackQuery, me: MePublic) -> None:
    await _reply(
        query,
        texts.settings.how_much_to_be_told(),
        reply_markup=keyboards.levels_keyboard(me.notify_level),
    )


async def set_level(
    query: CallbackQuery, callback_data: keyboards.Level, backend: BackendClient
) -> None:
    me = await backend.update_me(query.from_user.id, notify_level=callback_data.level)
    await _reply(
        query,
        texts.settings.level_saved(me.notify_level),
        reply_markup=keyboards.main_menu(me),
    )


async def choose_client(query: CallbackQuery, me: MePublic) -> None:
    await _reply(
        query, texts.settings.whose_visits(), reply_markup=keyboards.clients_keyboard(me.clients)
    )


async def set_client(
    query: CallbackQuery, callback_data: keyboards.ClientPick, me: MePublic, state: FSMContext
) -> None:
    client = next((c for c in me.clients if c.client_id == callback_data.client_id), None)
    if client is None:
        return
    await state.update_data(client_id=client.client_id)
    await _reply(
        query,
        texts.settings.now_following(client.first_name),
        reply_markup=keyboards.main_menu(me),
    )


async def staff_reads(query: CallbackQuery, me: MePublic, backend: BackendClient) -> None:
    """The client asks who on the staff has looked at her information."""
    reads = await backend.staff_reads(query.from_user.id, me.clients[0].client_id)
    await _reply(query, texts.settings.staff_reads_text(reads))


# --- the client's consent to relatives -----------------------------------------------------


async def list_relatives(query: CallbackQuery, me: MePublic, backend: BackendClient) -> None:
    client_id = me.clients[0].client_id
    links = await backend.relatives(query.from_user.id, client_id)
    await _reply(
        query,
        texts.settings.relatives_text(links),
        reply_markup=keyboards.relatives_keyboard(client_id, links),
    )


async def _relative(
    query: CallbackQuery, backend: BackendClient, client_id: int, link_id: int
) -> RelativePublic | None:
    links = await backend.relatives(query.from_user.id, client_id)
    return next((link for link in links if link.link_id == link_id), None)


async def revoke_ask(
    query: CallbackQuery,
    callback_data: keyboards.Revoke,
    backend: BackendClient,
    callback_answer: CallbackAnswer,
) -> None:
    """ "Remove Eva" asks first: it ends everything she may see at once."""
    link = await _relative(query, backend, callback_data.client_id, callback_data.link_id)
    if link is None:
        callback_answer.text = texts.settings.already_removed()
        return
    await _reply(
        query,
        texts.settings.remove_sure(link.first_name),
        reply_markup=keyboards.revoke_sure_keyboard(
            callback_data.client_id, link.link_id, link.first_name
        ),
    )


async def revoke(
    query: CallbackQuery,
    callback_data: keyboards.RevokeSure,
    me: MePublic,
    backend: BackendClient,
    callback_answer: CallbackAnswer,
) -> None:
    link = await _relative(query, backend, callback_data.client_id, callback_data.link_id)
    if link is None:
        callback_answer.text = texts.settings.already_removed()
        return
    await backend.revoke_relative(
        query.from_user.id, callback_data.client_id, callback_data.link_id
    )
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
    await _reply(
        query, texts.settings.revoked(link.first_name), reply_markup=keyboards.main_menu(me)
    )


async def keep(query: CallbackQuery) -> None:
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
    await _reply(query, texts.settings.nothing_changed())


async def toggle_scope(
    query: CallbackQuery,
    callback_data: keyboards.ScopeToggle,
    backend: BackendClient,
    callback_answer: CallbackAnswer,
) -> None:
    """One thing more or less a relative may do; taking the last one is removing them, which
    asks first."""
    user, client_id, link_id = query.from_user.id, callback_data.client_id, callback_data.link_id
    link = await _relative(query, backend, client_id, link_id)
    if link is None:
        callback_answer.text = texts.settings.already_removed()
        return
    scope = callback_data.scope
    if callback_data.on:
        if scope not in link.scopes:
            link = await backend.grant_scope(user, client_id, link_id, scope)
    elif link.scopes == [scope]:
        await _reply(
            query,
            texts.settings.remove_sure(link.first_name),
            reply_markup=keyboards.revoke_sure_keyboard(client_id, link_id, link.first_name),
        )
        return
    elif scope in link.scopes:
        link = await backend.revoke_scope(user, client_id, link_id, scope)
    callback_answer.text = texts.settings.saved()
    links = await backend.relatives(user, client_id)
    if isinstance(query.message, Message):
        await query.message.edit_text(
            texts.settings.relatives_text(links),
            reply_markup=keyboards.relatives_keyboard(client_id, links),
        )


async def invite_start(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(InviteFlow.name)
    await _reply(query, texts.settings.relatives_name())


async def invite_name(message: Message, state: FSMContext) -> None:
    await state.update_data(relative_name=(message.text or "").strip()[:NAME_LENGTH])
    await state.set_state(InviteFlow.scope)
    await message.answer(
        texts.settings.what_may_they_do(), reply_markup=keyboards.scope_keyboard()
    )


async def invite_scope(
    query: CallbackQuery,
    callback_data: keyboards.ScopePick,
    me: MePublic,
    state: FSMContext,
    backend: BackendClient,
) -> None:
    name = (await state.get_data()).get("relative_name") or ""
    invitation = await backend.invite_relative(
        query.from_user.id,
        client_id=me.clients[0].client_id,
        scopes=keyboards.INVITE_SCOPES[min(max(callback_data.level, 0), 2)],
        relative_first_name=name or None,
    )
    await state.set_state(None)
    await _reply(
        query,
        texts.settings.invitation(name, invitation.code),
        reply_markup=keyboards.main_menu(me),
    )
