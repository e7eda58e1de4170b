from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from emolab.core.text import elide, escape_control, for_display


def test_terminal_escape_sequences_are_shown_not_sent():
    assert escape_control("02-\x1b[31mred\x1b[0m.wav") == "02-\\x1b[31mred\\x1b[0m.wav"
    assert escape_control("a\u202eb") == "a\\u202eb"  # right-to-left override
    assert escape_control("bad\udcff.wav") == "bad\\udcff.wav"  # undecodable byte
    assert escape_control("Grüße, 日本 ok") == "Grüße, 日本 ok"


def test_elide_keeps_short_text_and_cuts_long_text_to_the_limit():
    assert elide("short") == "short"
    assert elide("x" * 500, 10) == "x" * 9 + "…"
    assert elide("two\nlines") == "two lines"


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.text(), st.integers(1, 300))
def test_display_text_is_printable_bounded_and_encodable(text, limit):
    shown = for_display(text, limit)
    assert shown.isprintable()
    assert len(shown) <= limit
    shown.encode("utf-8")
