"""The bot's words for the contract's codes: every service of the catalogue and every reason
of the frame check has its own words in every language (a code added to the contract
without them fails here, not in front of a client)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from backend.config import Settings
from bot.factory import create_i18n
from bot.texts.formatting import SERVICE_NAMES, service_name
from bot.texts.frame import reason_text
from bot.texts.hints import hint_text
from bot.wish_parser import Hint, Wish, parse_wish
from contract import TZ, FrequencyUnit, Reason, ReasonCode, ServiceCode

LANGUAGES = ["sv", "fi", "ar", "en"]
NUMBERS: dict[str, int | str] = {
    "total_after": 2460,
    "frame_minutes": 2400,
    "over_by": 60,
    "service": ServiceCode.WALK.value,
    "other_start": "10:00",
    "min": 5,
    "max": 180,
    "notice_minutes": 180,
    "granted": 1,
    "per": FrequencyUnit.WEEK.value,
    "service_start": "07:00",
    "service_end": "22:00",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_service_of_the_catalogue_has_a_name(language: str) -> None:
    i18n = create_i18n(Settings())
    with i18n.context(), i18n.use_locale(language):
        names = [service_name(code) for code in ServiceCode]
    assert set(SERVICE_NAMES) == set(ServiceCode)
    assert all(names) and len(set(names)) == len(names)
    if language != "en":  # English names are mostly the codes themselves
        assert not set(names) & set(ServiceCode)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_reason_of_the_frame_check_has_its_own_words(language: str) -> None:
    i18n = create_i18n(Settings())
    with i18n.context(), i18n.use_locale(language):
        said = {code: reason_text(Reason(code=code, numbers=NUMBERS)) for code in ReasonCode}
        fallback = reason_text(Reason.model_construct(code="new_code", numbers={}))
    assert fallback not in said.values()
    assert len(set(said.values())) == len(said)  # no two reasons read the same


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_example_the_hint_gives_is_understood(language: str) -> None:
    """What "Sorry, I did not understand" suggests writing must itself be understood, in the
    language it is suggested in (a translated example the parser misses would send the
    client round in a circle)."""
    i18n = create_i18n(Settings())
    with i18n.context(), i18n.use_locale(language):
        hint = hint_text(Hint.NOT_UNDERSTOOD)
    examples = [m.strip() for m in re.findall(r"• [”“«]([^”“»]+)[”»]", hint)]
    assert len(examples) == 5, hint
    now = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)  # a Monday morning
    for example in examples:
        assert isinstance(parse_wish(example, language=language, now=now), Wish), example
