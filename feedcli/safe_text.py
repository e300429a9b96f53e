"""Text a server chose, made fit for a terminal: control characters escaped, URL secrets hidden.

A close reason, an error frame, a login `detail`, a `Location` header: a server picks these
bytes, and a raw ESC, OSC or BEL in them would retitle, clear or reprogram the user's
terminal (terminal injection), a newline would forge a line of feedcli's own. Everything
feedcli prints on stderr passes through `printable` where it leaves (the error line, the
engine's notes), and the live view draws through `PrintableFrame`, so one function decides
what reaches the terminal. NDJSON output needs none of this: JSON escapes every C0 control.

`printable` is idempotent (backslashes are left alone), so text escaped early, where it is
quoted into a message, is not mangled when the message is escaped again on its way out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType
    from rich.segment import Segment

#: C0 and C1 controls and DEL, the line and paragraph separators, and the bidirectional
#: embeddings, overrides and isolates (which reorder what the rest of a line shows). Not the
#: zero-width joiners and direction marks that Persian and Arabic text need (U+200C..U+200F).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: the same without the newline, for text a renderer has already laid out in lines
_UNSAFE_IN_LINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: `scheme://userinfo@`, up to the authority's last `@` (a password may hold one), also in
#: URLs too broken to parse
_USERINFO = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#]*)@")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every control character written as an escape (`\\x1b`, `\\n`, `\\u202e`)."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_escape, text)


def redact_url(url: str) -> str:
    """`url` with the password of its user part (or the whole user part, if that is all) as `***`."""

    def hide(match: re.Match[str]) -> str:
        user, colon, _password = match.group("userinfo").partition(":")
        return f"{match.group('head')}{user}:***@" if colon else f"{match.group('head')}***@"

    return _USERINFO.sub(hide, url)


class PrintableFrame:
    """A Rich renderable that draws another with the text of every segment made printable.

    The live view's cells hold what servers sent (names, statuses, values); Rich passes an
    ESC inside a `Text` straight to the terminal. This is the view's last step, so no cell
    can forget it. Segments Rich marks as its own control codes (cursor moves) pass
    unchanged, and so do newlines, which Rich itself produces; links are dropped, since the
    view makes none and one smuggled in through markup would carry a server's URL.
    """

    def __init__(self, inner: RenderableType) -> None:
        self.inner = inner

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        from rich.segment import Segment

        search = _UNSAFE_IN_LINE.search
        for segment in console.render(self.inner, options):
            text, style, control = segment
            if control:
                yield segment
                continue
            if style is not None and style.link:
                style = style.update_link(None)
                segment = Segment(text, style)
            if search(text) is not None:
                segment = Segment(_UNSAFE_IN_LINE.sub(_escape, text), style)
            yield segment
