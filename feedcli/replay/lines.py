"""Decompressed bytes into complete lines, a chunk's worth at a time.

A recording's lines end in `\\n`. A last line without one is kept if it is a whole JSON
object (a file written without a final newline) and is otherwise the torn end of a killed
recorder (`torn`). A "line" that grows past MAX_LINE has no newline in sight: it is not a
recording, or a damaged one; it is dropped as soon as it passes the cap (never held whole),
skipped up to the next newline and reported, so memory never depends on what a file holds.

`utf8` says whether every line of the batch just yielded is UTF-8: one check a piece (about
1 MiB) rather than one a line, for the line check (reading.LineCheck), whose parser skips the
strings it does not read without checking them. False only means "check each line".
"""

from __future__ import annotations

from codecs import utf_8_decode
from collections.abc import Callable, Iterable, Iterator

import orjson

#: a "line" longer than this has no newline in sight: not a recording (or a damaged one)
MAX_LINE = 64 << 20
#: the most bytes split into lines at once: a megabyte of newlines is a list of a million
#: lines (8 MB of pointers), so bigger pieces of a newline bomb would cost memory in proportion
PIECE = 1 << 20


class LineSplitter:
    """Splits chunks into numbered batches of complete lines (without their `\\n`).

    A batch is yielded for every chunk, empty when the chunk completed no line (or only
    blank ones): the reader above gets control back at every chunk, however long a line
    or a run of blank lines is.
    """

    def __init__(self, too_long: Callable[[int], None]) -> None:
        #: told the number of a line skipped for being longer than MAX_LINE
        self._too_long = too_long
        #: complete lines read so far (kept or not, over-long and blank ones included)
        self.count = 0
        #: whether the data ended in a torn line (dropped)
        self.torn = False
        #: whether every line of the batch last yielded is UTF-8 (False: unknown, check each)
        self.utf8 = True

    def batches(self, chunks: Iterable[bytes]) -> Iterator[tuple[int, list[bytes]]]:
        """(number of the first line, complete lines without their `\\n`), a chunk at a time."""
        carry = bytearray()  # the start of a line whose end has not come yet
        skipping = False  # inside an over-long line: drop bytes up to the next newline
        for data in _pieces(chunks):
            if not carry and not skipping and not data.strip(b"\n"):
                self.count += len(data)  # only newlines (a newline bomb): counted, nothing to look at
                yield self.count + 1, []
                continue
            cut = data.find(b"\n")
            if skipping:
                if cut < 0:
                    yield self.count + 1, []
                    continue
                data = data[cut + 1 :]
                cut = data.find(b"\n")
                skipping = False
            if cut < 0:
                if len(carry) + len(data) > MAX_LINE:
                    self._over(carry)
                    carry, skipping = bytearray(), True
                else:
                    carry += data
                yield self.count + 1, []
                continue
            parts = data.split(b"\n")
            if carry:
                if len(carry) + len(parts[0]) > MAX_LINE:
                    self._over(carry)  # counted now, so left out of the batch
                    carry = bytearray()
                    parts.pop(0)
                    self.utf8 = _is_utf8(memoryview(data)[cut + 1 :], final=False)
                else:
                    carry += parts[0]
                    parts[0] = bytes(carry)
                    carry = bytearray()
                    # the held start of the line is checked with it: it may end inside a character
                    self.utf8 = _is_utf8(parts[0], final=True) and _is_utf8(memoryview(data)[cut + 1 :], final=False)
            else:
                self.utf8 = _is_utf8(data, final=False)
            rest = parts.pop()
            first = self.count + 1
            self.count += len(parts)  # before an over-long rest is counted: it comes after them
            if len(rest) > MAX_LINE:
                self._over(bytearray())
                skipping = True
            else:
                carry += rest
            if not any(parts):
                parts = []  # only blank lines (a newline bomb): nothing for the reader to look at
            yield first, parts
        if carry.strip() and not skipping:
            line = bytes(carry)
            if _whole_object(line):
                self.count += 1
                self.utf8 = False  # checked with the line
                yield self.count, [line]
            else:
                self.torn = True

    def _over(self, carry: bytearray) -> None:
        """A line passed MAX_LINE: counted, reported, and no longer held."""
        self.count += 1
        self._too_long(self.count)
        carry.clear()


def _pieces(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The chunks, those longer than PIECE cut into pieces of PIECE bytes."""
    for chunk in chunks:
        if len(chunk) <= PIECE:
            yield chunk
        else:
            for at in range(0, len(chunk), PIECE):
                yield chunk[at : at + PIECE]


def _is_utf8(data: bytes | memoryview, *, final: bool) -> bool:
    """Whether `data` is UTF-8. Unless `final`, a character cut short at its end passes: it is
    the next piece's, held in the carry and checked with the line it starts."""
    try:
        utf_8_decode(data, "strict", final)
    except UnicodeDecodeError:
        return False
    return True


def _whole_object(line: bytes) -> bool:
    try:
        return type(orjson.loads(line)) is dict
    except orjson.JSONDecodeError:
        return False
