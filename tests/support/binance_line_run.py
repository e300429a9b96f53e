"""One `feedcli stream binance` run driven by hand, for the line path's byte-for-byte tests.

The trade and book line tests both run two of these side by side: a "lined" run offers every
frame to `codec.line` first (as the engine does) and hands it to `parse` only where that
declines, or a read's frames to `codec.lines` (as the engine does over picows); a "general"
run has only `parse`. Each run has its own feed and trade gate, as two
`feedcli stream` processes would.
"""

from __future__ import annotations

from typing import Any

from feedcli import providers
from feedcli.errors import FeedError, MalformedFrame
from feedcli.events import encode_line
from feedcli.providers.base import Frame, HttpRequest, HttpResponse, lines_by_line
from feedcli.providers.candles.channels import MarketCodec

#: the `recv` of REST answers where a test does not choose one
ANSWER_RECV = "2025-11-24T16:00:00.000000Z"


class LineRun:
    """A run's connections' codecs, made one after another (`connect` is a reconnect)."""

    def __init__(self, pairs: list[str], channels: list[str], *, lined: bool, depth: int | None) -> None:
        values: dict[str, Any] = {"pair": pairs, "channel": channels}
        if "candles" in channels:
            values["interval"] = "1m"
        if depth is not None:
            values["depth"] = str(depth)
        self._make = providers.get("binance").prepare(values, {})
        self.lined = lined
        self.codec = self.connect()

    def connect(self) -> MarketCodec:
        """A new connection: a new codec on the run's feed and trade gate."""
        (codec,) = [c for c in self._make("http://127.0.0.1:1", None) if isinstance(c, MarketCodec)]
        codec.pending_requests(1.8e9)  # the preflight, asked before connecting
        self.codec = codec
        return codec

    def feed(self, frame: Frame, recv: str) -> tuple[list[bytes] | str, bool]:
        """The lines of one frame (or the refusal's message), and whether the line path took it."""
        codec = self.codec
        if self.lined:
            assert codec.line is not None
            line = codec.line(frame, recv)
            if line is not None:
                return [line], True
        try:
            return [encode_line(e) for e in codec.parse(frame, recv)], False
        except (FeedError, MalformedFrame) as exc:
            return f"{type(exc).__name__}: {exc}", False

    def feed_read(self, frames: list[Frame], recv: str) -> tuple[list[bytes] | str, int]:
        """The lines of a socket read's frames (up to a refusal's message, which ends it), and
        how many the line path took: lined, as picows_link's `_run_batch` hands them to the
        codec (`Codec.lines`, `parse` for a frame it leaves, then `lines` again on the rest);
        general, `parse` a frame at a time."""
        codec = self.codec
        out: list[bytes] = []
        took = done = 0
        make = (codec.lines or lines_by_line(codec.line)) if self.lined and codec.line is not None else None
        while done < len(frames):
            if make is not None:
                made = make(frames[done:], recv, out)
                took += made
                done += made
                if done == len(frames):
                    break
            try:
                out += [encode_line(e) for e in codec.parse(frames[done], recv)]
            except (FeedError, MalformedFrame) as exc:
                return f"{[line.decode() for line in out]} {type(exc).__name__}: {exc}", took
            done += 1
        return out, took

    def answer(self, request: HttpRequest, response: HttpResponse, recv: str = ANSWER_RECV) -> list[bytes] | str:
        """The lines of a REST answer (or the refusal's message)."""
        try:
            return [encode_line(e) for e in self.codec.on_http(request, response, recv)]
        except (FeedError, MalformedFrame) as exc:
            return f"{type(exc).__name__}: {exc}"
