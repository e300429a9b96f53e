"""Where credentials live: one file per profile and provider family, readable by the user only.

Tokens are kept per base URL inside a profile (as `gh` keeps them per host): a token
issued by a simulator is never sent to production, nor the other way round.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

from feedcli.errors import UsageError

DEFAULT_PROFILE = "default"


def config_dir() -> Path:
    """`FEEDCLI_CONFIG_DIR`, else the platform's user config directory (XDG on Linux)."""
    override = os.environ.get("FEEDCLI_CONFIG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_config_path

    return user_config_path("feedcli", appauthor=False)


def _profile_file(profile: str, family: str) -> Path:
    if not profile or "/" in profile or profile.startswith(".") or profile != profile.strip():
        raise UsageError(f"invalid profile name {profile!r}")
    return config_dir() / "profiles" / profile / f"{family}.json"


def _ensure_private_dir(path: Path) -> None:
    """Create what is missing of `path`, each directory with mode 0700; change no other.

    The config root may be a directory the user chose and shares (FEEDCLI_CONFIG_DIR=/tmp),
    and `profiles/` one the user made: feedcli never changes the mode of a directory it did
    not create. The ones it creates are 0700 whatever the umask (`mkdir -p` semantics would
    leave missing parents 0777 under umask 000).
    """
    missing: list[Path] = []
    for part in (path, *path.parents):
        if part.is_dir():
            break
        missing.append(part)
    for part in reversed(missing):
        try:
            os.mkdir(part, 0o700)
        except FileExistsError:
            if part.is_dir():
                continue  # made meanwhile by another process: not ours to change
            raise UsageError(f"cannot create the directory {part}: a file of that name is in the way") from None
        except OSError as exc:
            raise UsageError(f"cannot create the directory {part}: {exc.strerror}") from None
        os.chmod(part, 0o700)  # a umask may have taken the owner's own bits


def load(profile: str, family: str) -> dict[str, Any]:
    """The stored credentials of a family (`{base_url: {...}}`), empty when there are none."""
    path = _profile_file(profile, family)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise UsageError(f"{path} is not valid JSON; remove it and log in again") from None
    return data if isinstance(data, dict) else {}


def save(profile: str, family: str, data: dict[str, Any]) -> Path:
    """Write atomically with mode 0600: the file never exists with wider permissions."""
    path = _profile_file(profile, family)
    _ensure_private_dir(path.parent)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, orjson.dumps(data, option=orjson.OPT_INDENT_2))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return path


def remove(profile: str, family: str) -> bool:
    """Forget a family's credentials in a profile; False when there were none."""
    path = _profile_file(profile, family)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def profiles() -> list[str]:
    """The profiles that hold anything, sorted by name."""
    root = config_dir() / "profiles"
    try:
        return sorted(p.name for p in root.iterdir() if p.is_dir() and any(p.glob("*.json")))
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise UsageError(f"cannot read {root}: {exc.strerror}") from None


def base_key(base_url: str) -> str:
    """The key a base URL is stored under: scheme://host[:port][/prefix], lower-cased scheme
    and host, no trailing slash, so `HTTP://Host:1/` and `http://host:1` are one login."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(base_url.rstrip("/"))
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, "", ""))
