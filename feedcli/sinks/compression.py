"""Compression as a stream that can stop at any line: what `record --compress` writes.

Each part of a recording is one gzip member or one zstd frame, fed line by line. The writer
asks for a *sync point* between lines (a zlib `Z_SYNC_FLUSH`, a zstd `FLUSH_BLOCK`): all
input so far then decompresses from the bytes output so far, so a file cut after a sync point
(`kill -9`, a power cut after the last fsync) loses nothing before it. `finish()` writes the
proper end of the stream; `seal()` is a hand-made end for the last sync point, which the
writer puts where a failed write was cut off, so that even a full disk leaves a file that
decompresses cleanly.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

#: the values of `--compress` and the extension each adds in directory mode
COMPRESSIONS: dict[str, str] = {"none": "", "gzip": ".gz", "zstd": ".zst"}
#: gzip's level: zlib's usual default, fast enough to keep up with tens of MB/s on the event loop
GZIP_LEVEL = 6
#: zstd's level. 1 rather than zstd's default 3: on HT lines with a sync point every 64 KiB
#: (bench/README.md) it took 18 % less CPU (0.65 against 0.79 µs a line) and compressed
#: better (11.8x against 10.7x); several times faster than gzip for a better ratio
ZSTD_LEVEL = 1


class PlainStream:
    """No compression: lines go to the file as they are."""

    compressed = False
    #: bytes that finishing a part may add after the last line (none)
    margin = 0

    def compress(self, data: bytes) -> bytes:
        return data

    def sync(self) -> bytes:
        return b""

    def finish(self) -> bytes:
        return b""

    def seal(self) -> bytes | None:
        return None


class GzipStream(PlainStream):
    """gzip through zlib's own gzip framing (wbits 31), so every byte we write is ours to count.

    The CRC-32 and length of what has been fed are tracked so that, after a failed write,
    the file can be ended by hand at its last sync point: an empty final block (`03 00`)
    followed by the trailer is a complete gzip member.
    """

    compressed = True
    margin = 32

    def __init__(self) -> None:
        self._z = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
        self._crc = 0
        self._size = 0

    def compress(self, data: bytes) -> bytes:
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        return self._z.compress(data)

    def sync(self) -> bytes:
        return self._z.flush(zlib.Z_SYNC_FLUSH)

    def finish(self) -> bytes:
        return self._z.flush(zlib.Z_FINISH)

    def seal(self) -> bytes | None:
        """The end of stream for what has been fed so far; valid right after `sync()`."""
        return b"\x03\x00" + struct.pack("<II", self._crc, self._size & 0xFFFFFFFF)


class ZstdStream(PlainStream):
    """One zstd frame per part, without a content checksum.

    The frame is written without a checksum so that it can be ended by hand at any block
    boundary (an empty last block, `01 00 00`) after a failed write; with a checksum the end
    would need an XXH64 of the content. Every line is JSON and is checked when parsed.
    """

    compressed = True
    margin = 32

    def __init__(self) -> None:
        import zstandard

        self._zstd = zstandard
        self._z = zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=False).compressobj()

    def compress(self, data: bytes) -> bytes:
        return self._z.compress(data)

    def sync(self) -> bytes:
        return self._z.flush(self._zstd.COMPRESSOBJ_FLUSH_BLOCK)

    def finish(self) -> bytes:
        return self._z.flush(self._zstd.COMPRESSOBJ_FLUSH_FINISH)

    def seal(self) -> bytes | None:
        return b"\x01\x00\x00"


#: a fresh stream for each value of `--compress`
STREAMS: dict[str, Callable[[], PlainStream]] = {"none": PlainStream, "gzip": GzipStream, "zstd": ZstdStream}
