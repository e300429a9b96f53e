"""Credentials out of what a recording says about itself.

The recording header is written into files people copy, share and attach to bug reports.
The CLI is not meant to pass credentials in `describe`, but a token that slipped in once
would sit in every part of every recording, so the writer drops such keys itself, at any
depth, rather than trusting every caller forever.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: keys whose values are credentials
_SECRET_KEY = re.compile(
    r"token|passw|passwd|pwd|passcode|secret|authori[sz]ation|^auth$|credential|cookie|bearer"
    r"|(?:api|access|private|secret)[-_ ]?key|signature|session[-_ ]?id",
    re.IGNORECASE,
)
#: a JSON Web Token (HT's tokens are JWTs) or a bearer header, whatever key holds it
_SECRET_VALUE = re.compile(r"^(?:Bearer\s+\S+|eyJ[\w-]*\.[\w-]+\.[\w-]*)$", re.IGNORECASE)
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def scrub(value: Any) -> Any:
    """A JSON-safe copy of `value` without credentials, for the recording header.

    Drops dict keys named like a secret (token, password, authorization, passcode, secret,
    api key, cookie, ...), string values that are a JWT or a bearer header, the password in
    a URL's `user:password@` part and secret-named URL query parameters. Values that are not
    JSON types become their `str()`, so a stray object cannot make the header unwritable.
    """
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = str(key)
            if _SECRET_KEY.search(name) or _is_secret_value(item):
                continue
            out[name] = scrub(item)
        return out
    if isinstance(value, list | tuple | set | frozenset):
        return [scrub(item) for item in value if not _is_secret_value(item)]
    if isinstance(value, str):
        return _scrub_url(value) if _URL.match(value) else value
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def _is_secret_value(value: Any) -> bool:
    return isinstance(value, str) and _SECRET_VALUE.match(value.strip()) is not None


def _scrub_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, host = netloc.rsplit("@", 1)
            netloc = f"{userinfo.split(':', 1)[0]}@{host}" if userinfo else host
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            query = urlencode([(k, v) for k, v in pairs if not _SECRET_KEY.search(k) and not _is_secret_value(v)])
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return "(an unparsable URL, left out)"
