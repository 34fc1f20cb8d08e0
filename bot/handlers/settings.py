"""Settings: language, how much to be told, and the client's consent to relatives."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot import keyboards, texts
from bot.backend_client import BackendClient
from bot.filters import Linked, MenuButton
from contract import MePublic, Scope

router = Router(name=__name__)
router.message.filter(Linked())
router.callback_query.filter(Linked())


class InviteFlow(StatesGroup):
    name = State()
    scope = State()


@router.message(MenuButton(keyboards.SETTINGS))
@router.message(F.text == "/settings")
async def settings(message: Message, me: MePublic) -> None:
    level = str(texts.NOTIFY_LEVELS[me.notify_level])
    await message.answer(
        _("Language: {language}\nMessages: {level}").format(
            language=texts.current_language_name(), level=level.lower()
        ),
        reply_markup=keyboards.settings_keyboard(me),
    )


@router.callback_query(keyboards.SettingsPick.filter(F.what == "language"))
async def choose_language(query: CallbackQuery) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Choose your language:"), reply_markup=keyboards.languages_keyboard()
        )


@router.callback_query(keyboards.Language.filter())
async def set_language(
    query: CallbackQuery, callback_data: keyboards.Language, backend: BackendClient, i18n: I18n
) -> None:
    me = await backend.update_me(query.from_user.id, locale=callback_data.code)
    with i18n.use_locale(me.locale):
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.answer(
                _("I will write to you in {language} from now on.").format(
                    language=texts.current_language_name()
                ),
                reply_markup=keyboards.main_menu(me),
            )


@router.callback_query(keyboards.SettingsPick.filter(F.what == "level"))
async def choose_level(query: CallbackQuery, me: MePublic) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            _("How much do you want to be told?"),
            reply_markup=keyboards.levels_keyboard(me.notify_level),
        )


@router.callback_query(keyboards.Level.filter())
async def set_level(
    query: CallbackQuery, callback_data: keyboards.Level, backend: BackendClient
) -> None:
    me = await backend.update_me(query.from_user.id, notify_level=callback_data.level)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Saved. Messages: {level}").format(
                level=str(texts.NOTIFY_LEVELS[me.notify_level]).lower()
            ),
            reply_markup=keyboards.main_menu(me),
        )


@router.callback_query(keyboards.SettingsPick.filter(F.what == "client"))
async def choose_client(query: CallbackQuery, me: MePublic) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Whose visits do you want to see?"),
            reply_markup=keyboards.clients_keyboard(me.clients),
        )


@router.callback_query(keyboards.ClientPick.filter())
async def set_client(
    query: CallbackQuery, callback_data: keyboards.ClientPick, me: MePublic, state: FSMContext
) -> None:
    client = next((c for c in me.clients if c.client_id == callback_data.client_id), None)
    await query.answer()
    if client is None or not isinstance(query.message, Message):
        return
    await state.update_data(client_id=client.client_id)
    await query.message.answer(
        _("You now see {name}'s visits.").format(name=texts.escape(client.first_name)),
        reply_markup=keyboards.main_menu(me),
    )


# --- the client's consent to relatives -----------------------------------------------------


@router.callback_query(keyboards.SettingsPick.filter(F.what == "relatives"))
async def list_relatives(query: CallbackQuery, me: MePublic, backend: BackendClient) -> None:
    await query.answer()
    client_id = me.clients[0].client_id
    links = await backend.relatives(query.from_user.id, client_id)
    if not isinstance(query.message, Message):
        return
    if not links:
        await query.message.answer(_("Nobody else can see your visits."))
        return
    lines = [_("These people can see your visits:")]
    for link in links:
        scope = (
            _("may see and ask for changes")
            if Scope.REQUESTS in link.scopes
            else _("may only see")
        )
        lines.append(f"• {texts.escape(link.first_name)} – {scope}")
    await query.message.answer(
        "\n".join(lines), reply_markup=keyboards.relatives_keyboard(client_id, links)
    )


@router.callback_query(keyboards.Revoke.filter())
async def revoke(
    query: CallbackQuery, callback_data: keyboards.Revoke, backend: BackendClient
) -> None:
    await backend.revoke_relative(
        query.from_user.id, callback_data.client_id, callback_data.link_id
    )
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(_("Done. That person can no longer see your visits."))


@router.callback_query(keyboards.SettingsPick.filter(F.what == "invite"))
async def invite_start(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await state.set_state(InviteFlow.name)
    if isinstance(query.message, Message):
        await query.message.answer(_("What is your relative's first name?"))


@router.message(InviteFlow.name, F.text)
async def invite_name(message: Message, state: FSMContext) -> None:
    await state.update_data(relative_name=(message.text or "").strip()[:64])
    await state.set_state(InviteFlow.scope)
    await message.answer(_("What may they do?"), reply_markup=keyboards.scope_keyboard())


@router.callback_query(InviteFlow.scope, keyboards.ScopePick.filter())
async def invite_scope(
    query: CallbackQuery,
    callback_data: keyboards.ScopePick,
    me: MePublic,
    state: FSMContext,
    backend: BackendClient,
) -> None:
    data = await state.get_data()
    invitation = await backend.invite_relative(
        query.from_user.id,
        client_id=me.clients[0].client_id,
        scopes={Scope.VISITS, Scope.REQUESTS} if callback_data.requests else {Scope.VISITS},
        relative_first_name=data.get("relative_name"),
    )
    await state.set_state(None)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            _(
                "Give this code to {name}: <b>{code}</b>\n"
                "They write it to this bot. The code works once, for 7 days. "
                "You can remove their access at any time in Settings."
            ).format(name=texts.escape(data.get("relative_name") or ""), code=invitation.code),
            reply_markup=keyboards.main_menu(me),
        )
