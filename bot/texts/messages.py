"""Long texts as Telegram messages: at most ``MESSAGE_LIMIT`` characters each, and HTML
never cut inside a tag or an entity, which Telegram refuses ("can't parse entities").
Texts are built of whole blocks (a note, a day), packed into as few messages as hold them;
a user's own long text (a note) is cut into pieces first, at a space or a line break."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

MESSAGE_LIMIT = 4000  # Telegram takes at most 4096 characters in one message


def pieces(text: str, size: int) -> list[str]:
    """Plain ``text`` in pieces whose HTML-escaped length is at most ``size``, each cut at
    the last line break or space before the limit where one is in its second half."""
    found: list[str] = []
    rest = text
    while len(escape(rest)) > size:
        cut = _fitting(rest, size)
        space = max(rest.rfind("\n", 0, cut), rest.rfind(" ", 0, cut))
        if space > cut // 2:
            cut = space + 1
        found.append(rest[:cut])
        rest = rest[cut:]
    found.append(rest)
    return found


def _fitting(text: str, size: int) -> int:
    """How many characters of ``text`` fit in ``size`` once escaped (at least one)."""
    length = 0
    for count, character in enumerate(text):
        length += len(escape(character))
        if length > size:
            return max(count, 1)
    return len(text)


def pack(blocks: Iterable[str], limit: int = MESSAGE_LIMIT, between: str = "\n\n") -> list[str]:
    """Whole blocks of HTML, ``between`` them (a blank line), in as few messages as hold
    them. A block must fit in one message by itself: cut long plain text with ``pieces``
    first."""
    messages: list[str] = []
    for block in blocks:
        if messages and len(messages[-1]) + len(between) + len(block) <= limit:
            messages[-1] += between + block
        else:
            messages.append(block)
    return messages
