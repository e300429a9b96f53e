"""The provider registry: names as the CLI knows them, to their records (`record.Provider`).

This list is the one place a new provider is registered. Each module is imported on first
use, so `feedcli --version` imports none of them and a command imports only what it needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from feedcli.errors import UsageError

if TYPE_CHECKING:
    from feedcli.credentials import CredentialKind
    from feedcli.providers.record import Provider

#: provider name → module (or package) under feedcli.providers that exports `PROVIDER`
_MODULES: dict[str, str] = {
    "tse": "tse",
    "ime": "ime",
    "datafye": "datafye",
    "moex": "moex",
    "binance": "binance",
    "okx": "okx",
    "coinbase": "coinbase",
    "bybit": "bybit",
    "kucoin": "kucoin",
    "gate": "gate",
}


def names() -> list[str]:
    return list(_MODULES)


def get(name: str) -> Provider:
    """The record of a provider; UsageError (exit 2) for an unknown name."""
    try:
        module = _MODULES[name]
    except KeyError:
        raise UsageError(f"unknown provider {name!r}; known: {', '.join(_MODULES)}") from None
    record: Provider = importlib.import_module(f"feedcli.providers.{module}").PROVIDER
    return record


def find(name: str) -> Provider | None:
    """The record of a provider, None for a name no provider has (a recording of another version)."""
    return get(name) if name in _MODULES else None


def records() -> list[Provider]:
    """Every provider's record, in the registry's order."""
    return [get(name) for name in _MODULES]


def families() -> dict[str, CredentialKind]:
    """The credential kinds by family (`ht`, `moex`), in the registry's order; several
    providers may share one (HT's tse and ime)."""
    out: dict[str, CredentialKind] = {}
    for record in records():
        if record.credentials is not None:
            out.setdefault(record.credentials.family, record.credentials)
    return out
