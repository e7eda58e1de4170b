"""Stored text made safe to show: control characters escaped, long text elided.

File names, notes and labels come from users and other programs; a terminal must never
receive their escape sequences raw, and a table cell never a megabyte of text.
"""

from __future__ import annotations


def escape_control(text: str) -> str:
    """``text`` with every non-printable character shown as a Python-style escape:
    controls, format characters (bidirectional overrides), surrogates (undecodable bytes
    of a file name), line separators and unusual spaces."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return "".join(out)


def elide(text: str, limit: int = 200) -> str:
    """At most ``limit`` characters of ``text`` on one line, ending in '…' when cut."""
    text = " ".join(text.split("\n"))
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def for_display(text: str, limit: int = 200) -> str:
    """Escaped and elided: how stored text appears in tables, labels and terminals."""
    return elide(escape_control(text), limit)
