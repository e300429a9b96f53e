"""Sink and source URLs, and the key/subject templates inside them: parsed before anything connects.

Everything here is pure (no sockets, no imports of the client libraries), so a malformed
`--sink` URL, an unknown scheme or a template naming an unknown field is exit 2 at once,
and `feedcli --help` never pays for redis-py or nats-py.

Template values are made safe in one documented way: every character other than
`A-Z a-z 0-9 _ -` becomes `_` (so `MXSE.TQBR.SBER` is `MXSE_TQBR_SBER` and `IME Stream`
is `IME_Stream`). That keeps a value from adding NATS subject tokens (`.`), wildcards
(`*`, `>`) or Redis glob characters to a key, and makes keys easy to type in `redis-cli`.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from feedcli.errors import UsageError

#: the fields a template may name
FIELDS = ("provider", "channel", "symbol", "kind")
#: `{kind}` of a line that has no `kind` (control lines; lines written before kinds existed)
MISSING_KIND = "unknown"
#: the default templates (CONTRACT.md, "Sinks")
DEFAULT_KEY = "feedcli:{provider}:{channel}:{symbol}"
DEFAULT_SUBJECT = "feedcli.{provider}.{channel}.{symbol}"
#: where control lines go in Redis (CONTRACT.md); `{provider}` made safe like any value
EVENTS_KEY = "feedcli:{provider}:events"
DEFAULT_PORTS = {"redis": 6379, "rediss": 6379, "nats": 4222}

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_STREAM_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")
_NAME = re.compile(r"[^\s\x00-\x1f]{1,255}")


def safe(value: str) -> str:
    """A template value with every character other than `A-Z a-z 0-9 _ -` made `_`."""
    return _UNSAFE.sub("_", value) or "_"


class Template:
    """A key or subject template such as `feedcli:{provider}:{channel}:{symbol}`.

    Rendering is on the hot path (once per line), so a template is compiled into a list of
    literal parts and field indexes once, and `render` joins them.
    """

    def __init__(self, text: str, *, what: str) -> None:
        self.text = text
        parts: list[str | int] = []
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError as exc:
            raise UsageError(f"{what} template {text!r} is malformed: {exc} (write fields as {{provider}})") from None
        for literal, name, spec, conversion in parsed:
            if literal:
                parts.append(literal)
            if name is None:
                continue
            if name not in FIELDS:
                known = ", ".join("{" + f + "}" for f in FIELDS)
                shown = "{" + name + "}" if name else "{}"
                raise UsageError(f"{what} template {text!r} names an unknown field {shown}; the fields are {known}")
            if spec or conversion:
                raise UsageError(f"{what} template {text!r}: write a field as {{{name}}}, without a format")
            parts.append(FIELDS.index(name))
        if not parts:
            raise UsageError(f"{what} template is empty")
        self.parts = tuple(parts)
        self.fields = frozenset(FIELDS[p] for p in parts if isinstance(p, int))

    def render(self, provider: str, channel: str, symbol: str, kind: str | None) -> str:
        values = (provider, channel, symbol, kind or MISSING_KIND)
        return "".join(p if isinstance(p, str) else safe(values[p]) for p in self.parts)

    @property
    def fixed_prefix(self) -> str:
        """The literal text before the first field (all of it when there is no field)."""
        head = self.parts[0]
        return head if isinstance(head, str) else ""


# ---------------------------------------------------------------------- URLs


@dataclass(frozen=True)
class Endpoint:
    """Where a server is and how to log in; never printed with its password."""

    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = None

    @property
    def tls(self) -> bool:
        return self.scheme == "rediss"

    def shown(self, path: str = "") -> str:
        """The address for messages: the user is shown, a password never is."""
        user = ""
        if self.username is not None or self.password is not None:
            user = quote(self.username or "", safe="") + (":***" if self.password is not None else "") + "@"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{user}{host}:{self.port}{path}"


@dataclass(frozen=True)
class RedisSinkSpec:
    endpoint: Endpoint
    db: int
    key: Template
    maxlen: int | None
    #: a CA bundle to verify a rediss:// server with, instead of the system's
    ca: str | None = None

    @property
    def name(self) -> str:
        return self.endpoint.shown(f"/{self.db}")


@dataclass(frozen=True)
class NatsSinkSpec:
    endpoint: Endpoint
    subject: Template
    stream: str | None

    @property
    def name(self) -> str:
        return self.endpoint.shown() + (f" (stream {self.stream})" if self.stream else "")

    @property
    def prefix(self) -> str:
        """The template's fixed leading tokens (`feedcli.` for the default); "" if it has none."""
        return subject_prefix(self.subject)

    @property
    def stream_subjects(self) -> list[str]:
        """The subjects of a JetStream stream created for this sink: the prefix and `>`."""
        return [f"{self.prefix}>"]

    def events_subject(self, provider: str) -> str:
        """Where control lines go: the fixed prefix (or `feedcli.`), the provider, `events`."""
        return f"{self.prefix or 'feedcli.'}{safe(provider)}.events"


@dataclass(frozen=True)
class RedisSourceSpec:
    endpoint: Endpoint
    db: int
    pattern: str
    group: str | None
    consumer: str | None
    ca: str | None = None
    #: with a group: take over entries other readers were given and left unacknowledged this
    #: many seconds (a reader that died), XAUTOCLAIM
    claim: float | None = None

    @property
    def name(self) -> str:
        return self.endpoint.shown(f"/{self.db}")


@dataclass(frozen=True)
class NatsSourceSpec:
    endpoint: Endpoint
    subject: str
    stream: str | None

    @property
    def name(self) -> str:
        return self.endpoint.shown()


SinkSpec = RedisSinkSpec | NatsSinkSpec
SourceSpec = RedisSourceSpec | NatsSourceSpec


def subject_prefix(template: Template) -> str:
    """The whole tokens of a subject template before its first field ("" if there are none).

    A template without a field keeps all but its last token (`md.all` → `md.`), so the
    stream created for it (`md.>`) also takes the control lines (`md.PROVIDER.events`).
    """
    head = template.fixed_prefix
    if len(template.parts) == 1 and isinstance(template.parts[0], str):
        head = head.rsplit(".", 1)[0] + "." if "." in head else ""
    else:
        head = head[: head.rfind(".") + 1]
    return head


def is_sink_url(text: str) -> bool:
    """Whether a replay argument names a message system rather than a file."""
    return text.startswith(("redis://", "rediss://", "nats://"))


def _split(url: str, what: str) -> tuple[Endpoint, str, dict[str, str]]:
    scheme, sep, _rest = url.partition("://")
    if not sep:
        raise UsageError(f"{what} {_show(url)} is not a URL: use redis://HOST:PORT, rediss://... or nats://HOST:PORT")
    scheme = scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise UsageError(f"{what} {_show(url)}: unknown scheme {scheme}://; use redis://, rediss:// or nats://")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UsageError(f"{what} {_show(url)} is malformed: {exc}") from None
    if parts.fragment:
        raise UsageError(f"{what} {_show(url)} has a #fragment, which means nothing here")
    host = parts.hostname
    if not host:
        raise UsageError(f"{what} {_show(url)} names no host: {scheme}://HOST:PORT")
    params: dict[str, str] = {}
    try:
        pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise UsageError(f"{what} {_show(url)}: the query is malformed (write ?name=value&name=value)") from None
    for name, value in pairs:
        if name in params:
            raise UsageError(f"{what} {_show(url)} gives {name}= twice")
        params[name] = value
    endpoint = Endpoint(
        scheme=scheme,
        host=host,
        port=port or DEFAULT_PORTS[scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )
    return endpoint, parts.path, params


def _show(url: str) -> str:
    """A URL for an error message, its password hidden (it may be a typo of a real one)."""
    return repr(re.sub(r"(//[^/@:]*:)[^/@]*@", r"\1***@", url))


def _refuse_unknown(url: str, what: str, params: dict[str, str], allowed: tuple[str, ...]) -> None:
    for name in params:
        if name not in allowed:
            shown = ", ".join(f"{a}=" for a in allowed)
            raise UsageError(f"{what} {_show(url)}: unknown parameter {name}= (this URL takes {shown})")


def _db(url: str, what: str, path: str) -> int:
    text = path.strip("/")
    if not text:
        return 0
    if not text.isdigit() or "/" in text:
        raise UsageError(f"{what} {_show(url)}: the path must be a database number (/0, /1, ...), not {path!r}")
    return int(text)


def _positive(url: str, what: str, name: str, value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise UsageError(f"{what} {_show(url)}: {name}= must be a whole number >= 1, not {value!r}")
    return int(value)


def _stream_name(url: str, what: str, value: str) -> str:
    if not _STREAM_NAME.fullmatch(value):
        raise UsageError(f"{what} {_show(url)}: stream= must be a JetStream name of A-Z a-z 0-9 _ -, not {value!r}")
    return value


def _check_subject_literals(url: str, what: str, template: Template) -> None:
    """The template's own text must make a valid subject whatever the values are."""
    sample = template.render("p", "c", "s", "k")
    if any(c in sample for c in " \t\r\n*>") or not all(sample.split(".")):
        raise UsageError(
            f"{what} {_show(url)}: subject={template.text!r} does not make a NATS subject "
            "(tokens separated by single dots; no spaces, * or >)"
        )


def parse_sink(url: str) -> SinkSpec:
    """A `--sink` URL, checked; UsageError (exit 2) for anything wrong in it."""
    what = "--sink"
    endpoint, path, params = _split(url, what)
    if endpoint.scheme in ("redis", "rediss"):
        _refuse_unknown(url, what, params, ("key", "maxlen", "ca"))
        key = Template(params.get("key") or DEFAULT_KEY, what="key")
        maxlen = _positive(url, what, "maxlen", params["maxlen"]) if "maxlen" in params else None
        ca = params.get("ca") or None
        if ca is not None and endpoint.scheme != "rediss":
            raise UsageError(f"{what} {_show(url)}: ca= is for rediss:// (TLS)")
        return RedisSinkSpec(endpoint, _db(url, what, path), key, maxlen, ca)
    _refuse_unknown(url, what, params, ("subject", "stream"))
    if path.strip("/"):
        raise UsageError(f"{what} {_show(url)}: a nats:// URL has no path; give subject= and stream=")
    subject = Template(params.get("subject") or DEFAULT_SUBJECT, what="subject")
    _check_subject_literals(url, what, subject)
    stream = _stream_name(url, what, params["stream"]) if "stream" in params else None
    if stream is not None and not subject_prefix(subject):
        raise UsageError(
            f"{what} {_show(url)}: with stream=, subject= must begin with a fixed token (such as md.{{provider}}...), "
            "which names the stream's subjects"
        )
    return NatsSinkSpec(endpoint, subject, stream)


def parse_source(url: str, *, follow: bool = False) -> SourceSpec:
    """A URL to read lines back from (`feedcli replay redis://...`); UsageError if wrong."""
    what = "replay"
    endpoint, path, params = _split(url, what)
    if endpoint.scheme in ("redis", "rediss"):
        _refuse_unknown(url, what, params, ("key", "group", "consumer", "claim", "ca"))
        pattern = params.get("key")
        if not pattern:
            raise UsageError(f"replay {_show(url)}: give key=PATTERN (such as key=feedcli:tse:*)")
        group = params.get("group") or None
        consumer = params.get("consumer") or None
        for name, value in (("group", group), ("consumer", consumer)):
            if value is not None and not _NAME.fullmatch(value):
                raise UsageError(f"replay {_show(url)}: {name}= must be a name without spaces, not {value!r}")
        if consumer is not None and group is None:
            raise UsageError(f"replay {_show(url)}: consumer= needs group=")
        claim: float | None = None
        if "claim" in params:
            if group is None:
                raise UsageError(f"replay {_show(url)}: claim= needs group=")
            try:
                claim = float(params["claim"])
            except ValueError:
                claim = -1.0
            if not 0 <= claim < 1e9:
                shown = params["claim"]
                raise UsageError(f"replay {_show(url)}: claim= must be a number of seconds >= 0, not {shown!r}")
        ca = params.get("ca") or None
        return RedisSourceSpec(endpoint, _db(url, what, path), pattern, group, consumer, ca, claim)
    _refuse_unknown(url, what, params, ("subject", "stream"))
    if path.strip("/"):
        raise UsageError(f"replay {_show(url)}: a nats:// URL has no path; give subject= and stream=")
    subject = params.get("subject") or "feedcli.>"
    tokens = subject.split(".")
    if any(not t or " " in t or ("*" in t and t != "*") or (">" in t and t != ">") for t in tokens) or (
        ">" in tokens[:-1]
    ):
        raise UsageError(f"replay {_show(url)}: subject={subject!r} is not a NATS subject pattern")
    stream = _stream_name(url, what, params["stream"]) if "stream" in params else None
    if stream is None and not follow:
        raise UsageError(
            f"replay {_show(url)}: core NATS keeps nothing to read back; give stream=NAME "
            "(JetStream), or --follow for what is published from now on"
        )
    return NatsSourceSpec(endpoint, subject, stream)
