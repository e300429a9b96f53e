"""Compression in a process of its own, for `record --compress`: the receiver's core stays free.

Why a process and not a thread: zstd and zlib let go of the GIL while they work, but a thread
needs the GIL back for every call, every queue hand-over and every answer, and a receiver that
is busy in Python keeps it for up to the switch interval each time. Measured, a thread
compressing beside a busy main thread took 5.5x as long as alone, and a recording with one was
slower than compressing on the loop itself (bench/README.md). A child process shares no GIL:
the loop writes a sync point's text to a pipe (one `os.write`) and reads the compressed bytes
back when they are ready (a reader on the loop), in order.

The child holds the codec (compression.STREAMS) of the part being written: `RemoteStream` is
its stand-in in the writer, with the same methods, each a round trip, for the rare calls (a
part's header, a periodic sync point, the end); `submit` hands over a whole sync point without
waiting (the hot path). The writer still writes every byte itself, so a full disk, the seal
and the fsyncs are handled as before; the child never touches the file.

Requests: one op byte, a 4-byte length, the payload. `N` starts a new stream (payload: the
codec's name), `C` compresses, `S` takes a sync point, `J` compresses and takes a sync point,
`F` ends the stream. Each is answered, in order, with the output and, for `S` and `J`, the
seal of that sync point: two 4-byte lengths (0xFFFFFFFF: no seal) and the bytes.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import struct
import subprocess
import sys
from collections import deque
from collections.abc import Callable

from feedcli.errors import FeedError
from feedcli.sinks.compression import STREAMS, PlainStream
from feedcli.sinks.writer import WriteFailed, write_all

_HEAD = struct.Struct("<cI")
_ANSWER = struct.Struct("<II")
_NO_SEAL = 0xFFFFFFFF
#: the pipes' capacity (Linux F_SETPIPE_SZ): several sync points each way without blocking
PIPE_SIZE = 1 << 20
_F_SETPIPE_SZ = 1031
#: the pipes' own read and write on the hot path, bound once: what happens to files (a test's
#: full disk) is not theirs
_read, _writev = os.read, os.writev


# ---------------------------------------------------------------------- the child
def _read_exactly(fd: int, n: int) -> bytes | None:
    parts = []
    while n:
        chunk = _read(fd, n)
        if not chunk:
            return None
        parts.append(chunk)
        n -= len(chunk)
    return b"".join(parts)


def child_main() -> None:
    """The child's loop: requests on fd 0, answers on fd 1, until the parent closes fd 0."""
    codec: PlainStream | None = None
    while True:
        head = _read_exactly(0, _HEAD.size)
        if head is None:
            return
        op, size = _HEAD.unpack(head)
        payload = _read_exactly(0, size) if size else b""
        if payload is None:
            return
        seal: bytes | None = None
        if op == b"N":
            codec, out = STREAMS[payload.decode()](), b""
        elif codec is None:
            raise SystemExit(f"feedcli compression process: {op!r} before a stream was started")
        elif op == b"C":
            out = codec.compress(payload)
        elif op == b"J":
            out = codec.compress(payload) + codec.sync()
            seal = codec.seal()
        elif op == b"S":
            out = codec.sync()
            seal = codec.seal()
        elif op == b"F":
            out = codec.finish()
        else:
            raise SystemExit(f"feedcli compression process: unknown request {op!r}")
        size_seal = _NO_SEAL if seal is None else len(seal)
        write_all(1, _ANSWER.pack(len(out), size_seal) + out + (seal or b""))


# ---------------------------------------------------------------------- the parent
class Answer:
    """A request's answer, filled in by the process in the order requests were made."""

    __slots__ = ("_process", "value")

    def __init__(self, process: CompressorProcess) -> None:
        self._process = process
        self.value: tuple[bytes, bytes | None] | None = None

    def done(self) -> bool:
        """Answered yet, or never to be (reads what has arrived, never waits): `result` says which."""
        if self.value is None and self._process.failed is None:
            with contextlib.suppress(FeedError):  # kept in `failed`, raised by result()
                self._process.read(block=False)
        return self.value is not None or self._process.failed is not None

    def result(self) -> tuple[bytes, bytes | None]:
        """The output and the seal, waiting for the process if need be; FeedError if it died."""
        while self.value is None:
            self._process.read(block=True)
        return self.value


class CompressorProcess:
    """The child process and its two pipes; see the module docstring."""

    def __init__(self) -> None:
        package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        # Signals are feedcli's to handle: a Ctrl-C (the terminal signals its whole process
        # group), `kill` of the group or systemd's SIGTERM to every process of the service must
        # not end the child before feedcli has finished the file with it. Its own session keeps
        # the terminal's signals away; the rest it ignores. It ends when its input ends.
        code = (
            "import signal; "
            "[signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)]; "
            f"import sys; sys.path.insert(0, {package_root!r}); "
            "from feedcli.sinks.compress_process import child_main; child_main()"
        )
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-c", code],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=None,
                bufsize=0,
                close_fds=True,
                start_new_session=True,
            )
        except OSError as exc:
            raise FeedError(f"cannot start the compression process: {exc.strerror or exc}") from None
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._to = self._proc.stdin.fileno()
        self._from = self._proc.stdout.fileno()
        for fd in (self._to, self._from):
            with contextlib.suppress(OSError):  # not Linux, or a lower limit: the default size
                fcntl.fcntl(fd, _F_SETPIPE_SZ, PIPE_SIZE)
        os.set_blocking(self._from, False)
        self._waiting: deque[Answer] = deque()
        self._buf = bytearray()
        self._closed = False
        #: why the process can answer no more (it died): raised by every later call
        self.failed: FeedError | None = None
        #: called (on the loop) after answers have come in, or the process failed
        self.on_answers: Callable[[], None] | None = None
        #: undoes the loop's watch of the answers (set by whoever added it)
        self.unwatch: Callable[[], None] | None = None

    @property
    def fileno(self) -> int:
        """The answers' pipe, for the loop to watch (`answers_ready` when readable)."""
        return self._from

    def request(self, op: bytes, payload: bytes | bytearray = b"") -> Answer:
        """Send a request (written whole before this returns: `payload` may be reused at once);
        its answer comes later, after those of the requests before it."""
        if self._closed:
            raise FeedError("the compression process was closed")
        if self.failed is not None:
            raise self.failed
        answer = Answer(self)
        self._waiting.append(answer)
        head = _HEAD.pack(op, len(payload))
        try:
            sent = _writev(self._to, (head, payload))  # no copy of the payload to join them
            if sent < len(head) + len(payload):  # a signal cut it short: the rest, joined
                with memoryview(payload) as view:
                    write_all(self._to, (head + bytes(view))[sent:])
        except OSError as exc:
            raise self._gone(exc) from None
        except WriteFailed as failed:
            raise self._gone(failed.error) from None
        return answer

    def answers_ready(self) -> None:
        """The loop's reader: take in what has arrived, then tell the writer (also of a failure,
        after which the pipe is no longer watched: its end of file would wake the loop forever)."""
        try:
            self.read(block=False)
        except FeedError:
            if self.unwatch is not None:
                self.unwatch()
                self.unwatch = None
        if self.on_answers is not None:
            self.on_answers()

    def read(self, *, block: bool) -> None:
        """Take in the answers that have arrived; with `block`, wait for at least one more."""
        if self.failed is not None:
            raise self.failed
        if not self._waiting:
            return
        want = len(self._waiting) - (1 if block else 0)
        while True:
            try:
                chunk = _read(self._from, 1 << 20)
            except BlockingIOError:
                chunk = None
            except OSError as exc:
                raise self._gone(exc) from None
            if chunk == b"":
                raise self._gone(None)
            if chunk:
                self._buf += chunk
                self._parse()
            if not block or len(self._waiting) <= want or not self._waiting:
                return
            if chunk is None:
                self._wait_readable()

    def _wait_readable(self) -> None:
        import select

        poller = select.poll()  # not select(): a run with over 1024 descriptors open is fine
        poller.register(self._from, select.POLLIN)
        poller.poll()

    def _parse(self) -> None:
        buf = self._buf
        done = 0
        while self._waiting and len(buf) - done >= _ANSWER.size:
            size_out, size_seal = _ANSWER.unpack_from(buf, done)
            seal_len = 0 if size_seal == _NO_SEAL else size_seal
            end = done + _ANSWER.size + size_out + seal_len
            if len(buf) < end:
                break
            start = done + _ANSWER.size
            out = bytes(buf[start : start + size_out])
            seal = None if size_seal == _NO_SEAL else bytes(buf[start + size_out : end])
            self._waiting.popleft().value = (out, seal)
            done = end
        if done:
            del buf[:done]

    def _gone(self, exc: OSError | None) -> FeedError:
        if self.failed is None:
            code = self._proc.poll()
            why = f"exit status {code}" if code is not None else (exc.strerror if exc is not None else "no answer")
            self.failed = FeedError(f"the compression process ended unexpectedly ({why})")
        return self.failed

    def close(self) -> None:
        """No more requests: the child ends when it reads the end of its input."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError):
            os.close(self._to)
        self._proc.stdin = None  # closed above
        try:
            self._proc.wait(5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        with contextlib.suppress(OSError):
            self._proc.stdout.close()  # type: ignore[union-attr]


class RemoteStream(PlainStream):
    """A part's codec, held by the compression process (compression.STREAMS has the real ones)."""

    compressed = True

    def __init__(self, process: CompressorProcess, name: str) -> None:
        self.process = process
        self.margin = STREAMS[name].margin
        self._seal: bytes | None = None
        process.request(b"N", name.encode())

    def compress(self, data: bytes) -> bytes:
        return self.process.request(b"C", data).result()[0]

    def sync(self) -> bytes:
        out, self._seal = self.process.request(b"S").result()
        return out

    def finish(self) -> bytes:
        return self.process.request(b"F").result()[0]

    def seal(self) -> bytes | None:
        """The seal of the last sync point taken through `sync` (the writer asks right after)."""
        return self._seal

    def submit(self, data: bytes | bytearray) -> Answer:
        """Compress `data` and take a sync point, without waiting: (output, seal) when answered."""
        return self.process.request(b"J", data)
