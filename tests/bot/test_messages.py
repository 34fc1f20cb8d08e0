"""Long texts cut into messages Telegram takes: nothing lost, no HTML cut in two."""

from __future__ import annotations

from html import escape

from hypothesis import given
from hypothesis import strategies as st

from bot.texts.messages import MESSAGE_LIMIT, pack, pieces
from tests.support.fake_telegram import render_html

TEXT = st.text(alphabet=st.sampled_from(list("ab <>&\"'\nå")), max_size=3000)


@given(TEXT, st.integers(min_value=10, max_value=400))
def test_pieces_fit_escaped_and_join_back_to_the_text(text: str, size: int) -> None:
    found = pieces(text, size)
    assert "".join(found) == text
    assert all(len(escape(piece)) <= size for piece in found)


@given(st.lists(TEXT.map(lambda t: f"<b>{escape(t[:40])}</b>\n{escape(t[:900])}"), max_size=30))
def test_packed_messages_hold_every_block_whole(texts: list[str]) -> None:
    messages = pack(texts)
    assert all(len(m) <= MESSAGE_LIMIT for m in messages)
    assert "\n\n".join(messages) == "\n\n".join(texts)  # in order, none cut
    for message in messages:
        render_html(message)  # raises where Telegram would refuse the message


def test_a_piece_is_cut_at_a_space_where_there_is_one() -> None:
    assert pieces("kaffe och smörgås", 12) == ["kaffe och ", "smörgås"]
    assert pieces("a&b", 5) == ["a", "&", "b"]  # "&" is five characters once escaped
