"""The live view works on the market vocabulary only: no provider's name or field in feedcli/views."""

from __future__ import annotations

import re
from pathlib import Path

from feedcli import providers

VIEWS = Path(__file__).resolve().parents[3] / "feedcli" / "views"
#: field names of the providers' payloads (HT, IME, Datafye, MOEX), as they would appear quoted
FIELDS = (
    "Aggregate",
    "BestLimit",
    "AllowedPriceRange",
    "ContractInfo",
    "buy_price",
    "sell_quantity",
    "last_price",
    "previous_close",
    "bidPrice",
    "tradePrice",
    "LAST",
    "BIDDEPTH",
    "OFFER",
    "PREVPRICE",
)


def test_no_module_of_the_views_names_a_provider_or_one_of_its_fields() -> None:
    names = [record.name for record in providers.records()]
    for path in sorted(VIEWS.glob("*.py")):
        code = path.read_text()
        for word in (*names, *FIELDS):
            assert not re.search(rf"""["']{re.escape(word)}["']""", code), f"{path.name} names {word!r}"
