"""The message catalogs: complete, current with the template, safe to format, and loadable.

Every language the bot speaks must translate every message of ``locales/messages.pot``, keep
the same ``{placeholders}`` and HTML tags as the English source, compile without errors, and
load in aiogram's I18n the way the bot loads them.
"""

from __future__ import annotations

import gettext
import io
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from string import Formatter

import pytest
from aiogram.utils.i18n import I18n
from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parents[1] / "locales"
TEMPLATE = LOCALES_DIR / "messages.pot"
DOMAIN = "messages"
LANGUAGES = ("sv", "fi", "ar", "en")
TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^>]*>")


def po_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def load(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, abort_invalid=True)


def entries(catalog: Catalog) -> Iterator[Message]:
    """Every message except the header."""
    return (message for message in catalog if message.id)


def forms(message: Message) -> tuple[str, ...]:
    string = message.string
    return tuple(string) if isinstance(string, list | tuple) else (string,)


def source_texts(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, list | tuple) else (message.id,)


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields of a str.format template (raises on stray braces)."""
    return {field for _, field, _, _ in Formatter().parse(text) if field is not None}


def tags(text: str) -> list[tuple[str, str]]:
    return [(slash, name.lower()) for slash, name in TAG.findall(text)]


def balanced(found: list[tuple[str, str]]) -> bool:
    stack: list[str] = []
    for slash, name in found:
        if not slash:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack


def label(message: Message) -> str:
    return source_texts(message)[0]


@pytest.fixture(scope="module")
def template() -> Catalog:
    return load(TEMPLATE)


@pytest.fixture(scope="module", params=LANGUAGES)
def catalog(request: pytest.FixtureRequest) -> Catalog:
    return load(po_path(request.param))


def test_the_catalog_parses_and_is_for_its_language(catalog: Catalog) -> None:
    assert catalog.locale is not None
    assert str(catalog.locale) in LANGUAGES
    assert any(True for _ in entries(catalog))
    assert catalog.num_plurals == get_plural(str(catalog.locale)).num_plurals


# gettext orders a language's forms as CLDR lists its categories.
CATEGORY_ORDER = ("zero", "one", "two", "few", "many", "other")


def test_the_plural_rule_picks_cldrs_category_for_every_count(catalog: Catalog) -> None:
    """The header's rule (which gettext runs) against CLDR's rule (which Babel computes),
    compared by category, not by the text of the expression."""
    language = str(catalog.locale)
    rules = Locale.parse(language).plural_form
    categories = [*sorted(rules.rules, key=CATEGORY_ORDER.index), "other"]
    rule = gettext.c2py(catalog.plural_expr)
    wrong = {
        n: (categories[rule(n)], rules(n))
        for n in range(0, 1201)
        if categories[rule(n)] != rules(n)
    }
    assert wrong == {}


def test_every_message_is_translated(catalog: Catalog) -> None:
    untranslated = []
    for message in entries(catalog):
        strings = forms(message)
        expected = catalog.num_plurals if message.pluralizable else 1
        if len(strings) != expected or not all(s and s.strip() for s in strings):
            untranslated.append(label(message))
    assert untranslated == []


def test_nothing_is_fuzzy(catalog: Catalog) -> None:
    assert not catalog.fuzzy, "the header is marked fuzzy: pybabel compile would skip it"
    assert [label(m) for m in entries(catalog) if m.fuzzy] == []


def test_the_catalog_is_up_to_date_with_the_template(catalog: Catalog, template: Catalog) -> None:
    wanted = {m.id if isinstance(m.id, str) else tuple(m.id) for m in entries(template)}
    present = {m.id if isinstance(m.id, str) else tuple(m.id) for m in entries(catalog)}
    assert sorted(map(str, wanted - present)) == [], "run pybabel update"
    assert sorted(map(str, present - wanted)) == [], "messages the code no longer uses"


def test_placeholders_match_the_source(catalog: Catalog) -> None:
    wrong = []
    for message in entries(catalog):
        expected = set().union(*(placeholders(text) for text in source_texts(message)))
        for text in forms(message):
            try:
                found = placeholders(text)
                text.format(**dict.fromkeys(found, "x"))
            except (ValueError, KeyError, IndexError, AttributeError) as exc:
                wrong.append((label(message), text, repr(exc)))
                continue
            if found != expected:
                wrong.append((label(message), text, sorted(found ^ expected)))
    assert wrong == []


def test_html_tags_match_the_source(catalog: Catalog) -> None:
    wrong = []
    for message in entries(catalog):
        expected = Counter(tags(source_texts(message)[0]))
        for text in forms(message):
            found = tags(text)
            if Counter(found) != expected or not balanced(found):
                wrong.append((label(message), text))
    assert wrong == []


def test_babel_finds_no_errors(catalog: Catalog) -> None:
    errors = [(label(m), [str(e) for e in errs]) for m, errs in catalog.check()]
    assert errors == []


def test_the_catalog_compiles(catalog: Catalog) -> None:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    translations = gettext.GNUTranslations(buffer)
    for message in entries(catalog):
        if message.pluralizable:
            singular, plural = source_texts(message)
            assert translations.ngettext(singular, plural, 1) in forms(message)
        else:
            assert translations.gettext(message.id) == message.string


def compile_all(target: Path) -> None:
    """The same layout the bot reads: <lang>/LC_MESSAGES/messages.mo."""
    for language in LANGUAGES:
        folder = target / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        with (folder / f"{DOMAIN}.mo").open("wb") as f:
            write_mo(f, load(po_path(language)))


def test_the_compiled_catalogs_load_in_aiogram(tmp_path: Path) -> None:
    compile_all(tmp_path)
    i18n = I18n(path=tmp_path, default_locale="sv", domain=DOMAIN)
    assert set(i18n.available_locales) == set(LANGUAGES)
    assert i18n.gettext("📅 Today", locale="sv") != "📅 Today"
    assert i18n.gettext("📅 Today", locale="en") == "📅 Today"
    for language in ("fi", "ar"):
        assert i18n.gettext("📅 Today", locale=language) != "📅 Today"


# "{n} requests are waiting" in Arabic, one form per CLDR category.
ARABIC_WAITING = {
    "zero": "{n} طلب بالانتظار",
    "one": "{n} طلب بالانتظار",
    "two": "{n} طلبان بالانتظار",
    "few": "{n} طلبات بالانتظار",  # 3-10
    "many": "{n} طلبًا بالانتظار",  # 11-99: the accusative singular
    "other": "{n} طلب بالانتظار",  # 100-102
}


@pytest.mark.parametrize(
    ("n", "category"),
    [
        (0, "zero"),
        (1, "one"),
        (2, "two"),
        (3, "few"),
        (11, "many"),
        (100, "other"),
        (101, "other"),
        (111, "many"),
        (203, "few"),
    ],
)
def test_arabic_counts_read_as_cldr_says(tmp_path: Path, n: int, category: str) -> None:
    """What an Arabic-speaking planner reads for n waiting requests, through the bot's I18n."""
    assert Locale.parse("ar").plural_form(n) == category
    compile_all(tmp_path)
    i18n = I18n(path=tmp_path, default_locale="sv", domain=DOMAIN)
    text = i18n.gettext(
        "{n} request is waiting, oldest first:",
        "{n} requests are waiting, oldest first:",
        n,
        locale="ar",
    )
    assert text.startswith(ARABIC_WAITING[category])


def test_arabic_plurals_pick_the_right_form(tmp_path: Path) -> None:
    compile_all(tmp_path)
    i18n = I18n(path=tmp_path, default_locale="sv", domain=DOMAIN)
    singular = "late by {n} minute, expected about {time}"
    plural = "late by {n} minutes, expected about {time}"
    arabic = load(po_path("ar"))
    message = arabic.get(singular)
    assert message is not None
    translated = forms(message)
    assert len(translated) == 6
    index = gettext.c2py(arabic.plural_expr)

    three = i18n.gettext(singular, plural, 3, locale="ar")
    eleven = i18n.gettext(singular, plural, 11, locale="ar")
    assert three == translated[index(3)]
    assert eleven == translated[index(11)]
    if translated[index(3)] != translated[index(11)]:
        assert three != eleven
    assert "3" in three.format(n=3, time="08:20") and "11" in eleven.format(n=11, time="08:20")
