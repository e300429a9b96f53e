"""Decompression of a recording as it is read: gzip and zstd, told apart by their first bytes.

The format is read from the content, not the name: rotated and renamed files, `.ndjson` files
that are really gzip, files on stdin. Several gzip members or zstd frames one after the other
(appended or rotated pieces) are read as one stream; data after the last one that is neither
is noted and ignored. A stream that stops before its end (a recorder killed with -9) gives
everything that decompresses, and says so in `ending`.

A file may be hostile: a few hundred KB of zstd can expand to gigabytes (one endless line,
or only newlines). So no step ever produces more than a bounded amount: gzip is asked for at
most STEP_OUT bytes per call (zlib's `max_length`); zstd, whose Python binding has no such
limit, is fed at most ZSTD_STEP_IN compressed bytes per call, and a zstd block (at most
128 KiB of output) takes at least 4 bytes of input, so one call gives at most about
ZSTD_STEP_IN / 4 * 128 KiB (8 MiB). Output goes on in pieces of about STEP_OUT bytes, so
the reader above (lines.LineSplitter) stays in step and the event loop gets a turn between
them (signals are answered while a bomb decompresses).

A damaged member or frame does not end the file: the rest is searched for the next member's
(frame's) magic number and reading resumes there; `damaged` is told what was skipped. Only
when no further member is found does the damage end the stream (`ending`).
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

#: gzip and zstd frame magic numbers: the format is read from the content, not the name
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
#: bytes needed to tell the formats apart
HEAD_SIZE = len(ZSTD_MAGIC)
#: what is searched for after damage: gzip's magic with its one compression method (deflate)
_RESYNC = {"gzip": GZIP_MAGIC + b"\x08", "zstd": ZSTD_MAGIC}
#: about the most decompressed bytes handed on at a time (gzip: the most one call produces)
STEP_OUT = 1 << 20
#: compressed bytes given to zstd per call (see the module's docstring for the bound it gives)
ZSTD_STEP_IN = 256
#: gzip is bounded by its output; its input is cut only so that copies of the rest stay small
GZIP_STEP_IN = 64 * 1024
#: the largest zstd window accepted: zstd's own default limit would let one frame claim 128 MiB
MAX_ZSTD_WINDOW = 1 << 26


def kind_of(head: bytes) -> str:
    """`gzip`, `zstd` or `plain`, from a file's first HEAD_SIZE bytes."""
    return "gzip" if head.startswith(GZIP_MAGIC) else "zstd" if head.startswith(ZSTD_MAGIC) else "plain"


class Decompression:
    """A file's bytes, decompressed as they are read, and how its compressed stream ended.

    `damaged(why)` is called each time damage was skipped and reading resumed at a later
    member or frame (the caller reports it with the line count reached).
    """

    def __init__(self, kind: str, damaged: Callable[[str], None] = lambda _why: None) -> None:
        self.kind = kind
        #: how the compressed stream ended: None (cleanly, or plain), "truncated", "damaged: why"
        self.ending: str | None = None
        #: whether something that is not zero padding followed the last member or frame
        self.trailing = False
        #: damaged stretches skipped, reading resumed after each
        self.resyncs = 0
        self._damaged = damaged

    def chunks(self, raw: Iterable[bytes]) -> Iterator[bytes]:
        """The content of `raw` (the file's chunks), decompressed, in bounded pieces; how it ended goes to `ending`."""
        if self.kind == "plain":
            yield from raw
            return
        if self.kind == "gzip":
            magic: bytes = GZIP_MAGIC
            step_in = GZIP_STEP_IN

            def fresh() -> Any:
                return zlib.decompressobj(wbits=31)

            def feed(dobj: Any, piece: memoryview) -> Iterator[bytes]:
                data: Any = piece
                while True:
                    out = dobj.decompress(data, STEP_OUT)
                    if out:
                        yield out
                    data = dobj.unconsumed_tail
                    if dobj.eof or (not data and len(out) < STEP_OUT):
                        return

            errors: tuple[type[Exception], ...] = (zlib.error,)
        else:
            import zstandard

            magic = ZSTD_MAGIC
            step_in = ZSTD_STEP_IN
            dctx = zstandard.ZstdDecompressor(max_window_size=MAX_ZSTD_WINDOW)

            def fresh() -> Any:
                return dctx.decompressobj()

            def feed(dobj: Any, piece: memoryview) -> Iterator[bytes]:
                out = dobj.decompress(piece)
                if out:
                    yield out

            errors = (zstandard.ZstdError,)
        resync = _RESYNC[self.kind]
        dobj = fresh()
        held = bytearray()  # output not handed on yet: handed on past STEP_OUT, and at the end
        ended_line = True  # whether the output so far ends with a newline (or is empty)
        open_member = False  # input fed to `dobj` that has not reached its end yet
        ignoring = False  # past the last member: what follows is not compressed data
        hunting: str | None = None  # after damage: why, while looking for the next member
        tail = b""  # while hunting: the last bytes of the previous chunk (a magic may straddle)
        for chunk in raw:
            if ignoring:
                # zero padding (some tools add it) is not worth a word; anything else is
                self.trailing = self.trailing or bool(chunk.strip(b"\0"))
                continue
            if hunting is not None:
                data = tail + chunk
                at = data.find(resync)
                if at < 0:
                    tail = data[-(len(resync) - 1) :]
                    continue
                chunk, tail = data[at:], b""
                self.resyncs += 1
                self._damaged(hunting)
                hunting, dobj = None, fresh()
            view = memoryview(chunk)
            pos, size = 0, len(view)
            while pos < size:
                piece = view[pos : pos + step_in]
                try:
                    for out in feed(dobj, piece):
                        if not held and len(out) >= STEP_OUT:
                            ended_line = out.endswith(b"\n")
                            yield out  # big enough as it is: not copied
                            continue
                        held += out
                        if len(held) >= STEP_OUT:
                            ended_line = held.endswith(b"\n")
                            yield bytes(held)
                            held.clear()
                except errors as exc:
                    if held:
                        ended_line = held.endswith(b"\n")
                        yield bytes(held)
                        held.clear()
                    if not ended_line:
                        # the damaged member's torn last line must not run into the next member's first
                        yield b"\n"
                        ended_line = True
                    open_member = False
                    at = chunk.find(resync, pos + 1)
                    if at < 0:
                        hunting, tail = str(exc), chunk[-(len(resync) - 1) :]
                        break
                    self.resyncs += 1
                    self._damaged(str(exc))
                    pos, dobj = at, fresh()
                    continue
                if not dobj.eof:
                    open_member = True
                    pos += len(piece)
                    continue
                open_member = False
                pos += len(piece) - len(dobj.unused_data)
                dobj = fresh()
                if pos < size and not magic.startswith(bytes(view[pos : pos + len(magic)])):
                    ignoring = True
                    self.trailing = bool(chunk[pos:].strip(b"\0"))
                    break
            if held:  # what this chunk gave, now: a slow pipe's lines are not held back
                ended_line = held.endswith(b"\n")
                yield bytes(held)
                held.clear()
        if open_member and self.kind == "gzip":
            with contextlib.suppress(zlib.error):
                held += dobj.flush()
        if held:
            yield bytes(held)
        if hunting is not None:
            self.ending = f"damaged: {hunting}"
        elif open_member:
            self.ending = "truncated"
