"""The provider registry: names as the CLI knows them, to their codec modules."""

from __future__ import annotations

import importlib
from types import ModuleType

from feedcli.errors import UsageError

#: provider name → module under feedcli.providers (imported on first use, to keep start-up fast)
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


def get(name: str) -> ModuleType:
    """The codec module of a provider; UsageError (exit 2) for an unknown name."""
    try:
        module = _MODULES[name]
    except KeyError:
        raise UsageError(f"unknown provider {name!r}; known: {', '.join(_MODULES)}") from None
    return importlib.import_module(f"feedcli.providers.{module}")
