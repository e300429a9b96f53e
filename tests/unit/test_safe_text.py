"""Text from servers on the way to a terminal: every control character escaped, secrets hidden."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.text import Text

from feedcli.events import ControlEvent, DataEvent
from feedcli.safe_text import PrintableFrame, printable, redact_url
from feedcli.views.live import LiveView

HOSTILE = "a\x1b]0;pwned\x07b\x1b[2Jc\x9b1;1Hd\u202ee\u2066f\u2028g\x00h\x7fi\r\nj\tk"


def raw_controls(text: str) -> list[str]:
    unsafe = set(range(0x20)) | set(range(0x7F, 0xA0)) | {0x2028, 0x2029} | set(range(0x202A, 0x202F))
    unsafe |= set(range(0x2066, 0x206A))
    return [ch for ch in text if ord(ch) in unsafe]


def test_every_control_character_is_escaped() -> None:
    shown = printable(HOSTILE)
    assert raw_controls(shown) == []
    assert shown == ("a\\x1b]0;pwned\\x07b\\x1b[2Jc\\x9b1;1Hd\\u202ee\\u2066f\\u2028g\\x00h\\x7fi\\r\\nj\\tk")


@pytest.mark.parametrize("code", [*range(0x20), *range(0x7F, 0xA0)])
def test_each_c0_and_c1_control_and_del_alone(code: int) -> None:
    assert raw_controls(printable(f"x{chr(code)}y")) == []


def test_text_that_needs_no_escape_is_unchanged_persian_joiners_included() -> None:
    name = "فولاد\u200cمبارکه \u200fIRO1FOLD0001 «ok» 100%"  # ZWNJ and RLM belong to Persian text
    assert printable(name) is name


def test_escaping_twice_changes_nothing_more() -> None:
    once = printable(HOSTILE)
    assert printable(once) == once


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://user:s3cret@host:1", "http://user:***@host:1"),
        ("http://user:s3cret@[::1", "http://user:***@[::1"),  # too broken to parse, still hidden
        ("http://user:p@ss@host/x@y", "http://user:***@host/x@y"),  # the authority ends at the last @
        ("https://t0ken@host/x", "https://***@host/x"),
        ("redis://:pw@h:6379/0", "redis://:***@h:6379/0"),
        ("http://host:1/a@b", "http://host:1/a@b"),  # an @ in the path is not a user part
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def plain(renderable: object, width: int = 100) -> str:
    out = io.StringIO()
    Console(file=out, force_terminal=True, color_system=None, width=width, legacy_windows=False).print(renderable)
    return out.getvalue()


def test_printable_frame_escapes_what_a_text_holds_and_drops_links() -> None:
    inner = Text.assemble(("name\x1b]0;pwned\x07", "bold"), " ", Text.from_markup("[link=http://evil]here[/link]"))
    shown = plain(PrintableFrame(inner))
    assert "\x1b" not in shown and "\x07" not in shown
    assert "name\\x1b]0;pwned here" in shown  # (Rich itself drops BEL, not ESC)
    coloured = io.StringIO()
    Console(file=coloured, force_terminal=True, color_system="standard", width=80).print(PrintableFrame(inner))
    assert "\x1b[1m" in coloured.getvalue()  # Rich's own styling still reaches the terminal
    assert "\x1b]8;" not in coloured.getvalue() and "evil" not in coloured.getvalue()


def test_the_live_view_status_and_cells_show_server_text_escaped() -> None:
    view = LiveView(providers=("tse",))
    view.emit(ControlEvent("tse", "connected", "2025-11-14T08:30:00.000000Z", {}))
    symbol = "IRO1\x1b]0;pwned\x07"
    data = {"1": {"buy_price": 10, "sell_price": 11, "buy_volume": 1, "sell_volume": 1}}
    view.emit(DataEvent("tse", "best-limit", symbol, None, "2025-11-14T08:30:00.000000Z", data))
    view.emit(ControlEvent("tse", "disconnected", "2025-11-14T08:30:01.000000Z", {"reason": "bye\x1b[2J\x9b"}))
    shown = plain(view.frame(120, 30, now=0.0), width=120)
    assert raw_controls(shown.replace("\n", "")) == []
    assert "bye\\x1b[2J\\x9b" in shown
    assert "IRO1\\x1b]0;pwned" in shown


def test_search_results_are_drawn_without_markup_or_escapes(capsys: pytest.CaptureFixture[str]) -> None:
    from feedcli.cli.search import _table

    rows = [{"ticker": "[bold red]SBER[/]", "name": "Sber\x1b]0;pwned\x07bank"}]
    _table("moex", "SB*", rows, ("ticker", "name"))
    out = capsys.readouterr().out
    assert "[bold red]SBER[/]" in out  # shown as sent, not read as markup
    assert "Sber\\x1b]0;pwned\\x07bank" in out and "\x1b" not in out
