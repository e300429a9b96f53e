"""What HT Data Engine's two families (TSE & IFB, IME) share.

One login, one message envelope (`channel`, an identifier field, `timestamp`, `data`),
one way of refusing a connection (close 1008 with a reason). Kept here so `tse.py` and
`ime.py` each hold only what is theirs: paths, parameters and identifier fields.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone, tzinfo
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, quote_plus

import msgspec
import orjson

from feedcli import market
from feedcli.credentials import TokenLogin
from feedcli.errors import AuthError, FeedError, MalformedFrame, ProviderError, SubscriptionError
from feedcli.events import DataEvent, Event, epoch_iso
from feedcli.providers.base import (
    Codec,
    Frame,
    Handshake,
    HttpRequest,
    HttpResponse,
    OneRequestCodec,
    SelectorOption,
    http_url,
)
from feedcli.providers.record import DROP_AFTER, MALFORMED_EVERY, SEED, Replay, SimOption, Simulator, lazy, rate_option
from feedcli.wallclock import ToUtc

PRODUCTION_URL = "https://core.hedgetech.ir"
LOGIN_PATH = "/auth/user/token/issue"
#: close code for every refusal (bad token, symbol, contract or channel)
POLICY_VIOLATION = 1008
#: the reason of the 1000 close with which `feedcli replay --serve` ends a recording
END_OF_RECORDING = "end of recording"

#: one IME README revision asks for `Authorization: Bearer <jwt>`; the SDK sends the raw token
BEARER_OPTION = SelectorOption(
    "--bearer", "bearer", "Send 'Authorization: Bearer <token>' instead of the raw token.", is_flag=True
)

_SUBSCRIPTION_WORDS = re.compile(r"symbol|isin|contract|channel|instrument|subscri", re.IGNORECASE)
_AUTH_WORDS = re.compile(r"token|auth|jwt|credential|expired|signature|permission|login", re.IGNORECASE)


def login_form(user: str, password: str) -> dict[str, str]:
    """The token request's form: both field pairs, the official client's and the document's."""
    return {"UserName_or_Email": user, "Password": password, "username": user, "password": password}


def token_from_login(body: object) -> str | None:
    """The JWT in a successful login's JSON body (`{"Authorization": "<jwt>"}`), if any."""
    if isinstance(body, dict):
        token = body.get("Authorization")
        if isinstance(token, str) and token.strip():
            return token.strip()
    return None


#: what a login refusal says instead of a server's text that repeats the submitted password
WITHHELD = "(the server's answer repeats the password sent; not shown)"


def login_detail(status: int, body: bytes, password: str) -> str:
    """What a refused login's answer says (its `detail`, else its text, else the status's
    phrase), never the password: a server that echoes the form would put it on stderr."""
    text = ""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        text = body[:200].decode("utf-8", "replace").strip()
    else:
        detail = parsed.get("detail") if isinstance(parsed, dict) else None
        if isinstance(detail, str):
            text = detail
        elif isinstance(detail, list):  # FastAPI's validation errors: [{"msg": ...}, ...]
            text = "; ".join(str(d.get("msg", d)) if isinstance(d, dict) else str(d) for d in detail)
        elif detail:
            text = orjson.dumps(detail).decode()
    text = text.strip()
    if password and any(form in text for form in _spellings(password)):
        return WITHHELD
    if not text:
        try:
            return HTTPStatus(status).phrase
        except ValueError:
            return "no reason given"
    return text


def _spellings(secret: str) -> set[str]:
    """The ways a server may quote a secret back: as sent, form- or URL-encoded, JSON-escaped."""
    return {secret, quote_plus(secret), quote(secret, safe=""), orjson.dumps(secret).decode()[1:-1]}


class LoginCodec(OneRequestCodec):
    """The token request as the engine runs it: one form POST, the JWT read from the answer.

    No WebSocket: the codec is finished once the answer is read, with `token` set, or
    raises the refusal (AuthError for 401/403, exit 3). Rate limits and 5xx answers are
    the engine's to wait out; they never reach `on_http`.
    """

    provider = "login"
    what = "a login"

    def __init__(self, base_url: str, user: str, password: str) -> None:
        super().__init__(
            HttpRequest(
                "POST",
                http_url(base_url, LOGIN_PATH),
                headers=(("Accept", "application/json"),),
                purpose="token",
                form=tuple(login_form(user, password).items()),
            )
        )
        self._password = password
        self.token: str | None = None

    def on_http(self, request: HttpRequest, response: HttpResponse, recv: str) -> list[Event]:
        status = response.status
        if 200 <= status < 300:
            try:
                body = orjson.loads(response.body)
            except orjson.JSONDecodeError:
                body = None
            token = token_from_login(body)
            if token is None:
                raise ProviderError(f"login: HTTP {status} without an Authorization token in the body")
            self.token = token
            self.finished = True
            return []
        detail = login_detail(status, response.body, self._password)
        if status in (401, 403):
            raise AuthError(f"login refused (HTTP {status}): {detail}")
        raise FeedError(f"login failed (HTTP {status}): {detail}")


def auth_headers(token: str, *, bearer: bool = False) -> tuple[tuple[str, str], ...]:
    """The handshake header: the raw JWT, as the official SDK sends it, or `Bearer <jwt>`."""
    return (("Authorization", f"Bearer {token}" if bearer else token),)


def refusal(code: int | None, reason: str) -> FeedError | None:
    """Map a server close to an exit: 1008 is final (3 or 4 by its reason), anything else retries."""
    if code != POLICY_VIOLATION:
        return None
    text = reason.strip()
    if not text:
        return AuthError("authentication refused by the server (close 1008 without a reason)")
    # Judge by what the server says, not by the names it quotes: "Invalid symbol: LOGIN"
    # is about a symbol even though the symbol's name looks like an auth word.
    head = text.split(":", 1)[0]
    for part in (head, text):
        if _AUTH_WORDS.search(part):
            return AuthError(f"authentication refused by the server: {text}")
        if _SUBSCRIPTION_WORDS.search(part):
            return SubscriptionError(f"subscription refused by the server: {text}")
    return AuthError(f"refused by the server (close 1008): {text}")


def encode_envelope(channel: str, id_field: str, ident: Any, timestamp: str | None, data: Any) -> bytes:
    """One message as the HT server sends it (used by the simulator and the tests)."""
    return orjson.dumps({"channel": channel, id_field: ident, "timestamp": timestamp, "data": data})


_loads = orjson.loads
_dumps = orjson.dumps
_JSONDecodeError = orjson.JSONDecodeError


@functools.cache
def _envelope_type(id_fields: tuple[str, ...]) -> type[msgspec.Struct]:
    """The envelope as the line path reads it: `data` left undecoded (msgspec.Raw), the
    identifier under its first field name (`ident`) or its second (`other`).

    Nothing else is allowed (HT's envelope has no other field): msgspec would skip an unknown
    field unread, so `"x":1e999` there would be written while `parse` (orjson) refuses the
    frame; such a frame goes through `parse` instead."""
    fields: list[tuple[str, Any, Any]] = [
        ("channel", str),  # type: ignore[list-item]
        ("data", msgspec.Raw),  # type: ignore[list-item]
        ("timestamp", msgspec.Raw, None),  # converted from its bytes in the common case
        ("ident", Any, None),
    ]
    rename = {"ident": id_fields[0]}
    if len(id_fields) > 1:
        fields.append(("other", Any, None))
        rename["other"] = id_fields[1]
    return msgspec.defstruct("Envelope", fields, rename=rename, forbid_unknown_fields=True)


def _timestamp(value: object) -> str | None:
    """A timestamp sent as epoch number is converted; anything else that is not text is null."""
    if type(value) in (int, float):
        return epoch_iso(value)  # type: ignore[arg-type]
    return None


#: the start of every tse/ime line's `data` part is `,"kind":"<kind>","data":` or `,"data":`
_DATA_KEY = b',"data":'
#: how many (channel, symbol) line heads a codec keeps (a connection serves a handful)
_HEADS = 4096


#: bytes.translate's table that makes every digit a 0: one call checks a shape of digits
_DIGITS_AS_ZERO = bytes(48 if 48 <= i <= 57 else i for i in range(256))
#: what follows a known envelope's minute, digits as 0: `:SS.ffffff","data":{`
_KNOWN_REST = b':00.000000","data":{'
#: `data` checked as the envelope's decode checks it, and not built. (Nesting past what msgspec
#: checks, about 1,000 levels less the caller's stack, is a RecursionError: `parse` then.)
_check = msgspec.json.Decoder(msgspec.Raw).decode


#: An envelope seen before: (its first bytes, up to its timestamp's minute, in HT's own form
#: `{"channel":"…","symbolIsin":"…","timestamp":"YYYY-MM-DDTHH:MM`; their length; the line up
#: to `ts`'s minute, in UTC; the line from `kind` to `"data":`). A frame that starts with
#: those bytes and goes on with `:SS.ffffff","data":{…}}` has the same channel, symbol and
#: minute as the frame they were taken from (read whole by msgspec): only the seconds and
#: `data` need reading, and `data` only checked, as the envelope's decode checks it (`_check`).
#: Anything else about the frame sends it the long way. (A plain tuple: unpacked in the loop.)
_Known = tuple[bytes, int, bytes, bytes]


def _missing(obj: object) -> str:
    if type(obj) is not dict:
        return "not a JSON object"
    return "no 'channel'" if "channel" not in obj else "no 'data'"


class EnvelopeCodec(Codec):
    """Reads HT's envelope: the provider's `data` object passes through unchanged.

    `ts` is the envelope's `timestamp`, Tehran wall time, converted to UTC (`ToUtc`, cached by
    the minute); `kinds` gives each channel's kind (the record's channel table).
    """

    def __init__(
        self, provider: str, handshake: Handshake, id_fields: Sequence[str], kinds: Mapping[str, str] | None = None
    ) -> None:
        self.provider = provider
        self.handshake = handshake
        self._utc = ToUtc(tehran)
        self._kinds = kinds or {}
        self._id_fields = tuple(id_fields)
        self._id_field = self._id_fields[0]
        self._other_fields = self._id_fields[1:]
        # the line path: the envelope's fields decoded, `data` only checked (msgspec.Raw)
        self._envelope = msgspec.json.Decoder(_envelope_type(self._id_fields)).decode
        self._heads: dict[tuple[str, str], tuple[bytes, bytes]] = {}
        #: the known envelopes (`_Known`) by their bytes up to the timestamp's minute
        self._known: dict[bytes, _Known] = {}
        #: the last one used: a stream of one symbol finds it with one `startswith`
        self._last: _Known = (b"\xff", 1, b"", b"")  # never a frame's start: not UTF-8
        #: (channel, symbol) whose envelopes are spelt otherwise: not tried again
        self._odd: set[tuple[str, str]] = set()
        self._recv = ""
        self._recv_part = b""
        #: `Z"` (the end of `ts`) and the `recv` part, for the known envelopes' lines
        self._z_recv_part = b""
        #: `"YYYY-MM-DDTHH:MM` of the last HT timestamp converted, and the same minute in UTC
        self._minute = b"-"
        self._utc_minute = b""

    def line(self, frame: Frame, recv: str) -> bytes | None:  # type: ignore[override]
        """The message's NDJSON line with the provider's `data` bytes spliced in as they came
        (the contract's "exactly the provider's object": `1E5` stays `1E5`), None for a message
        this cannot vouch for, which then goes through `parse` (its errors and its re-encoding).

        `data` is checked by msgspec but never built; the line is the same as `parse` and the
        writer make of it, field for field, but for `data`'s spelling. A frame holding a raw
        newline or carriage return (pretty-printed JSON) goes through `parse`, so one message
        stays one line; so does one that is not ASCII and not UTF-8 (msgspec does not check
        the text it skips).
        """
        out: list[bytes] = []
        return out[0] if type(frame) is bytes and self.lines((frame,), recv, out) else None

    def lines(self, frames: Sequence[bytes], recv: str, out: list[bytes]) -> int:  # type: ignore[override]
        """`line` for the frames of a read (bytes, as picows gives them), in one call: their
        lines appended to `out`, up to the first frame without one; how many frames have theirs.

        A frame of an envelope seen before (`_Known`: the same channel and symbol, spelt the
        same, in the minute converted) is checked and spliced here, in the loop; any other
        takes the long way (`_long_line`: msgspec's decode of the envelope).
        """
        before = len(out)
        append = out.append
        prefix, n, head, tail = self._last
        z_recv = self._z_recv_part if recv is self._recv else b""
        # the frames' checks for newlines and UTF-8, for all of them at once (three scans of
        # the read's bytes, not three calls a frame) when they pass, as they do but for odd frames
        every = b"".join(frames)
        each = 10 in every or 13 in every or not every.isascii()  # an int is a memchr, b"\n" is not
        for frame in frames:
            if each:
                if 10 in frame or 13 in frame:
                    break
                if not frame.isascii():
                    try:
                        frame.decode()
                    except UnicodeDecodeError:
                        break
            seen = frame.startswith(prefix)
            if not seen:
                known = self._find(frame)
                if known is not None:
                    prefix, n, head, tail = self._last = known
                    seen = True
            if (
                seen
                and frame[n : n + 20].translate(_DIGITS_AS_ZERO) == _KNOWN_REST  # `data` an object...
                and frame[n + 1] < 54  # seconds below 60 ('6'), as `ToUtc` reads them
                and frame[-1] == 125  # ...that ends the envelope
                and frame[-2] == 125
            ):
                # an envelope seen before, in the minute converted: only the seconds and
                # `data` are new, so `data` is checked and nothing else decoded
                data = frame[n + 19 : -1]
                try:
                    _check(data)
                except (msgspec.DecodeError, RecursionError):
                    pass  # not one JSON value (`"data":{..},"x":1`?): the envelope decoded whole says
                else:
                    if not z_recv:
                        self._set_recv(recv)
                        z_recv = self._z_recv_part
                    append(b"".join((head, frame[n : n + 10], z_recv, tail, data, b"}\n")))
                    continue
            line = self._long_line(frame, recv)
            if line is None:
                break
            append(line)
            prefix, n, head, tail = self._last
            z_recv = self._z_recv_part
        return len(out) - before

    def _long_line(self, frame: bytes, recv: str) -> bytes | None:
        """`line` of a frame checked for newlines and UTF-8, by msgspec's decode of its envelope."""
        try:
            env = self._envelope(frame)
        except (msgspec.DecodeError, RecursionError):  # ValidationError too: `parse` says what is wrong
            return None
        ident = env.ident
        if ident is None:
            ident = getattr(env, "other", None)
            if ident is None:
                return None  # `parse` looks further (a third field name) or says what is missing
        if type(ident) is not str:
            ident = str(ident)
        heads = self._heads
        key = (env.channel, ident)
        head = heads.get(key)
        if head is None:
            if not env.channel:
                return None
            head = self._head(env.channel, ident)
        stamp = env.timestamp
        if stamp is None:
            ts = b"null"
        else:
            # HT's own form in the minute last converted, `"YYYY-MM-DDTHH:MM:SS.ffffff"` as
            # sent: the converted minute and the rest of the bytes, as ToUtc's fast path does
            stamp = bytes(stamp)
            if (
                stamp[:17] == self._minute
                and len(stamp) == 28
                and stamp[17] == 58  # ':'
                and stamp[20] == 46  # '.'
                and stamp[18:20].isdigit()
                and stamp[18] < 54  # seconds below 60 ('6'), as `ToUtc` (and `datetime`) reads them
                and stamp[21:27].isdigit()
            ):
                ts = self._utc_minute + stamp[17:27] + b'Z"'
                if key not in self._odd:
                    self._remember(frame, env, key, head, stamp)
            else:
                ts = self._stamp(stamp)
                if ts is None:
                    return None
                if stamp[:17] == self._minute and key not in self._odd:  # HT's form: converted
                    self._remember(frame, env, key, head, stamp)
        if recv is not self._recv:
            self._set_recv(recv)
        data = env.data
        line = b"".join((head[0], ts, self._recv_part, head[1], data, b"}\n"))
        if line[-2 - len(data)] != 123:  # `data` is not an object: `parse` says so
            return None
        return line

    def _set_recv(self, recv: str) -> None:
        self._recv = recv
        self._recv_part = b',"recv":' + _dumps(recv)
        self._z_recv_part = b'Z"' + self._recv_part

    def _find(self, frame: bytes) -> _Known | None:
        """The known envelope `frame` starts with, if any (a stream of several symbols)."""
        at = frame.find(b',"timestamp":"')
        return self._known.get(frame[: at + 30]) if at > 0 else None

    def _remember(self, frame: bytes, env: Any, key: tuple[str, str], head: tuple[bytes, bytes], stamp: bytes) -> None:
        """Keep this envelope (its bytes up to the timestamp's minute) for the messages to
        come, if it is spelt as `_Known` needs: its channel, its identifier and the timestamp,
        in that order, compact, as HT sends them (else the channel and symbol are not tried
        again). The bytes are taken from a frame just read whole, so every later frame that
        starts with them holds the same three fields."""
        field = self._id_field if env.ident is not None else self._other_fields[0]
        value = env.ident if env.ident is not None else env.other
        prefix = (
            b"".join(
                (b'{"channel":', _dumps(env.channel), b',"', field.encode(), b'":', _dumps(value), b',"timestamp":')
            )
            if type(value) is str
            else b""
        )  # a number or anything else: left to the long way
        if not prefix or not frame.startswith(prefix) or frame[len(prefix) : len(prefix) + 17] != stamp[:17]:
            self._odd.add(key)
            return
        if len(self._known) >= _HEADS:
            self._known.clear()
            self._odd.clear()
        start = frame[: len(prefix) + 17]
        known = self._known[start] = (start, len(start), head[0] + self._utc_minute, head[1])
        self._last = known

    def _stamp(self, raw: bytes) -> bytes | None:
        """The line's `ts` (JSON) from the envelope's `timestamp` (JSON, as sent), as `parse`
        makes it; None for a number JSON cannot hold (`parse` refuses the frame)."""
        try:
            value = msgspec.json.decode(raw)
        except msgspec.DecodeError:  # 1e999
            return None
        if type(value) is float and not math.isfinite(value):
            return None
        if type(value) is not str:
            ts = _timestamp(value)
            return b"null" if ts is None else _dumps(ts)
        ts = self._utc(value) if value else None
        if ts is None:
            return b"null"
        minute = value[:16]
        if (
            len(value) == 26
            and minute.isascii()
            and '"' not in minute
            and "\\" not in minute
            and value[16] == ":"
            and value[19] == "."
            and value[17:19].isdigit()
            and value[20:].isdigit()
            and ts == f"{ts[:16]}{value[16:]}Z"
        ):  # HT's own form: the next of this minute is converted by `line` itself
            self._minute = b'"' + minute.encode()
            self._utc_minute = b'"' + ts[:16].encode()
        return _dumps(ts)

    def _head(self, channel: str, ident: str) -> tuple[bytes, bytes]:
        """What comes before `ts` and between `recv` and the data, per channel and symbol."""
        if len(self._heads) >= _HEADS:
            self._heads.clear()
        kind = self._kinds.get(channel)
        head = (
            b'{"provider":'
            + _dumps(self.provider)
            + b',"channel":'
            + _dumps(channel)
            + b',"symbol":'
            + _dumps(ident)
            + b',"ts":',
            (b',"kind":' + _dumps(kind) if kind is not None else b"") + _DATA_KEY,
        )
        self._heads[(channel, ident)] = head
        return head

    def parse(self, frame: Frame, recv: str) -> list[Event]:
        # On the hot path of every message: one dict lookup per field, one try for all.
        try:
            obj = _loads(frame)
        except _JSONDecodeError as exc:
            raise MalformedFrame(f"not JSON ({exc.msg})") from None
        try:
            channel = obj["channel"]
            data = obj["data"]
            ident = obj.get(self._id_field)
        except (KeyError, TypeError, AttributeError):
            raise MalformedFrame(_missing(obj)) from None
        if type(channel) is not str or type(data) is not dict or not channel:
            raise MalformedFrame("'channel' is not a name" if type(data) is dict else "'data' is not an object")
        if ident is None:
            for name in self._other_fields:
                ident = obj.get(name)
                if ident is not None:
                    break
            else:
                raise MalformedFrame(f"no {' or '.join(repr(f) for f in self._id_fields)}")
        ts = obj.get("timestamp")
        return [
            DataEvent(
                self.provider,
                channel,
                ident if type(ident) is str else str(ident),
                (self._utc(ts) if ts else None) if type(ts) is str else _timestamp(ts),
                recv,
                data,
                self._kinds.get(channel),
            )
        ]

    def close_verdict(self, code: int | None, reason: str) -> FeedError | None:
        if code == 1000 and reason.strip().lower() == END_OF_RECORDING:
            # HT has no end-of-stream frame; `feedcli replay --serve` says so in its close
            self.finished = True
            return None
        return refusal(code, reason)


# ----------------------------------------------------------------------------- the records' shared parts

#: one account serves both families (`feedcli login` with no family)
CREDENTIALS = TokenLogin("ht", "HT Data Engine", PRODUCTION_URL)


@functools.cache
def tehran() -> tzinfo:
    """The zone of HT's timestamps, which carry no offset: Tehran wall time (UTC+03:30; +04:30
    in summer before 2023). Today's fixed offset where there is no tz database."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Asia/Tehran")
    except Exception:  # no tz database (Windows without tzdata)
        return timezone(timedelta(hours=3, minutes=30), "IRST")


SIM_OPTIONS: tuple[SimOption, ...] = (
    rate_option("Market events per second.", 20.0),
    SEED,
    SimOption(
        "--strict-universe",
        "strict_universe",
        "Serve the listed symbols and contracts only; refuse (1008) any other, even well-formed.",
        bool,
        False,
    ),
    DROP_AFTER,
    SimOption(
        "--stall-after",
        "stall_after",
        "Go silent on each connection after N messages (pings still answered).",
        metavar="N",
        min=1,
        fault=True,
    ),
    MALFORMED_EVERY,
    SimOption(
        "--login-errors",
        "login_errors",
        "Answer the first logins with these HTTP statuses (e.g. 429,503).",
        str,
        metavar="STATUS,...",
        fault=True,
    ),
)


def simulator(family: str, help_text: str, example: str) -> Simulator:
    """One HT server serves both families; `family` is listed first."""
    build = functools.partial(lazy("feedcli.simulators.ht:HTSimulator.from_options"), family=family)
    return Simulator(build, SIM_OPTIONS, 8765, help_text, example)


def replay(family: str, hint: str) -> Replay:
    """`replay --serve` of a `family` recording: the HT simulator's server fed the recording."""
    return Replay(functools.partial(lazy("feedcli.simulators.ht_replay:HTReplay"), family), "HT Data Engine", hint)


def demo_names(simulator: Any) -> dict[str, str]:
    """Display names of everything the simulator lists, both families (ISIN or contract id → name)."""
    names = {i.isin: i.name for i in simulator.tse_instruments}
    names.update({c.contract_id: c.name for c in simulator.ime_contracts})
    return names


# ----------------------------------------------------------------------------- the vocabulary
# What HT's payloads mean in feedcli.market's terms, for what both families send; tse.py
# and ime.py point their channel tables at these and their own. HT sends 0 for a price it
# has not got (before the first trade, a book level that is not there): no price, never a
# price of zero.

_NONE: Mapping[str, Any] = {}


#: display names of contract and fund fields whose generic label would be long or unclear
FIELD_LABELS: Mapping[str, str] = {
    "open_interest": "Open interest",
    "open_interest_changes": "OI change",
    "initial_margin": "Initial margin",
    "required_margin": "Required margin",
    "nav": "NAV",
    "units": "Units",
    "marketCap": "Market cap",
    "as_of": "As of",
}


def info(title: str, data: Any) -> market.Info:
    """A contract's or a fund's details, with their display names."""
    return market.Info(title, market.flat(data), FIELD_LABELS)


def fields_of(data: Any) -> Mapping[str, Any]:
    return data if isinstance(data, Mapping) else _NONE


def price_of(value: Any) -> market.Number | None:
    out = market.number(value)
    return out if out is not None and out > 0 else None


def best_limits(data: Any) -> market.Book:
    """`{"1": {buy_price, buy_quantity, [buy_order_count], sell_...}, "2": ...}`, by rank.

    On the hot path of the live view, `--normalize` and `export` (every TSE book line, every IME
    message): field names are literals, and plain dicts skip the ABC check.
    """
    ranked: list[tuple[int, Mapping[str, Any]]] = []
    for key, level in fields_of(data).items():
        if type(level) is dict or isinstance(level, Mapping):
            try:
                ranked.append((int(key), level))
            except (TypeError, ValueError):
                continue
    if len(ranked) > 1:
        ranked.sort(key=_rank)
    bids: list[market.Level] = []
    asks: list[market.Level] = []
    for _, level in ranked:
        get = level.get
        level_ = _level(get("buy_price"), get("buy_quantity"), get("buy_order_count"))
        if level_ is not None:
            bids.append(level_)
        level_ = _level(get("sell_price"), get("sell_quantity"), get("sell_order_count"))
        if level_ is not None:
            asks.append(level_)
    return market.Book(tuple(bids), tuple(asks))


_new_tuple = tuple.__new__


def _rank(item: tuple[int, Any]) -> int:
    return item[0]


def _level(price: Any, size: Any, orders: Any) -> market.Level | None:
    """A level from HT's values; None without a price (0 is none). Numbers as JSON gives them
    (ints and finite floats) are taken as they are, anything else is read."""
    kind = type(price)
    if kind is not int and kind is not float:
        price = market.number(price)
        if price is None:
            return None
    if price <= 0:
        return None
    kind = type(size)
    if kind is not int and kind is not float:
        size = market.number(size)
    if type(orders) is not int:
        orders = market.count(orders)
    # the named tuple's own __new__ is a Python call: ten levels a line make it show
    return _new_tuple(market.Level, (price, size, orders))  # type: ignore[no-any-return]


#: Stats' figures → the fields of HT's Aggregate (the same 11 for TSE and IME)
AGGREGATE_FIELDS = {
    "last": "last_price",
    "open": "open_price",
    "high": "high_price",
    "low": "low_price",
    "close": "closing_price",
    "prev_close": "previous_close",
    "volume": "total_volume",
    "value": "total_value",
    "trades": "trade_count",
    "date": "date",
    "time": "time",
}


def aggregate(data: Any, fields: Mapping[str, Any] | None = None) -> market.Stats:
    """The day's Aggregate; `fields`: the line's, if more than the Aggregate's own."""
    return market.stats_from(fields_of(data), AGGREGATE_FIELDS, price=price_of, fields=fields)


def wall_time(ts: str | None) -> str | None:
    """A line's UTC `ts` as HT sends it, Tehran wall time without an offset (what `replay --serve`
    sends); anything else as it is."""
    if not ts or not ts.endswith("Z"):
        return ts
    try:
        moment = datetime.fromisoformat(ts[:-1]).replace(tzinfo=timezone.utc)
    except ValueError:
        return ts
    return moment.astimezone(tehran()).strftime("%Y-%m-%dT%H:%M:%S.%f")


def bar_start(ts: str | None) -> str | None:
    """The UTC start of the minute of an HT timestamp (Tehran wall time, or with an offset)."""
    if not ts:
        return None
    try:
        moment = datetime.fromisoformat(ts[:-1] + "+00:00" if ts.endswith(("Z", "z")) else ts)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tehran())
    moment = moment.astimezone(timezone.utc).replace(second=0, microsecond=0)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
