"""Private Redis and NATS servers on loopback: the real peers of the sink tests.

Debian's `redis-server` and `nats-server` (installed by scripts/install-system-packages,
their system services never started) run here as children of the test: each on a port the
kernel picked free on 127.0.0.1, with its data in a temporary folder, stopped by its pid.
A server can be stopped and started again on the same port with the same data (the
outage tests), which is why Redis runs with `appendonly yes` and `appendfsync always`:
without persistence a restart forgets everything, and "nothing lost" could not be told
from "Redis forgot".

Like the RabbitMQ helper (tests/support/broker.py), every process carries
`FEEDCLI_TEST_BROKER=<token>` so `stop` finds anything left by that token, and starts
under `setpriv --pdeathsig` so a killed test run takes its servers with it. Readiness is
checked on the wire by hand (RESP `PING`, the NATS `INFO` line), not through the client
libraries under test.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.broker import (
    MARKER,
    BrokerLeak,
    BrokerUnavailable,
    _parent_death_guard,
    ci_requires_broker,
    free_port,
    marked_pids,
)


def find_binary(name: str) -> str | None:
    """A server binary on PATH or in /usr/sbin (which may not be on PATH)."""
    return shutil.which(name) or next(
        (str(p) for d in ("/usr/sbin", "/usr/bin", "/usr/local/bin") if (p := Path(d) / name).exists()), None
    )


class Server:
    """One private server process; subclasses say how to start it and how to tell it is ready."""

    binary = ""
    package = ""

    def __init__(self) -> None:
        self.token = secrets.token_hex(6)
        self.port = 0
        self._tmp = tempfile.TemporaryDirectory(prefix=f"feedcli-{self.binary}-", ignore_cleanup_errors=True)
        self.dir = Path(self._tmp.name)
        self.proc: subprocess.Popen[bytes] | None = None
        self.path = find_binary(self.binary)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    def command(self) -> list[str]:
        raise NotImplementedError

    def ready(self) -> bool:
        raise NotImplementedError

    def start(self, timeout: float = 20.0) -> Server:
        """Start (again, on the same port and data, after `stop`); raise BrokerUnavailable if it can't."""
        if self.path is None:
            raise BrokerUnavailable(
                f"{self.binary} is not installed (Debian package {self.package}, which "
                "scripts/install-system-packages installs)"
            )
        again = bool(self.port)  # a restart keeps its port: the clients reconnect there
        for _attempt in range(3):
            self.port = self.port or free_port()
            path = os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            env = {"PATH": path, "LANG": "C.UTF-8", MARKER: self.token}
            log = (self.dir / "server.log").open("ab")
            with log:
                self.proc = subprocess.Popen(
                    [*_parent_death_guard(), *self.command()],
                    env=env,
                    cwd=self.dir,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            deadline = time.monotonic() + timeout
            while not self.ready():
                if self.proc.poll() is not None:
                    break
                if time.monotonic() > deadline:
                    self.stop()
                    raise BrokerUnavailable(f"{self.binary} not ready in {timeout:.0f} s:\n{self.log_tail()}")
                time.sleep(0.02)
            else:
                return self
            if again or "address already in use" not in self.log_tail().lower():
                raise BrokerUnavailable(f"{self.binary} exited ({self.proc.returncode}):\n{self.log_tail()}")
            self.port = 0  # another process took the port between our pick and the bind: pick again
        raise BrokerUnavailable(f"{self.binary}: no free port after 3 attempts")

    def stop(self, grace: float = 10.0) -> None:
        """Stop the server by its pid (SIGTERM, then SIGKILL); its data stays for a restart."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def kill(self) -> None:
        """Stop it the hard way (SIGKILL): no clean shutdown, as in a crash."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(5)

    def close(self) -> None:
        """Stop it, check nothing of it is left, remove its data."""
        self.stop()
        left = marked_pids(self.token)
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self._tmp.cleanup()
        if left:
            raise BrokerLeak(f"{self.binary} processes left after stop: {left}")

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join((self.dir / "server.log").read_text(errors="replace").splitlines()[-lines:])
        return ""

    def _ask(self, payload: bytes, expect: tuple[bytes, ...]) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1.0) as sock:
                if payload:
                    sock.sendall(payload)
                reply = sock.recv(4096)
        except OSError:
            return False
        return reply.startswith(expect)


class RedisServer(Server):
    """`redis-server` with append-only persistence, so a restart keeps what it confirmed."""

    binary = "redis-server"
    package = "redis-server"

    def __init__(self, *extra: str, password: str | None = None) -> None:
        super().__init__()
        self.extra = list(extra)
        self.password = password

    def command(self) -> list[str]:
        assert self.path is not None
        args = [
            self.path,
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.dir),
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", "always",
            "--daemonize", "no",
            "--logfile", "",
            *self.extra,
        ]  # fmt: skip
        if self.password is not None:
            args += ["--requirepass", self.password]
        return args

    def ready(self) -> bool:
        # a password-protected server answers PING with -NOAUTH: up all the same
        return self._ask(b"PING\r\n", (b"+PONG", b"-NOAUTH"))

    def url(self, path: str = "/0", query: str = "", *, auth: str = "") -> str:
        return f"redis://{auth}127.0.0.1:{self.port}{path}" + (f"?{query}" if query else "")

    def cli(self, *args: str) -> str:
        """`redis-cli` against this server (an independent client for checks)."""
        cli = find_binary("redis-cli")
        assert cli is not None
        auth = ["-a", self.password, "--no-auth-warning"] if self.password else []
        out = subprocess.run(
            [cli, "-h", "127.0.0.1", "-p", str(self.port), *auth, *args], capture_output=True, check=True, timeout=30
        )
        return out.stdout.decode()


class NatsServer(Server):
    """`nats-server` with JetStream, its store in the temporary folder."""

    binary = "nats-server"
    package = "nats-server"

    def __init__(self, *extra: str, user: str | None = None, password: str | None = None) -> None:
        super().__init__()
        self.extra = list(extra)
        self.user = user
        self.password = password

    def command(self) -> list[str]:
        assert self.path is not None
        args = [self.path, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.dir / "js"), *self.extra]
        if self.user is not None:
            args += ["--user", self.user, "--pass", self.password or ""]
        return args

    def ready(self) -> bool:
        return self._ask(b"", (b"INFO {",)) and "Server is ready" in self.log_tail(200)

    def url(self, query: str = "", *, auth: str = "") -> str:
        return f"nats://{auth}127.0.0.1:{self.port}" + (f"?{query}" if query else "")


def server_or_skip(server: Server) -> Iterator[Server]:
    """Fixture body: a started server, or a skip (a failure under CI=true) if it can't start."""
    try:
        server.start()
    except BrokerUnavailable as exc:
        server.close()
        if ci_requires_broker():
            pytest.fail(f"{server.binary} is required under CI=true: {exc}", pytrace=False)
        pytest.skip(f"no {server.binary}: {exc}")
    try:
        yield server
    finally:
        server.close()


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for 127.0.0.1 signed by it: (ca, cert, key)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise BrokerUnavailable("openssl is not installed")

    def sh(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=folder, check=True, capture_output=True, timeout=60)

    sh("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
       "-subj", "/CN=feedcli test CA")  # fmt: skip
    sh("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    sh("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
       "-out", "server.pem", "-days", "2", "-extfile", "san.ext")  # fmt: skip
    return folder / "ca.pem", folder / "server.pem", folder / "server.key"


class TlsRedisServer(RedisServer):
    """`redis-server` that speaks TLS only, with a certificate of a CA made for the test."""

    def __init__(self) -> None:
        super().__init__()
        self.ca, self.cert, self.key = make_certificates(self.dir)

    def command(self) -> list[str]:
        args = super().command()
        at = args.index("--port")
        args[at + 1] = "0"  # no plain-text port at all
        return [*args, "--tls-port", str(self.port), "--tls-cert-file", str(self.cert), "--tls-key-file",
                str(self.key), "--tls-ca-cert-file", str(self.ca), "--tls-auth-clients", "no"]  # fmt: skip

    def ready(self) -> bool:
        import ssl

        context = ssl.create_default_context(cafile=str(self.ca))
        try:
            with (
                socket.create_connection(("127.0.0.1", self.port), timeout=1.0) as raw,
                context.wrap_socket(raw, server_hostname="127.0.0.1") as sock,
            ):
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def url(self, path: str = "/0", query: str = "", *, auth: str = "") -> str:
        return f"rediss://{auth}127.0.0.1:{self.port}{path}" + (f"?{query}" if query else "")
