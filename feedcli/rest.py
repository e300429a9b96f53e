"""The engine's HTTP client: every REST call feedcli makes (login, backfill, exchangeInfo,
KuCoin's token, polling) goes through one httpx AsyncClient here, and only the session
engine uses it.

Codecs ask for calls as `HttpRequest` objects and get `HttpResponse` objects back; what
the network did is turned here into one of three answers: a response for the codec, a
`RequestFailed` the engine retries like a failed connection (`Throttled` for 429/418/5xx,
with the server's Retry-After), or `CertificateRefused`, which no retry can fix.
Everything httpx-specific stays in this module, as everything aiohttp-specific (the
WebSocket client) stays in `session.py`.

Redirects are never followed: a REST endpoint that moved is a configuration to fix, and
following it silently would send a request (a login form) somewhere the user did not name.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from feedcli.backoff import is_throttle, retry_after_seconds
from feedcli.errors import UsageError
from feedcli.providers.base import HttpRequest, HttpResponse
from feedcli.safe_text import redact_url

if TYPE_CHECKING:
    import httpx

    from feedcli.ratelimit import RateLimiter

REDIRECTS = (301, 302, 303, 307, 308)


class RequestFailed(Exception):
    """An HTTP call that brought no answer a codec can use: retried like a failed connection.

    `answered` tells a server that answered (a rate limit, a redirect) from one that could
    not be reached at all.
    """

    def __init__(
        self, request: HttpRequest, reason: str, retry_after: float | None = None, *, answered: bool = False
    ) -> None:
        super().__init__(reason)
        self.request = request
        self.reason = reason
        self.retry_after = retry_after
        self.answered = answered

    def describe(self) -> str:
        return self.reason


class Throttled(RequestFailed):
    """An answer that means "not now": 429 or 418 (rate limits) or a 5xx."""

    def __init__(self, request: HttpRequest, status: int, retry_after: float | None) -> None:
        what = "rate limited" if status in (418, 429) else "server error"
        wait = f", Retry-After {retry_after:g}s" if retry_after is not None else ""
        super().__init__(request, f"{request.purpose} call {what} (HTTP {status}{wait})", retry_after, answered=True)
        self.status = status


class CertificateRefused(Exception):
    """The server's TLS certificate did not verify: final, since retrying cannot change it."""

    def __init__(self, url: str, error: ssl.SSLCertVerificationError | None) -> None:
        parts = urlsplit(url)
        self.where = parts.netloc.rpartition("@")[2] or url
        self.problem = (error.verify_message if error is not None else None) or "certificate verify failed"
        super().__init__(self.describe())

    def describe(self) -> str:
        return f"the TLS certificate of {self.where} was refused ({self.problem}); not retrying"


def certificate_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate failure behind a connection error, if that is what it was."""
    found = _cause(exc, ssl.SSLCertVerificationError)
    return found if isinstance(found, ssl.SSLCertVerificationError) else None


class RestClient:
    """One httpx AsyncClient, opened at the first call (most streams never make one, and an
    SSL context costs start-up time) and closed by `aclose`."""

    def __init__(
        self,
        *,
        user_agent: str,
        connect_timeout: float,
        timeout: float,
        trust_env: bool,
        max_body: int,
        clock: Callable[[], float] = time.time,
        limiter: RateLimiter | None = None,
    ) -> None:
        self._user_agent = user_agent
        self._connect_timeout = connect_timeout
        self._timeout = timeout
        self._trust_env = trust_env
        self._max_body = max_body
        self._clock = clock
        #: paces every call to the exchange's documented REST limits (None: unpaced)
        self._limiter = limiter
        #: seconds the last call waited for the limiter
        self.held_back = 0.0
        self._client: httpx.AsyncClient | None = None

    def _open(self) -> httpx.AsyncClient:
        import httpx

        try:
            self._client = httpx.AsyncClient(
                headers={"User-Agent": self._user_agent},
                timeout=httpx.Timeout(self._timeout, connect=self._connect_timeout),
                # the system's trust store, as the WebSocket client (aiohttp) uses: one set of
                # trusted authorities for every connection (SSL_CERT_FILE/SSL_CERT_DIR honoured)
                verify=ssl.create_default_context(),
                trust_env=self._trust_env,
                follow_redirects=False,
            )
        except ImportError as exc:  # a SOCKS proxy in the environment without httpx's socks extra
            raise UsageError(f"the proxy set in the environment cannot be used: {exc}") from None
        return self._client

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def request(self, request: HttpRequest) -> HttpResponse:
        """Make one call; raise RequestFailed, Throttled or CertificateRefused instead of answering."""
        import httpx

        client = self._client or self._open()
        if self._limiter is not None:
            self.held_back = await self._limiter.acquire(request.url, dict(request.params))
        headers = list(request.headers)
        content = None
        if request.form:
            content = urlencode(request.form).encode()
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        try:
            async with client.stream(
                request.method,
                request.url,
                params=list(request.params) or None,
                json=request.json,
                content=content,
                headers=headers or None,
            ) as answer:
                status = answer.status_code
                if is_throttle(status):
                    retry_after = retry_after_seconds(answer.headers.get("Retry-After"), self._clock())
                    if self._limiter is not None and status in (418, 429):
                        self._limiter.penalize(retry_after)
                    raise Throttled(request, status, retry_after)
                if status in REDIRECTS:
                    location = redact_url(answer.headers.get("Location", "nowhere"))
                    raise RequestFailed(
                        request,
                        f"{request.purpose} call redirected to {location} (HTTP {status}); redirects are not followed",
                        answered=True,
                    )
                body = await self._read(answer, request)
        except httpx.InvalidURL as exc:
            raise UsageError(f"invalid URL {redact_url(request.url)}: {exc}") from None
        except httpx.HTTPError as exc:
            refused = certificate_error(exc)
            if refused is not None:
                raise CertificateRefused(request.url, refused) from None
            raise RequestFailed(request, describe_failure(exc)) from None
        return HttpResponse(status, answer.headers, body)

    async def _read(self, answer: httpx.Response, request: HttpRequest) -> bytes:
        """The whole body, decompressed, but never more than `max_body` bytes of it."""
        body = bytearray()
        async for chunk in answer.aiter_bytes():
            body += chunk
            if len(body) > self._max_body:
                limit = f"{self._max_body // (1024 * 1024)} MiB"
                raise RequestFailed(request, f"{request.purpose} answer larger than {limit}", answered=True)
        return bytes(body)


def describe_failure(exc: BaseException) -> str:
    """A few words on why a call got no answer, for stderr and control lines."""
    import httpx

    os_error = _os_error(exc)
    if isinstance(exc, httpx.ConnectTimeout):
        return "timed out connecting"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out waiting for the answer"
    if isinstance(exc, httpx.ProxyError):
        return f"the proxy failed ({exc})"
    if isinstance(exc, httpx.ConnectError):
        if isinstance(os_error, ConnectionRefusedError):
            return "connection refused"
        if isinstance(os_error, socket.gaierror):
            return "unknown host"
        if isinstance(os_error, ssl.SSLError):
            return f"TLS handshake failed ({os_error.reason or os_error})"
        if os_error is not None:
            return f"cannot connect ({os_error.strerror or os_error})"
        return f"cannot connect ({exc})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the server broke off the answer ({exc})"
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return f"connection lost ({os_error.strerror if os_error is not None and os_error.strerror else exc})"
    if isinstance(exc, httpx.DecodingError):
        return "an answer that cannot be decoded"
    return f"{exc.__class__.__name__}: {exc}"


def _os_error(exc: BaseException) -> OSError | None:
    """The most telling OSError behind `exc`: anyio wraps the refused connection in a
    generic "All connection attempts failed", so the specific kinds are looked for first."""
    for kind in (ConnectionRefusedError, socket.gaierror, ssl.SSLError, ConnectionError, OSError):
        found = _cause(exc, kind)
        if isinstance(found, OSError) and (kind is not OSError or found.strerror):
            return found
    found = _cause(exc, OSError)
    return found if isinstance(found, OSError) else None


def _cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """The first exception of `kind` in `exc`'s chain of causes, `exc` included."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
