"""Decompressed bytes into complete lines, a chunk's worth at a time.

A recording's lines end in `\\n`. A last line without one is kept if it is a whole JSON
object (a file written without a final newline) and is otherwise the torn end of a killed
recorder (`torn`). A "line" that grows past MAX_LINE has no newline in sight: it is not a
recording, or a damaged one; it is skipped up to the next newline and reported, so memory
never depends on what a file holds.
"""

from __future__ import annotations

from codecs import utf_8_decode
from collections.abc import Callable, Iterable, Iterator

import orjson

#: a "line" longer than this has no newline in sight: not a recording (or a damaged one)
MAX_LINE = 64 << 20


class LineSplitter:
    """Splits chunks into numbered batches of complete lines (without their `\\n`)."""

    def __init__(self, too_long: Callable[[int], None]) -> None:
        #: told the number of a line skipped for being longer than MAX_LINE
        self._too_long = too_long
        #: complete lines read so far (kept or not, over-long ones included)
        self.count = 0
        #: whether the data ended in a torn line (dropped)
        self.torn = False
        #: whether every line of the batch last yielded is UTF-8 (False: unknown, check each)
        self.utf8 = True

    def batches(self, chunks: Iterable[bytes]) -> Iterator[tuple[int, list[bytes]]]:
        """(number of the first line, complete lines without their `\\n`), a chunk at a time."""
        carry = b""
        skipping = False  # inside an over-long line: drop bytes up to the next newline
        number = 1
        for data in chunks:
            if skipping:
                cut = data.find(b"\n")
                if cut < 0:
                    continue
                data = data[cut + 1 :]
                skipping = False
            if carry:
                data = carry + data
            self.utf8 = _utf8_up_to_a_torn_end(data)
            parts = data.split(b"\n")
            carry = parts.pop()
            if len(carry) > MAX_LINE:
                self._too_long(number + len(parts))
                self.count += 1
                carry, skipping = b"", True
            if parts:
                self.count += len(parts)
                yield number, parts
                number += len(parts)
        if carry.strip() and not skipping:
            if _whole_object(carry):
                self.count += 1
                self.utf8 = False  # checked with the line
                yield number, [carry]
            else:
                self.torn = True


def _utf8_up_to_a_torn_end(data: bytes) -> bool:
    """Whether `data` is UTF-8, but for a character cut short at its end (the next chunk's).

    One call a chunk (about 1 MiB), where checking line by line would cost a call a line.
    """
    try:
        utf_8_decode(data, "strict", False)
    except UnicodeDecodeError:
        return False
    return True


def _whole_object(line: bytes) -> bool:
    try:
        return type(orjson.loads(line)) is dict
    except orjson.JSONDecodeError:
        return False
