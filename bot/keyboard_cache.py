"""Keyboards built once per language (and per argument), not on every reply.

Building a keyboard translates every label and validates a pydantic model per button; the main
menu goes with nearly every reply. ``per_language`` keeps what a builder made under the
current locale and its arguments (a model argument by its JSON: whatever the builder may look
at), so the buttons are exactly those the builder makes, made once. Keyboards are never
changed after they are built (nothing in the handlers does), so one object can go with many
replies.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from aiogram.utils.i18n import get_i18n
from pydantic import BaseModel

Built = TypeVar("Built")
KEPT = 20_000  # per builder: far beyond languages x menus x people's roles


def _key(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return (type(value).__name__, value.model_dump_json())
    return value


def per_language(build: Callable[..., Built]) -> Callable[..., Built]:
    kept: dict[tuple[Any, ...], Built] = {}

    @functools.wraps(build)
    def cached(*args: Any) -> Built:
        key = (get_i18n().current_locale, *(_key(a) for a in args))
        try:
            return kept[key]
        except KeyError:
            pass
        except TypeError:  # an argument that cannot be a key: build as before
            return build(*args)
        if len(kept) >= KEPT:
            kept.clear()
        built = kept[key] = build(*args)
        return built

    cached.__wrapped__ = build  # type: ignore[attr-defined]
    return cached
