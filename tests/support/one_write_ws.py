"""A WebSocket server that writes its handshake answer and what follows in one write.

On loopback one write is one segment, so the client reads the answer and the first frames
together: picows then hands those frames to the listener inside the open itself, before the
engine serves the connection. The engine's tests of that moment (the order of `connected`
and data, REST calls asked for by those frames) need exactly this, which no ordinary server
library does on purpose.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib

#: RFC 6455's GUID for Sec-WebSocket-Accept
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#: a close frame with code 1000
CLOSE_1000 = b"\x88\x02\x03\xe8"


def text_frame(payload: bytes) -> bytes:
    """An unmasked text frame (server to client) of fewer than 126 bytes."""
    assert len(payload) < 126
    return b"\x81" + bytes([len(payload)]) + payload


async def one_write_server(after_handshake: bytes) -> asyncio.Server:
    """Serves each client the 101 answer and `after_handshake` in one write, then reads until
    the client hangs up."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        key = next(
            line.split(b":", 1)[1].strip()
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-key:")
        )
        accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
        answer = (
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        writer.write(answer + after_handshake)
        with contextlib.suppress(Exception):
            await writer.drain()
            await reader.read()  # until the client hangs up
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)
