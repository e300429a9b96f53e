"""Which addresses feedcli's servers (`simulate`, `replay --serve`) may listen on.

A simulator serves well-known demo credentials and a replay server whatever was recorded:
on every interface, a café's network could log in or read the recording. So they listen on
loopback only, unless the user says `--public`, and then they say on stderr what is exposed.
"""

from __future__ import annotations

import ipaddress
import socket

from feedcli.errors import UsageError


def is_loopback(host: str) -> bool:
    """Whether every address `host` stands for is a loopback one (`localhost`, 127.0.0.0/8, ::1)."""
    if not host:
        return False  # the empty host is every interface
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return False  # binding it will fail anyway; refusing first is no loss
    return bool(infos) and all(ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback for info in infos)


def check_bind(host: str, public: bool, what: str, flag: str) -> str | None:
    """Refuse a non-loopback `host` without `--public` (UsageError, exit 2); with it, the warning.

    `what` says what would be exposed (one phrase), `flag` names the option the host came from.
    The warning is returned, not printed: it goes after the server's banner, whose first
    line scripts read for the URL.
    """
    if is_loopback(host):
        return None
    shown = host or "every interface"
    if not public:
        raise UsageError(
            f"{flag} {shown} is not a loopback address: it would expose {what} to the network; "
            "add --public if that is what you want"
        )
    return f"feedcli: warning: listening on {shown} (--public): {what} is reachable from the network"
