"""A local HT Data Engine: login, the TSE & IFB endpoints and the IME endpoints on one port.

It serves what the real core.hedgetech.ir serves, as far as the source documents and the
official SDK show it (../shared/notes/protocols.md, "HT Data Engine"), so that feedcli, and
users' own scripts, can be run against it unchanged with only the base URL swapped:

- `POST /auth/user/token/issue`, form-encoded, with either field pair the sources use
  (`UserName_or_Email`/`Password` or `username`/`password`) → 201 `{"Authorization": jwt}`.
- The four WebSocket endpoints. The JWT is checked at the handshake; a refusal accepts the
  WebSocket and then closes it with 1008 and a reason, as the real server does.
- Messages are encoded by the same codec modules the client parses with (`tse`, `ime`), sent
  as text frames, only when a payload changes, and never as a snapshot on connect.

Data comes from one seeded `HTMarket` shared by all connections, stepped by one producer task
at `rate` market events per second. Each event changes one to seven payloads; each connection
gets those it subscribed to. The producer never waits for a connection: every connection has a
bounded queue and its own sender task, and a connection whose queue overflows is closed with
1013 "client too slow" (or, if even the close frame cannot be written within 2 s, its TCP
connection is aborted). 1013 (try again later), not 1008, because feedcli reads every 1008 as a
final refusal (`providers.ht.refusal`) while a slow reader should reconnect, not exit.

Faults can be injected for testing clients (all off by default; see `Faults`).

The market is `ht_market.py`, the universe `ht_universe.py`; what is left here, about 600
lines, is one server: login, the handshake checks, subscriptions and the fan-out, which share
the connections' state.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any, Literal, cast

import jwt
import orjson
from aiohttp import WSMsgType, web

from feedcli.errors import UsageError
from feedcli.providers import ht, ime, tse
from feedcli.providers.base import Refusal
from feedcli.simulators.base import LoopbackServer, cancelled, malformed_frame, positive_rate
from feedcli.simulators.ht_market import HTMarket, MarketUpdate, tehran_timestamp
from feedcli.simulators.ht_universe import (
    IME_UNIVERSE,
    TSE_UNIVERSE,
    Contract,
    Instrument,
    synthetic_contract,
    synthetic_instrument,
)
from feedcli.timeouts import within
from feedcli.timers import LOOP_TIMER, Timer, on_schedule

log = logging.getLogger(__name__)

#: close reasons, one place so that tests and docs can name them
REASON_MISSING_TOKEN = "Missing token"
REASON_INVALID_TOKEN = "Invalid token"
REASON_EXPIRED_TOKEN = "Token expired"
REASON_TOO_SLOW = "client too slow"
REASON_SHUTDOWN = "server shutting down"
#: close code for a client whose queue overflowed (try again later: the client should reconnect)
TRY_AGAIN_LATER = 1013
GOING_AWAY = 1001
#: a close reason may hold at most 123 bytes of UTF-8 (RFC 6455, 5.5)
_MAX_REASON_BYTES = 123

Family = Literal["tse", "ime"]


def _statuses(text: str | None) -> list[int]:
    """`--login-errors 429,503` → [429, 503]."""
    if not text:
        return []
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UsageError(f"--login-errors wants HTTP statuses like 429,503, not {text!r}") from None


@dataclass(frozen=True)
class Faults:
    """Misbehaviour to inject, per connection, for testing clients. Everything is off by default.

    - `drop_after`: after N data messages on a connection, abort its TCP connection, with no
      close frame (what a crashed server or a cut network looks like).
    - `stall_after`: after N data messages, send no more data on that connection, but keep it
      open and keep answering pings (what a stuck upstream feed looks like: only a data
      watchdog notices).
    - `malformed_every`: every Nth frame sent on a connection is malformed (alternately
      truncated JSON and an envelope without `data`); the good message it displaced is sent
      right after it, so no good message is lost.
    - `login_errors`: the first len(list) login requests are answered with these HTTP
      statuses, in order (e.g. `[429, 503]`), with a JSON `detail`, and `Retry-After: 1` on 429
      and 503.
    """

    drop_after: int | None = None
    stall_after: int | None = None
    malformed_every: int | None = None
    login_errors: tuple[int, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "login_errors", tuple(int(s) for s in self.login_errors))
        for name in ("drop_after", "stall_after", "malformed_every"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be a positive number of messages, not {value}")
        for status in self.login_errors:
            if not 400 <= status <= 599:
                raise ValueError(f"login_errors must be HTTP error statuses (400-599), not {status}")


class _Client:
    """One subscribed WebSocket connection, seen from the producer and its sender task."""

    __slots__ = ("by", "family", "frames", "keys", "malformed", "queue", "sender", "sent", "transport", "ws")

    def __init__(
        self,
        ws: web.WebSocketResponse,
        transport: asyncio.BaseTransport | None,
        family: Family,
        by: str,
        queue_size: int,
    ) -> None:
        self.ws = ws
        self.transport = transport
        self.family = family
        self.by = by
        self.queue: asyncio.Queue[str] = asyncio.Queue(queue_size)
        #: the (instrument key, channel) pairs this client is registered under
        self.keys: list[tuple[str, str]] = []
        self.sender: asyncio.Task[None] | None = None
        #: data messages sent, and frames sent (data and malformed), for the fault counters
        self.sent = 0
        self.frames = 0
        self.malformed = 0


def _reason_bytes(reason: str) -> bytes:
    """A close reason cut to the protocol's 123 bytes without splitting a UTF-8 character."""
    return reason.encode()[:_MAX_REASON_BYTES].decode(errors="ignore").encode()


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class HTSimulator(LoopbackServer):
    """A local HT Data Engine on one port: `await start()` → base URL, `await stop()`.

    Also an async context manager. `rate` is market events per second; `seed` fixes the data;
    `user`/`password` are the one account; tokens live `token_ttl` seconds. `queue_size` bounds
    each connection's backlog (in messages). `compress=False` refuses permessage-deflate (the
    real server offers it; turning it off makes a benchmark measure the client, not zlib).
    `send_buffer` sets each WebSocket's kernel send buffer (SO_SNDBUF) in bytes: small values
    make a slow reader back up within milliseconds, which tests need. `approved=False` makes the account "not approved
    by an admin" (login answers 403). `clock` returns the current UTC time for timestamps.
    Any well-formed ISIN, name, contract id or contract name is served, the listed ones as
    listed and any other as a synthetic instrument seeded by it (`ht_universe`);
    `strict_universe=True` serves the listed ones only and refuses the others with 1008.
    """

    faults_class = Faults

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        rate: float = 20.0,
        seed: int = 1,
        user: str = "demo",
        password: str = "demo",
        token_ttl: float = 43_200.0,
        faults: Faults | None = None,
        *,
        queue_size: int = 4_096,
        compress: bool = True,
        send_buffer: int | None = None,
        secret: str | None = None,
        approved: bool = True,
        instruments: tuple[Instrument, ...] = TSE_UNIVERSE,
        contracts: tuple[Contract, ...] = IME_UNIVERSE,
        clock: Callable[[], datetime] = _utcnow,
        family: Family | None = None,
        strict_universe: bool = False,
        timer: Timer = LOOP_TIMER,
    ) -> None:
        rate = positive_rate(rate)
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        super().__init__(host, port)
        self.rate = rate
        self.seed = seed
        self.user = user
        self.password = password
        self.token_ttl = float(token_ttl)
        self.faults = faults or Faults()
        self.approved = approved
        #: serve the listed instruments and contracts only (else any well-formed identifier too)
        self.strict_universe = strict_universe
        #: the family `listing` names first (the one `feedcli simulate` was asked for)
        self.family = family
        self._queue_size = queue_size
        self._compress = compress
        self._send_buffer = send_buffer
        # Derived from the seed, not random: a token issued before a restart of the simulator
        # stays valid after it, as a real server's would, so reconnects can be tested.
        self._secret = secret or hashlib.sha256(f"feedcli-simulator-ht-{seed}".encode()).hexdigest()
        self._clock = clock
        #: what the market's schedule runs on (a virtual timer in tests)
        self.timer = timer
        self._market = HTMarket(seed, instruments, contracts)
        self._isins = {i.isin: i for i in self._market.instruments}
        self._names = {i.name: i for i in self._market.instruments}
        self._contract_ids = {c.contract_id: c for c in self._market.contracts}
        self._contract_names = {c.name: c for c in self._market.contracts}
        self._listed_isins = frozenset(self._isins)
        #: instrument key → how many subscribed connections hold it (synthetic ones are
        #: stepped while held)
        self._holders: dict[str, int] = {}
        #: (instrument key, channel) → the clients subscribed to it (a dict as an ordered set)
        self._index: dict[tuple[str, str], dict[_Client, None]] = {}
        self._clients: set[_Client] = set()
        self._logins = 0
        self._events = 0
        self._producer: asyncio.Task[None] | None = None

    # ---- what the CLI shows ------------------------------------------------------------------

    @property
    def instruments(self) -> tuple[Instrument, ...]:
        """The TSE & IFB instruments served (subscribe by `isin` or `name`)."""
        return self._market.instruments

    @property
    def contracts(self) -> tuple[Contract, ...]:
        """The IME contracts served (subscribe by `contract_id` or `name`)."""
        return self._market.contracts

    @property
    def market(self) -> HTMarket:
        """The market served (read it, for tests and tools; the producer steps it)."""
        return self._market

    @property
    def connections(self) -> int:
        """Subscribed WebSocket connections open now."""
        return len(self._clients)

    @property
    def events(self) -> int:
        """Market events performed since start (what `rate` paces)."""
        return self._events

    @classmethod
    def from_options(cls, host: str, port: int, values: Mapping[str, Any], **extra: Any) -> HTSimulator:
        """As every simulator's, with `--login-errors 429,503` read into statuses."""
        statuses = {**values, "login_errors": _statuses(values.get("login_errors"))}
        simulator: HTSimulator = super().from_options(host, port, statuses, **extra)
        return simulator

    def banner(self) -> str:
        """The first line `feedcli simulate` prints on stderr (CONTRACT.md, `simulate`)."""
        return f"feedcli simulate: serving HT Data Engine at {self.url} user {self.user} password {self.password}"

    @property
    def tse_instruments(self) -> tuple[Instrument, ...]:
        """Alias of `instruments`, for callers that name both families side by side."""
        return self.instruments

    @property
    def ime_contracts(self) -> tuple[Contract, ...]:
        """Alias of `contracts`."""
        return self.contracts

    def listing(self, family: str | None = None) -> list[str]:
        """Lines telling the user what can be subscribed, printed after the banner.

        One port serves both families, so both are always listed; `family` ("tse" or "ime"),
        the one the user asked to simulate, comes first (default: the one it was made for).
        """
        family = family or self.family
        tse_lines = ["TSE & IFB (feedcli stream tse --isin ISIN... or --name NAME...):"]
        for ins in self.instruments:
            extra = [c for c in ins.channels if c in ("fund-info", "contract-info")]
            tse_lines.append(f"  {ins.isin}  {ins.name}  {ins.kind}" + (f" ({extra[0]})" if extra else ""))
        ime_lines = ["IME (feedcli stream ime --contract-id ID... or --contract-name NAME...):"]
        ime_lines.extend(f"  {c.contract_id}  {c.name}" for c in self.contracts)
        lines = ime_lines + tse_lines if family == "ime" else tse_lines + ime_lines
        if self.strict_universe:
            lines.append("Only these are served (--strict-universe): any other symbol or contract is refused (1008).")
        else:
            lines.append(
                "Any other well-formed ISIN, name, contract id or contract name is served too, "
                "its market seeded by it (--strict-universe: only these)."
            )
        return lines

    def issue_token(self, ttl: float | None = None, *, user: str | None = None) -> str:
        """A token as the login endpoint issues it; a negative `ttl` gives an expired one."""
        now = int(time.time())
        lifetime = self.token_ttl if ttl is None else ttl
        name = user or self.user
        claims = {"sub": name, "username": name, "iat": now, "exp": now + int(lifetime)}
        return jwt.encode(claims, self._secret, algorithm="HS256")

    # ---- life cycle --------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(ht.LOGIN_PATH, self._login)
        for suffix in tse.ENDPOINTS:
            app.router.add_get(f"{tse.PATH}/{suffix}", self._tse_socket)
        for suffix in ime.ENDPOINTS:
            app.router.add_get(f"{ime.PATH}/{suffix}", self._ime_socket)
            # the IME document's own examples connect to the service's root
            app.router.add_get(f"{ime.DOCUMENT_PATH}/{suffix}", self._ime_socket)

    async def on_started(self) -> None:
        self._producer = asyncio.ensure_future(self._produce())
        self._producer.add_done_callback(self._producer_done)

    async def on_stopping(self) -> None:
        """Stop the market, then close every connection (1001)."""
        await cancelled(self._producer)
        self._producer = None
        await asyncio.gather(
            *(self._kick(c, GOING_AWAY, REASON_SHUTDOWN) for c in list(self._clients)),
            return_exceptions=True,
        )

    # ---- login -------------------------------------------------------------------------------

    async def _login(self, request: web.Request) -> web.Response:
        """The token endpoint: 201 with a JWT, 401 for bad credentials, 422 for missing fields."""
        self._logins += 1
        if self._logins <= len(self.faults.login_errors):
            status = self.faults.login_errors[self._logins - 1]
            headers = {"Retry-After": "1"} if status in (429, 503) else None
            return _json({"detail": _phrase(status)}, status, headers)
        form = await request.post()
        user = form.get("UserName_or_Email", form.get("username"))
        password = form.get("Password", form.get("password"))
        if not isinstance(user, str) or not isinstance(password, str) or not user:
            return _json(
                {"detail": "UserName_or_Email and Password (or username and password) are required"},
                422,
            )
        if not (
            secrets.compare_digest(user.encode(), self.user.encode())
            and secrets.compare_digest(password.encode(), self.password.encode())
        ):
            return _json({"detail": "Invalid username or password"}, 401)
        if not self.approved:
            return _json({"detail": "Account is not approved by an admin"}, 403)
        return _json({"Authorization": self.issue_token()}, 201)

    def _token_problem(self, header: str | None) -> str | None:
        """Why a handshake's Authorization header is refused, or None if it is good."""
        if header is None or not header.strip():
            return REASON_MISSING_TOKEN
        token = header.strip()
        scheme, _, rest = token.partition(" ")
        if scheme.lower() == "bearer":
            token = rest.strip()
        try:
            jwt.decode(token, self._secret, algorithms=["HS256"], options={"require": ["exp"]})
        except jwt.ExpiredSignatureError:
            return REASON_EXPIRED_TOKEN
        except jwt.InvalidTokenError:
            return REASON_INVALID_TOKEN
        return None

    # ---- WebSocket endpoints -----------------------------------------------------------------

    async def _tse_socket(self, request: web.Request) -> web.StreamResponse:
        return await self._socket(request, "tse")

    async def _ime_socket(self, request: web.Request) -> web.StreamResponse:
        return await self._socket(request, "ime")

    def _subscribe_keys(self, family: Family, request: web.Request) -> tuple[str, list[tuple[str, str]]]:
        """The endpoint (`by`) and the (instrument key, channel) pairs a request asks for.

        Raises Refusal with the reason the real server gives: the codec's for a bad channel,
        ours for a symbol or contract not served (naming it, so feedcli exits 4). What is
        served but not listed starts moving in the market here.
        """
        if family == "tse":
            sub = tse.parse_request_target(request.path, request.query_string)
            table = self._isins if sub.by == "isin" else self._names
            symbols = list(dict.fromkeys(sub.symbols))
            keys = self._served("tse", sub.by, table, symbols, "symbol")
            channels = tuple(dict.fromkeys(sub.channels))
            return sub.by, [(keys[s], c) for s in symbols for c in channels]
        isub = ime.parse_request_target(request.path, request.query_string)
        ctable = self._contract_ids if isub.by == "id" else self._contract_names
        contracts = list(dict.fromkeys(isub.contracts))
        ckeys = self._served("ime", isub.by, ctable, contracts, "contract")
        return isub.by, [(ckeys[c], ime.CHANNEL) for c in contracts]

    def _served(
        self, family: Family, by: str, table: Mapping[str, Any], identifiers: list[str], what: str
    ) -> dict[str, str]:
        """The market key of each identifier (listed, else synthesized), now moving in the market;
        Refusal `Invalid {what}: ...` naming those that are neither."""
        found = {i: self._lookup(table, i) or self._synthesize(family, by, i) for i in identifiers}
        unknown = [i for i, spec in found.items() if spec is None]
        if unknown:
            raise Refusal(f"Invalid {what}: {', '.join(unknown)}")
        return self._add_to_market(found)

    @staticmethod
    def _lookup(table: Mapping[str, Any], identifier: str) -> Any:
        """`table[identifier]`, None if absent (`in` and `[]`, not `get`: the replay server's
        tables answer through `__contains__` and `__missing__`)."""
        return table[identifier] if identifier in table else None  # noqa: SIM401

    def _synthesize(self, family: Family, by: str, identifier: str) -> Instrument | Contract | None:
        """The synthetic instrument a well-formed identifier outside the listed universe stands
        for; None if it is malformed, or if only the listed universe is served."""
        if self.strict_universe:
            return None
        if family == "tse":
            return synthetic_instrument(self.seed, cast(Any, by), identifier, self._listed_isins)
        return synthetic_contract(self.seed, cast(Any, by), identifier)

    def _add_to_market(self, found: Mapping[str, Any]) -> dict[str, str]:
        """Start moving the synthetic ones of what a subscription found; identifier → key."""
        for spec in found.values():
            if isinstance(spec, Instrument | Contract) and spec.synthetic:
                self._market.add(spec)
        return {identifier: spec.key for identifier, spec in found.items()}

    async def _socket(self, request: web.Request, family: Family) -> web.StreamResponse:
        """Accept, check token and subscription (close 1008 if refused), then stream."""
        ws = web.WebSocketResponse(timeout=2.0, max_msg_size=1 << 20, compress=self._compress)
        await ws.prepare(request)
        if self._send_buffer is not None and request.transport is not None:
            sock = request.transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self._send_buffer)
        try:
            problem = self._token_problem(request.headers.get("Authorization"))
            if problem is not None:
                raise Refusal(problem, auth=True)
            by, keys = self._subscribe_keys(family, request)
        except Refusal as refusal:
            await ws.close(code=ht.POLICY_VIOLATION, message=_reason_bytes(refusal.reason))
            return ws
        client = _Client(ws, request.transport, family, by, self._queue_size)
        self._register(client, keys)
        client.sender = asyncio.ensure_future(self._send_loop(client))
        try:
            # Reading is what answers pings (aiohttp's autoping) and notices the client's close;
            # whatever else a client sends is ignored, as the real server does.
            async for msg in ws:
                if msg.type == WSMsgType.ERROR:
                    break
        finally:
            self._unregister(client)
            client.sender.cancel()
            # gather, not a bare await: the sender's own cancellation is expected and is
            # swallowed, while a cancellation of this handler still propagates.
            await asyncio.gather(client.sender, return_exceptions=True)
        return ws

    def _register(self, client: _Client, keys: list[tuple[str, str]]) -> None:
        self._clients.add(client)
        client.keys = keys
        for key in keys:
            self._index.setdefault(key, {})[client] = None
        for instrument in dict.fromkeys(k for k, _ in keys):
            self._holders[instrument] = self._holders.get(instrument, 0) + 1

    def _unsubscribe(self, client: _Client) -> None:
        """Stop routing data to a client (it may stay open, as a stalled one does)."""
        for key in client.keys:
            subscribers = self._index.get(key)
            if subscribers is not None:
                subscribers.pop(client, None)
                if not subscribers:
                    del self._index[key]
        for instrument in dict.fromkeys(k for k, _ in client.keys):
            held = self._holders.get(instrument, 0) - 1
            if held > 0:
                self._holders[instrument] = held
            else:
                self._holders.pop(instrument, None)
                self._market.release(instrument)  # a synthetic one stops moving; a listed one goes on
        client.keys = []

    def _unregister(self, client: _Client) -> None:
        self._unsubscribe(client)
        self._clients.discard(client)

    # ---- data flow ---------------------------------------------------------------------------

    async def _produce(self) -> None:
        """Step the market on a fixed schedule (timers.on_schedule), `rate` events per second, and fan out."""

        def step(due: int) -> None:
            for _ in range(due):
                now = self._clock()
                self._fan_out(self._market.step(now), tehran_timestamp(now))
            self._events += due

        await on_schedule(self.timer, self.rate, step)

    def _producer_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("HT simulator: the market producer stopped", exc_info=task.exception())

    def _fan_out(self, updates: list[MarketUpdate], timestamp: str) -> None:
        """Queue each update for its subscribers, encoding it once per endpoint kind."""
        for instrument, channel, data in updates:
            subscribers = self._index.get((instrument.key, channel))
            if not subscribers:
                continue
            frames: dict[str, str] = {}
            for client in tuple(subscribers):
                frame = frames.get(client.by)
                if frame is None:
                    frame = self._encode(client, instrument, channel, timestamp, data)
                    frames[client.by] = frame
                try:
                    client.queue.put_nowait(frame)
                except asyncio.QueueFull:
                    self._unregister(client)
                    self.spawn(self._kick(client, TRY_AGAIN_LATER, REASON_TOO_SLOW))

    @staticmethod
    def _encode(
        client: _Client, instrument: Instrument | Contract, channel: str, timestamp: str, data: dict[str, Any]
    ) -> str:
        if isinstance(instrument, Instrument):
            symbol = instrument.isin if client.by == "isin" else instrument.name
            return tse.encode_message(cast(tse.By, client.by), symbol, channel, timestamp, data).decode()
        contract = instrument.contract_id if client.by == "id" else instrument.name
        return ime.encode_message(cast(ime.By, client.by), contract, timestamp, data).decode()

    async def _send_loop(self, client: _Client) -> None:
        """Drain one client's queue onto its socket, applying the faults."""
        faults, ws = self.faults, client.ws
        try:
            while True:
                frame = await client.queue.get()
                if faults.malformed_every is not None:
                    client.frames += 1
                    if client.frames % faults.malformed_every == 0:
                        await ws.send_str(self._malformed(client, frame))
                        client.frames += 1
                await ws.send_str(frame)
                client.sent += 1
                if faults.drop_after is not None and client.sent >= faults.drop_after:
                    self._unregister(client)
                    if client.transport is not None:
                        client.transport.abort()
                    return
                if faults.stall_after is not None and client.sent >= faults.stall_after:
                    # Stop routing data here; the handler keeps reading, so pings still get pongs.
                    self._unsubscribe(client)
                    return
        except (ConnectionError, RuntimeError):
            # The client went away while we wrote; the handler notices and cleans up.
            self._unsubscribe(client)

    @staticmethod
    def _malformed(client: _Client, frame: str) -> str:
        """A frame a client must reject: truncated JSON, or a valid envelope without `data`."""
        client.malformed += 1
        return malformed_frame(frame, client.malformed)

    async def _kick(self, client: _Client, code: int, reason: str) -> None:
        """Close one client with a code and reason; abort it if the close cannot be written."""
        self._unregister(client)
        if client.sender is not None and client.sender is not asyncio.current_task():
            client.sender.cancel()
        try:
            await within(client.ws.close(code=code, message=_reason_bytes(reason)), 2.0)
        except (asyncio.TimeoutError, ConnectionError, RuntimeError):
            if client.transport is not None:
                client.transport.abort()


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def _json(body: Any, status: int, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, headers=headers, content_type="application/json")
