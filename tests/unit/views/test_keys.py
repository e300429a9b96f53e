"""The live view's keys, filter and clocks, as frames rendered to text (issue 17's live view)."""

from __future__ import annotations

import asyncio
import io
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console

from feedcli.events import DataEvent
from feedcli.sinks.base import StopStream
from feedcli.views import LiveView
from feedcli.views.keys import decode
from tests.unit.views.test_views import RECV, TSE_SYMBOLS, market_view, screen_text


def focus_title(text: str) -> str:
    """The line of the focus panel's top border (its title names the symbol)."""
    return next(line for line in text.splitlines() if line.startswith("╭"))


def test_decode_names_arrows_specials_and_characters() -> None:
    assert decode(b"\x1b[A\x1b[Bjk") == ["up", "down", "j", "k"]
    assert decode(b"\x1bOA\x1b[6~\r\x7f\x1b") == ["up", "pagedown", "enter", "backspace", "escape"]
    assert decode("/فو".encode()) == ["/", "ف", "و"]
    assert decode(b"\x1b[1;5Cq") == ["q"]  # an unknown sequence is skipped whole


@pytest.mark.parametrize(("down", "up"), [("down", "up"), ("j", "k")])
def test_arrows_and_j_k_move_the_focus_along_the_rows(down: str, up: str) -> None:
    view = market_view(keys=False)
    first = focus_title(screen_text(view, 100, 30)[1])
    assert "IRO1FOLD0001" in first
    view.key(down)
    assert "IRO1IKCO0001" in focus_title(screen_text(view, 100, 30)[1])
    view.key(down)
    view.key(up)
    assert "IRO1IKCO0001" in focus_title(screen_text(view, 100, 30)[1])
    view.key("end")
    assert "24680" in focus_title(screen_text(view, 100, 30)[1])  # the last row (an IME contract)
    view.key("down")  # at the end: stays
    assert "24680" in focus_title(screen_text(view, 100, 30)[1])
    view.key("home")
    assert "IRO1FOLD0001" in focus_title(screen_text(view, 100, 30)[1])


def test_slash_filters_the_rows_as_typed_enter_keeps_escape_drops() -> None:
    view = market_view(keys=False)
    for key in "/IKC":
        view.key(key)
    typing = screen_text(view, 100, 30)[1]
    assert "/IKC█" in typing
    assert "IRO1IKCO0001" in typing and "IRO1FOLD0001" not in typing
    view.key("enter")
    kept = screen_text(view, 100, 30)[1]
    assert "filter IKC, 8 hidden" in kept and "IRO1FOLD0001" not in kept
    assert "IRO1IKCO0001" in focus_title(kept)  # the focus follows the filter
    view.key("escape")
    assert "IRO1FOLD0001" in screen_text(view, 100, 30)[1]


def test_a_filter_matching_nothing_says_so() -> None:
    view = market_view(keys=False)
    for key in ["/", "z", "z", "backspace", "z", "enter"]:
        view.key(key)
    assert "no symbol matches 'zz'" in screen_text(view, 100, 30)[1]


def test_question_mark_lists_the_keys_and_any_key_closes_them() -> None:
    view = market_view(keys=False)
    view.key("?")
    text = screen_text(view, 100, 30)[1]
    assert "keys" in text and "filter the symbols" in text and "quit" in text
    view.key("x")
    assert "filter the symbols" not in screen_text(view, 100, 30)[1]


def test_q_ends_the_run_after_a_last_frame() -> None:
    view = market_view(keys=False)
    con = Console(width=80, height=24, file=io.StringIO(), force_terminal=True)

    async def main() -> None:
        task = asyncio.ensure_future(view.run(con, fps=50))
        await asyncio.sleep(0.05)
        view.key("q")
        with pytest.raises(StopStream):
            await asyncio.wait_for(task, 10)

    asyncio.run(main())
    assert view.quit_requested


def test_every_clock_says_its_zone_utc_by_default() -> None:
    text = screen_text(market_view(keys=False), 100, 30)[1]
    status = text.rstrip("\n").splitlines()[-1]
    assert status.rstrip().endswith("UTC")
    # HT's 12:00 Tehran wall time is 08:30 UTC: the "as of" is converted, not shown as sent
    assert "as of 08:30:00 UTC" in text


def test_tz_moves_every_clock_to_that_zone() -> None:
    text = screen_text(market_view(keys=False, zone=ZoneInfo("Asia/Tehran")), 100, 30)[1]
    assert "as of 12:00:00 +0330" in text
    assert text.rstrip("\n").splitlines()[-1].rstrip().endswith("+0330")


def test_a_feed_without_a_book_shows_no_book_panel() -> None:
    view = LiveView(keys=False)
    bar = {"timestamp": "2025-11-14T08:30:00Z", "open": 1, "high": 2, "low": 0.5, "close": 1.5, "volume": 10}
    view.emit(DataEvent("binance", "candles", "BTC-USDT", None, RECV, bar))
    text = screen_text(view, 100, 30)[1]
    panel = text[text.index("╭") :]
    assert "BTC-USDT" in panel and "no book" not in panel and "Bid" not in panel
    assert "Bid" not in text and "Ask" not in text  # nor empty bid and ask columns in the list


def test_the_frame_fills_the_terminal() -> None:
    for width, height in ((80, 24), (160, 50)):
        text = screen_text(market_view(keys=False), width, height)[1]
        lines = text.rstrip("\n").split("\n")
        assert len(lines) == height
        assert max(len(line.rstrip()) for line in lines) > width - 10  # the width is used too


def test_focus_option_picks_the_symbol_and_keys_move_on_from_it() -> None:
    view = market_view(keys=False, focus=TSE_SYMBOLS[2][0])
    assert TSE_SYMBOLS[2][0] in focus_title(screen_text(view, 100, 30)[1])
    view.key("j")
    assert TSE_SYMBOLS[3][0] in focus_title(screen_text(view, 100, 30)[1])


def test_the_progress_line_of_a_backfill() -> None:
    from feedcli import progress
    from feedcli.views.work import work_lines

    before = progress.current()  # what other tests of this process left (codecs abandoned mid-backfill)
    progress.report("t", "binance BTC-USDT backfill", 1_500, 6_000)
    try:
        con = Console(width=80, file=io.StringIO(), record=True)
        con.print(work_lines(progress.current(), 80))
        text = con.export_text()
    finally:
        progress.finish("t")
    assert "binance BTC-USDT backfill" in text and "1,500/6,000 candles 25%" in text
    assert all(len(line) <= 80 for line in text.splitlines())
    assert progress.current() == before
