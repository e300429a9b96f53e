"""Decompression of a recording as it is read: gzip and zstd, told apart by their first bytes.

The format is read from the content, not the name: rotated and renamed files, `.ndjson` files
that are really gzip, files on stdin. Several gzip members or zstd frames one after the other
(appended or rotated pieces) are read as one stream; data after the last one that is neither
is noted and ignored. A stream that stops before its end (a recorder killed with -9) gives
everything that decompresses, and says so in `ending`.

Everything the decompressor produces passes through `Decompression.chunks`, one bounded input
chunk at a time: the place to bound its output per step too.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

#: gzip and zstd frame magic numbers: the format is read from the content, not the name
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
#: bytes needed to tell the formats apart
HEAD_SIZE = len(ZSTD_MAGIC)


def kind_of(head: bytes) -> str:
    """`gzip`, `zstd` or `plain`, from a file's first HEAD_SIZE bytes."""
    return "gzip" if head.startswith(GZIP_MAGIC) else "zstd" if head.startswith(ZSTD_MAGIC) else "plain"


class Decompression:
    """A file's bytes, decompressed as they are read, and how its compressed stream ended."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        #: how the compressed stream ended: None (cleanly, or plain), "truncated", "damaged: why"
        self.ending: str | None = None
        #: whether something that is not zero padding followed the last member or frame
        self.trailing = False

    def chunks(self, raw: Iterable[bytes]) -> Iterator[bytes]:
        """The content of `raw` (the file's chunks), decompressed; how it ended goes to `ending`."""
        if self.kind == "plain":
            yield from raw
            return
        if self.kind == "gzip":
            magic: bytes = GZIP_MAGIC

            def fresh() -> Any:
                return zlib.decompressobj(wbits=31)

            errors: tuple[type[Exception], ...] = (zlib.error,)
        else:
            import zstandard

            magic = ZSTD_MAGIC
            dctx = zstandard.ZstdDecompressor()

            def fresh() -> Any:
                return dctx.decompressobj()

            errors = (zstandard.ZstdError,)
        dobj = fresh()
        open_member = False  # input fed to `dobj` that has not reached its end yet
        ignoring = False  # past the last member: what follows is not compressed data
        for chunk in raw:
            if ignoring:
                # zero padding (some tools add it) is not worth a word; anything else is
                self.trailing = self.trailing or bool(chunk.strip(b"\0"))
                continue
            while chunk:
                try:
                    out = dobj.decompress(chunk)
                except errors as exc:
                    self.ending = f"damaged: {exc}"
                    return
                if out:
                    yield out
                if not dobj.eof:
                    open_member = True
                    break
                open_member = False
                chunk = dobj.unused_data
                if chunk and not magic.startswith(chunk[: len(magic)]):
                    ignoring = True
                    self.trailing = bool(chunk.strip(b"\0"))
                    break
                dobj = fresh()
        if open_member:
            if self.kind == "gzip":
                with contextlib.suppress(zlib.error):
                    rest = dobj.flush()
                    if rest:
                        yield rest
            self.ending = "truncated"
