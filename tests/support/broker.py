"""A private RabbitMQ node with Web-STOMP on loopback: the real STOMP peer of the tests.

Why a real broker: our own simulators share `feedcli.stomp` with the client, so they
cannot tell whether our framing is standard STOMP or only what we expect of ourselves.
RabbitMQ's Web-STOMP plugin (Debian package ``rabbitmq-server``, installed by
``scripts/install-system-packages``) is an independent implementation.

How the node is kept private, so it neither clashes with a system RabbitMQ nor with
another test run on the same machine:

- every file (config, enabled plugins, cookie, database, logs) lives in a temporary
  folder, and ``/etc/rabbitmq/rabbitmq-env.conf`` is not read;
- the AMQP and STOMP-over-TCP listeners are switched off (``listeners.tcp = none``); the
  only client port is Web-STOMP's, on 127.0.0.1, chosen free by the kernel;
- Erlang distribution listens on 127.0.0.1 on a free port, and the node registers with
  an ``epmd`` of its own on another free port (``ERL_EPMD_PORT``) rather than the
  machine's one on 4369, which may belong to someone else and which we must not stop;
- that epmd is started here, in the foreground, so its pid is ours to stop (an epmd the
  Erlang VM starts by itself daemonises and is left behind by every ``erl``);
- both are started under ``setpriv --pdeathsig TERM`` where util-linux has it, so a test
  run killed outright (no finalizers) still takes its broker down with it.

Every process started here carries ``FEEDCLI_TEST_BROKER=<token>`` in its environment,
which every descendant inherits (a daemonised epmd included), so `stop` finds all of
them in ``/proc`` by that token, stops them by pid, and raises `BrokerLeak` if any
survives. Readiness is checked at the protocol level: a Web-STOMP CONNECT as guest that
gets CONNECTED, written by hand so a bug in `feedcli.stomp` cannot hide a broker fault.
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
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

__all__ = [
    "MARKER",
    "BrokerLeak",
    "BrokerUnavailable",
    "RabbitMQ",
    "ci_requires_broker",
    "find_server",
    "marked_pids",
    "port_open",
    "rabbitmq_or_skip",
]

#: The environment variable that tags every process a `RabbitMQ` starts.
MARKER = "FEEDCLI_TEST_BROKER"

#: Where Debian's package puts the real start script (``/usr/sbin/rabbitmq-server`` is a
#: wrapper that switches to the ``rabbitmq`` user and writes into ``/var/lib/rabbitmq``).
_SERVER_CANDIDATES = ("/usr/lib/rabbitmq/bin/rabbitmq-server",)
_SERVER_GLOB = "/usr/lib/rabbitmq/lib/rabbitmq_server-*/sbin/rabbitmq-server"

_CONNECT = "CONNECT\naccept-version:1.2\nhost:/\nlogin:guest\npasscode:guest\nheart-beat:0,0\n\n\x00"


class BrokerUnavailable(RuntimeError):
    """RabbitMQ is not installed here, or it did not start (the message says which)."""


class BrokerLeak(AssertionError):
    """A process the broker helper started was still running after `RabbitMQ.stop`."""


def find_server() -> Path | None:
    """The package's own ``rabbitmq-server`` script, not the user-switching sbin wrapper."""
    for candidate in _SERVER_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return Path(candidate)
    found = sorted(Path("/").glob(_SERVER_GLOB.lstrip("/")))
    return found[-1] if found else None


def _parent_death_guard() -> list[str]:
    """A prefix that sends the child SIGTERM when we die, so a killed run leaves no broker.

    ``setpriv --pdeathsig`` (util-linux, essential in Debian) sets prctl(PR_SET_PDEATHSIG)
    and execs, keeping the pid; rather than a `preexec_fn`, which is unsafe once threads
    exist. The start script traps SIGTERM and stops the VM cleanly. Note the signal comes
    when the *thread* that started the child ends: start the broker from a long-lived one.
    """
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return []
    probe = subprocess.run([setpriv, "--pdeathsig", "TERM", "--", "true"], capture_output=True, check=False)
    return [setpriv, "--pdeathsig", "TERM", "--"] if probe.returncode == 0 else []


def ci_requires_broker() -> bool:
    """Whether a missing broker is a failure: under CI (``CI=true``, as CI services set it)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def free_port() -> int:
    """A port the kernel says is free on 127.0.0.1 now (a race is retried by `start`)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def marked_pids(token: str) -> list[int]:
    """Live processes whose environment holds ``FEEDCLI_TEST_BROKER=<token>``.

    Zombies (already exited, not yet reaped) have an empty environ and are not counted.
    """
    needle = f"{MARKER}={token}".encode()
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if needle in environ.split(b"\x00"):
            found.append(int(entry.name))
    return sorted(found)


def _describe(pid: int) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\x00", b" ").decode(errors="replace")
    except OSError:
        cmd = "?"
    return f"{pid} {cmd[:100].strip()}"


def _wait_gone(pids: list[int], token: str, timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    while True:
        left = [pid for pid in pids if pid in marked_pids(token)]
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.05)


def port_open(port: int) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:`port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class RabbitMQ:
    """One private RabbitMQ node; `start` it, use `ws_url`, then `stop` it (or use `with`)."""

    #: under the tests' 60 s timeout, so a node that never comes up is reported, not timed out
    start_timeout: float = 40.0
    token: str = field(default_factory=lambda: secrets.token_hex(6))
    web_stomp_port: int = 0
    dist_port: int = 0
    epmd_port: int = 0
    workdir: Path | None = None
    #: processes that outlived the node and its epmd and were found by their token
    strays: list[str] = field(default_factory=list)
    #: processes that did not stop on SIGTERM within the grace period and had to be killed
    forced: list[str] = field(default_factory=list)
    #: seconds from `start` to the first CONNECTED
    startup_seconds: float = 0.0
    _server: subprocess.Popen[bytes] | None = None
    _epmd: subprocess.Popen[bytes] | None = None
    _tmp: tempfile.TemporaryDirectory[str] | None = None

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.web_stomp_port}/ws"

    @property
    def epmd_pid(self) -> int | None:
        """The pid of the node's own epmd while it runs (started here, stopped by `stop`)."""
        return self._epmd.pid if self._epmd is not None else None

    @property
    def node(self) -> str:
        return f"feedcli-{self.token}@localhost"

    # -- start ------------------------------------------------------------------------------

    def start(self, attempts: int = 3) -> RabbitMQ:
        """Start the node and wait for a Web-STOMP CONNECTED; retry if a chosen port was taken.

        Raises BrokerUnavailable (with the node's log) if it is not installed or not up in
        `start_timeout`; whatever was started by then is stopped first.
        """
        server = find_server()
        if server is None or shutil.which("epmd") is None:
            raise BrokerUnavailable(
                "RabbitMQ is not installed (Debian package rabbitmq-server, which "
                "scripts/install-system-packages installs)"
            )
        if not Path("/proc/self/environ").exists():
            raise BrokerUnavailable("the broker helper needs Linux /proc to find and stop its processes")
        began = time.monotonic()
        for attempt in range(1, attempts + 1):
            try:
                self._start_once(server)
            except BrokerUnavailable as exc:
                self.stop()
                # another process took a port between our pick and the node's bind: pick again
                if attempt == attempts or "eaddrinuse" not in str(exc).lower():
                    raise
                continue
            self.startup_seconds = time.monotonic() - began
            return self
        raise AssertionError("unreachable")

    def _start_once(self, server: Path) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="feedcli-rabbitmq-", ignore_cleanup_errors=True)
        work = self.workdir = Path(self._tmp.name)
        self.web_stomp_port, self.dist_port, self.epmd_port = free_port(), free_port(), free_port()
        (work / "rabbitmq.conf").write_text(
            "\n".join(
                [
                    "listeners.tcp = none",  # no AMQP port: nothing to clash with
                    "stomp.listeners.tcp = none",  # STOMP over TCP: not used, Web-STOMP only
                    "web_stomp.tcp.ip = 127.0.0.1",
                    f"web_stomp.tcp.port = {self.web_stomp_port}",
                    "log.console = false",
                    "log.file.level = info",
                    "",
                ]
            )
        )
        (work / "enabled_plugins").write_text("[rabbitmq_stomp,rabbitmq_web_stomp].\n")
        (work / "rabbitmq-env.conf").write_text("")  # so /etc/rabbitmq/rabbitmq-env.conf is not read
        loopback_dist = "-kernel inet_dist_use_interface {127,0,0,1}"
        env = {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(work),  # the Erlang cookie is written here
            MARKER: self.token,
            "ERL_EPMD_PORT": str(self.epmd_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": loopback_dist,
            "RABBITMQ_CONF_ENV_FILE": str(work / "rabbitmq-env.conf"),
            "RABBITMQ_CONFIG_FILE": str(work / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(work / "advanced.config"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(work / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(work / "mnesia"),
            "RABBITMQ_LOG_BASE": str(work / "log"),
            "RABBITMQ_PID_FILE": str(work / "rabbitmq.pid"),
        }
        guard = _parent_death_guard()
        log = (work / "server.out").open("wb")
        with log:
            self._epmd = subprocess.Popen(
                [*guard, "epmd", "-port", str(self.epmd_port), "-address", "127.0.0.1"],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self._wait_for(lambda: port_open(self.epmd_port), "epmd to listen", 10.0, self._epmd, "epmd")
            self._server = subprocess.Popen(
                [*guard, str(server)],
                env=env,
                cwd=work,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_for(
            self._stomp_connected, "a Web-STOMP CONNECTED", self.start_timeout, self._server, "rabbitmq-server"
        )

    def _wait_for(
        self, ready: Callable[[], bool], what: str, timeout: float, proc: subprocess.Popen[bytes], name: str
    ) -> None:
        """Poll `ready`; fail at once with the log if `proc` exits, or when `timeout` passes."""
        deadline = time.monotonic() + timeout
        while not ready():
            if proc.poll() is not None:
                raise BrokerUnavailable(f"{name} exited ({proc.returncode}) before {what}:\n{self.log_tail()}")
            if time.monotonic() >= deadline:
                raise BrokerUnavailable(f"no {what} within {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.1)

    def _stomp_connected(self) -> bool:
        if not port_open(self.web_stomp_port):
            return False
        from websockets.sync.client import connect

        try:
            with connect(self.ws_url, subprotocols=["v12.stomp"], open_timeout=5, close_timeout=1) as ws:  # type: ignore[list-item]
                ws.send(_CONNECT)
                reply = ws.recv(timeout=5)
        except Exception:  # not up yet: refused, reset, closed, a 404 before the route exists
            return False
        return str(reply).startswith("CONNECTED\n")

    def log_tail(self, lines: int = 30) -> str:
        """The end of the node's own log and its stdout, for a failure message."""
        if self.workdir is None:
            return ""
        parts = []
        for path in [self.workdir / "server.out", *sorted((self.workdir / "log").glob("*.log"))]:
            with contextlib.suppress(OSError):
                text = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(parts)

    # -- stop -------------------------------------------------------------------------------

    def stop(self, grace: float = 20.0) -> None:
        """Stop the node, then epmd, then anything else carrying our token; raise if one survives.

        The node first (SIGTERM to the start script, which stops the VM cleanly: about a
        second), epmd after it so the node can unregister. Every pid is signalled on its
        own, and only pids found with our token.
        """
        if self._server is not None:
            self._terminate(self._server, grace)
        if self._epmd is not None:
            self._terminate(self._epmd, grace)
        rest = marked_pids(self.token)
        for pid in rest:
            self.strays.append(_describe(pid))
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        rest = _wait_gone(rest, self.token, grace)
        for pid in rest:
            self.forced.append(_describe(pid))
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        left = _wait_gone(rest, self.token, 5.0)
        self._server = self._epmd = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        if left:
            raise BrokerLeak(f"broker processes still running after stop: {[_describe(p) for p in left]}")

    def _terminate(self, proc: subprocess.Popen[bytes], grace: float) -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.forced.append(_describe(proc.pid))
                proc.kill()
                proc.wait(5)

    def __enter__(self) -> RabbitMQ:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def rabbitmq_or_skip() -> Iterator[RabbitMQ]:
    """Fixture body: a started node, or a skip (a failure under ``CI=true``) if there is none.

    Teardown raises `BrokerLeak` if any process of the node outlives it, so a leak fails
    the session loudly instead of piling up daemons on the machine.
    """
    broker = RabbitMQ()
    try:
        broker.start()
    except BrokerUnavailable as exc:
        if ci_requires_broker():
            pytest.fail(f"the real STOMP broker is required under CI=true: {exc}", pytrace=False)
        pytest.skip(f"no real STOMP broker: {exc}")
    try:
        yield broker
    finally:
        broker.stop()  # raises BrokerLeak if anything outlives even SIGKILL
    if broker.forced:
        # On a loaded machine the start script's own `rabbitmqctl stop` can outlast the
        # grace period; what matters is that nothing is left, which stop() has checked.
        warnings.warn(f"broker processes needed SIGKILL to stop: {broker.forced}", stacklevel=1)
