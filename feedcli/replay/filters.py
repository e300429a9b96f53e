"""Which lines a replay keeps (`--from`, `--to`, `--channel`, `--symbol`), and a parse-free first look.

A line the filters would drop is best dropped before it is parsed: seeking to `--from` in a
long file, or picking one symbol out of many, is then several times faster. `peeker` reads
the few top-level fields it needs from a line's bytes and only ever drops lines that the full
check (reading.Recording.records) would drop too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from feedcli.replay.times import RECV_BYTES


@dataclass(frozen=True)
class Filters:
    """Which lines a replay keeps.

    `start` and `end` are `recv`-format strings (`start` inclusive, `end` exclusive, so that
    `--to T` and a following `--from T` never both write a line). Channels and symbols
    select data lines; control lines have neither and are kept (they say where the data
    has gaps). The time window applies to every line, except that a file's `recording`
    header, which describes everything after it, is kept when it precedes the window.
    """

    start: str = ""
    end: str | None = None
    channels: frozenset[str] = frozenset()
    symbols: frozenset[str] = frozenset()

    @property
    def narrowing(self) -> bool:
        return bool(self.start or self.end is not None or self.channels or self.symbols)


#: what a peek says of a line: check it fully, drop it unchecked, or stop reading the file
KEEP, DROP, STOP = "keep", "drop", "stop"


def peeker(filters: Filters) -> Callable[[bytes], str]:
    """A parse-free verdict on a line from its top-level fields: drop, stop, or keep (to check).

    Only fields before the first nested `{` are read: there they are certainly top-level
    keys (a `"` inside a JSON string is escaped, so `"recv":"` cannot occur in a value,
    and one after a backslash is skipped: it would end an odd key such as `x\\"recv`),
    and in feedcli's lines `provider`, `channel`, `symbol`, `ts` and `recv` all come before
    `data`. Whatever is not found there, or is escaped, gets "keep", and the full parse
    decides: this only ever drops lines the full check would drop too.
    """
    start = filters.start.encode()
    end = filters.end.encode() if filters.end is not None else None
    channels = frozenset(c.encode() for c in filters.channels)
    symbols = frozenset(s.encode() for s in filters.symbols)
    good_recv = RECV_BYTES.fullmatch

    def value(head: bytes, key: bytes) -> bytes | None:
        at = head.find(key)
        if at < 1 or head[at - 1] == 0x5C:  # after a backslash: part of an odd key (x\"channel)
            return None
        at += len(key)
        stop = head.find(b'"', at)
        if stop < 0:
            return None
        found = head[at:stop]
        return None if b"\\" in found else found

    def peek(line: bytes) -> str:
        cut = line.find(b"{", 1)
        head = line if cut < 0 else line[:cut]
        at = head.find(b'"recv":"')
        if at > 0 and head[at - 1] != 0x5C:
            recv = head[at + 8 : at + 35]
            if recv < start and b'"event":"recording"' not in line:
                return DROP
            if end is not None and recv >= end and good_recv(recv) is not None:
                return STOP
        if channels:
            channel = value(head, b'"channel":"')
            if channel is not None and channel not in channels:
                return DROP
        if symbols:
            symbol = value(head, b'"symbol":"')
            if symbol is not None and symbol not in symbols:
                return DROP
        return KEEP

    return peek
