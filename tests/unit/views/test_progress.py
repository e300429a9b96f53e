"""The one-line renderables (views/progress.py) and the status line that draws them (views/status_line.py)."""

from __future__ import annotations

import asyncio
import errno
import io

import pytest
from rich.console import Console

from feedcli import terminal
from feedcli.views.progress import RateMeter, RecordingStatus, ReplayProgress
from feedcli.views.status_line import StatusLine

NAME = "tse-20251114T083000Z.ndjson.zst"


def text_of(renderable: object, width: int) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None, legacy_windows=False)
    with console.capture() as capture:
        console.print(renderable)
    return capture.get()


def test_recording_status_says_messages_rate_reconnects_file_and_size() -> None:
    status = RecordingStatus("tse", 12_345, 410.4, 1, True, NAME, 1_234_567)
    assert status.text() == f"recording tse: 12,345 msgs, 410/s, 1 reconnect, {NAME} 1.2 MB"
    assert RecordingStatus("tse", 30, None, 2, False).text() == "recording tse: 30 msgs, 2 reconnects (disconnected)"
    assert text_of(status, 120).rstrip("\n") == status.text(120)


@pytest.mark.parametrize("width", [20, 40, 60, 75, 90])
def test_recording_status_fits_any_width_numbers_first_file_elided_in_the_middle(width: int) -> None:
    status = RecordingStatus("tse", 12_345, 410.0, 1, True, NAME, 1_234_567)
    text = status.text(width)
    assert len(text) <= width
    assert text.startswith("recording tse: 12,345 msgs"[:width])
    if NAME in text or "..." in text:
        assert text.endswith(" 1.2 MB")
        shown = text.rsplit(", ", 1)[1].removesuffix(" 1.2 MB")
        head, _, tail = shown.partition("...")
        assert NAME.startswith(head) and NAME.endswith(tail)
    for line in text_of(status, width).splitlines():
        assert len(line) <= width  # never wraps: a wrapped line cannot be redrawn in place


def test_replay_progress_with_a_known_size_has_a_bar_and_the_figures() -> None:
    progress = ReplayProgress(500_000, 1_000_000, 2_000, 1_234.5, "2025-11-14T08:30:05.123456Z")
    assert progress.numbers() == "500.0 kB/1.0 MB  2,000 lines  1,234 lines/s  at 2025-11-14 08:30:05"
    text = text_of(progress, 120)
    assert text.startswith(" 50%") and progress.numbers() in text
    assert "━" in text or "-" in text  # Rich's ProgressBar


def test_replay_progress_without_a_size_has_no_bar_and_nothing_is_wider_than_the_screen() -> None:
    assert text_of(ReplayProgress(500_000, None, 7, 3.0), 80).rstrip("\n") == "500.0 kB  7 lines  3 lines/s"
    for width in (20, 50, 80):
        for line in text_of(
            ReplayProgress(1_000_000, 1_000_000, 2_000, 9.0, "2025-11-14T08:30:05.1Z"), width
        ).splitlines():
            assert len(line) <= width


def test_rate_meter_is_the_whole_run_at_first_then_the_last_window() -> None:
    meter = RateMeter(window=1.0, now=100.0)
    assert meter.update(50, now=100.5) == pytest.approx(100.0)  # 50 in the first half second
    assert meter.update(300, now=101.0) == pytest.approx(300.0)  # the first whole window
    assert meter.update(400, now=101.5) == pytest.approx(300.0)  # unchanged until the next window
    assert meter.update(1300, now=102.0) == pytest.approx(1000.0)
    assert meter.overall(1300, now=102.0) == pytest.approx(650.0)


class Terminal(io.StringIO):
    """A console file that can be made to fail as a hung-up terminal does."""

    def __init__(self) -> None:
        super().__init__()
        self.gone = False

    def write(self, text: str) -> int:
        if self.gone:
            raise OSError(errno.EIO, "Input/output error")
        return super().write(text)

    def isatty(self) -> bool:
        return True


def drive(status: StatusLine, during: object = None) -> None:
    async def main() -> None:
        task = asyncio.create_task(status.run())
        await asyncio.sleep(0.05)
        if callable(during):
            during()
        await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(main())


def console(file: io.StringIO) -> Console:
    return Console(file=file, width=80, force_terminal=True, color_system=None, legacy_windows=False)


def test_a_status_line_is_redrawn_in_place_notes_go_above_and_it_is_cleared_at_the_end() -> None:
    screen = Terminal()
    frames: list[bool] = []
    count = [0]

    def render(final: bool) -> RecordingStatus:
        frames.append(final)
        count[0] += 10
        return RecordingStatus("tse", count[0], None, 1, True, "rec.ndjson", 2_000)

    status = StatusLine(render, every=0.01, console=console(screen))
    drive(status, lambda: status.note("feedcli: a note"))
    out = screen.getvalue()
    assert "recording tse:" in out and "rec.ndjson 2.0 kB" in out and "1 reconnect" in out
    assert "feedcli: a note\n" in out
    redraws = out.split("feedcli: a note\n")[1].rsplit("\n", 1)[0]
    assert redraws.count("recording tse:") >= 2 and "\n" not in redraws  # redrawn in place, never scrolled
    assert frames[-1] is True  # the last frame is the final one
    assert out.endswith("\x1b[?25h\r\x1b[1A\x1b[2K")  # cursor back on, the line erased


def test_a_kept_status_line_leaves_its_final_frame() -> None:
    screen = Terminal()
    status = StatusLine(
        lambda final: ReplayProgress(10, 10, 5, 1.0, None), every=0.01, keep=True, console=console(screen)
    )
    drive(status)
    out = screen.getvalue()
    assert out.rstrip("\x1b[?25h").endswith("5 lines  1 lines/s\n")


def test_a_terminal_that_vanishes_stops_the_drawing_silently(monkeypatch) -> None:
    silenced: list[bool] = []
    monkeypatch.setattr(terminal, "_silence", lambda: silenced.append(True))
    screen = Terminal()
    status = StatusLine(lambda final: RecordingStatus("tse", 1, None, 0), every=0.01, console=console(screen))

    def hang_up() -> None:
        screen.gone = True

    drive(status, hang_up)  # ends without an error
    status.note("after the hangup")  # goes nowhere, and raises nothing
    assert terminal.gone() and silenced == [True]
