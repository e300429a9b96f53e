"""Who trades on the HT simulator: the instruments and contracts it lists, and any other it is asked for.

A simulator exists so that people and tests can try the real protocol without an account, and
the first thing they try is the provider documents' own examples: the TSE document subscribes
to `IRT3SATF0001` and `IRTKMOFD0001`, the IME document to `ContractA`/`ContractB` and to the
ids `12345`/`67890`. So besides the fixed universe (well-known instruments with their real
names, which `feedcli simulate` lists), every well-formed identifier is served: a synthetic
instrument whose parameters are drawn from a random generator seeded by the simulator's seed
and the identifier, so `IRT3SATF0001` always looks the same for a given `--seed`. Only a
malformed identifier (wrong length or characters) is refused, with the documented 1008.

Pure: identifiers in, frozen specifications out. The market (`ht_market.py`) makes them move.

Synthetic instruments are told apart by what the identifier says, as far as it says anything:
an ISIN's third letter `T` is a fund (TSE's ETFs: `IRT1...`, `IRT3...`), `O9` an option, any
other a stock; a name is a stock, or an option where it looks like one (`ض`/`ط` and a series
number, as `ضفلا4012`). Prices, ticks and lots are plausible, not authoritative. An unknown ISIN
and an unknown name are two different instruments (nothing ties a made-up name to an ISIN);
the listed ones answer to both.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Literal

from feedcli.providers import ime, tse

Kind = Literal["stock", "fund", "option"]
TseBy = Literal["isin", "name"]
ImeBy = Literal["id", "name"]

#: the channels every TSE instrument carries; funds add fund-info, options add contract-info
_COMMON_CHANNELS: tuple[str, ...] = (
    "best-limit",
    "order-book",
    "ohlcv-last-1m",
    "aggregate",
    "institutional-vs-individual",
)
_KIND_CHANNELS: dict[str, tuple[str, ...]] = {
    "stock": _COMMON_CHANNELS,
    "fund": (*_COMMON_CHANNELS, "fund-info"),
    "option": (*_COMMON_CHANNELS, "contract-info"),
}
assert all(set(chs) <= set(tse.CHANNELS) for chs in _KIND_CHANNELS.values())

#: the longest symbol name and contract name served (TSE names are a few letters and digits)
MAX_NAME = 30
MAX_CONTRACT_NAME = 40
#: IME contract ids are numbers
_CONTRACT_ID = re.compile(r"^[0-9]{1,12}$")
#: a name: letters and digits of any script, with inner spaces and zero-width non-joiners
#: (Persian writes some names with them); nothing else: no punctuation, no control characters
_NAME = re.compile(r"^[^\W_](?:[^\W_]|[ \u200c])*$")
_OPTION_NAME = re.compile(r"^[ضط][^\W\d_]+[0-9]+$")


@dataclass(frozen=True)
class Instrument:
    """A TSE or IFB instrument: how it is subscribed (ISIN or name) and how its price moves.

    A synthetic instrument made from a name has no ISIN (`isin == ""`): it is reached by its
    name only, and its key says so.
    """

    isin: str
    name: str
    kind: Kind
    #: the previous close on the first simulated day, in rials, on the tick grid
    price: int
    tick: int
    #: order quantities are multiples of this (shares; contracts for an option)
    lot: int
    #: the daily price limit around the previous close, as a fraction
    limit: float = 0.05
    #: options only: the underlying's ISIN, the strike and the shares per contract
    underlying: str | None = None
    strike: int = 0
    contract_size: int = 1
    #: made up for an identifier outside the listed universe
    synthetic: bool = False

    @property
    def key(self) -> str:
        """The market's key: the ISIN, or for one known by name only, `tse-name:NAME`."""
        return self.isin or f"tse-name:{self.name}"

    @property
    def channels(self) -> tuple[str, ...]:
        """Channels that carry messages for this instrument.

        A stock subscribed to fund-info or contract-info is accepted but gets no message of
        that channel, since it has no such data; the real server subscribes to a stream that
        simply never fires.
        """
        return _KIND_CHANNELS[self.kind]


@dataclass(frozen=True)
class Contract:
    """An IME contract: subscribed by id or by name, one `IME Stream` payload.

    A synthetic contract made from a name has no id (`contract_id == ""`).
    """

    contract_id: str
    name: str
    price: int
    tick: int
    lot: int
    limit: float = 0.05
    synthetic: bool = False

    @property
    def key(self) -> str:
        """The market's key: the contract id, or for one known by name only, `ime-name:NAME`."""
        return self.contract_id or f"ime-name:{self.name}"

    @property
    def channels(self) -> tuple[str, ...]:
        return (ime.CHANNEL,)


TSE_UNIVERSE: tuple[Instrument, ...] = (
    Instrument("IRO1FOLD0001", "فولاد", "stock", price=5_870, tick=1, lot=1_000),
    Instrument("IRO1IKCO0001", "خودرو", "stock", price=2_450, tick=1, lot=5_000),
    Instrument("IRO1BMLT0001", "وبملت", "stock", price=3_210, tick=1, lot=2_000),
    Instrument("IRO1PNES0001", "شپنا", "stock", price=6_540, tick=1, lot=1_000),
    Instrument("IRO1MSMI0001", "فملی", "stock", price=7_480, tick=1, lot=1_000),
    Instrument("IRT1AHRM0001", "اهرم", "fund", price=28_150, tick=10, lot=500),
    Instrument(
        "IRO9FOLD4121",
        "ضفلا4012",
        "option",
        price=1_480,
        tick=1,
        lot=1,
        underlying="IRO1FOLD0001",
        strike=4_600,
        contract_size=1_000,
    ),
)

IME_UNIVERSE: tuple[Contract, ...] = (
    Contract("100101", "طلا0412", price=98_500_000, tick=1_000, lot=1),
    Contract("100205", "زعفران0412", price=2_540_000, tick=1_000, lot=1),
    Contract("100310", "نقره0501", price=1_312_000, tick=100, lot=1),
    Contract("100412", "پسته0503", price=40_600_000, tick=10_000, lot=1),
)


# ----------------------------------------------------------------------------- well-formed


def is_name(text: str, longest: int = MAX_NAME) -> bool:
    """Whether `text` can be a symbol or contract name: letters and digits, at most `longest`."""
    return 0 < len(text) <= longest and bool(_NAME.match(text)) and not text.endswith((" ", "\u200c"))


def well_formed_symbol(by: TseBy, symbol: str) -> bool:
    """Whether a TSE subscription's identifier has the shape of one (an ISIN: 12 characters,
    2 letters then 10 letters or digits, as the client checks; a name: `is_name`)."""
    return tse.is_isin(symbol) if by == "isin" else is_name(symbol)


def well_formed_contract(by: ImeBy, contract: str) -> bool:
    """Whether an IME subscription's identifier has the shape of one (an id: 1 to 12 digits)."""
    return bool(_CONTRACT_ID.match(contract)) if by == "id" else is_name(contract, MAX_CONTRACT_NAME)


# ----------------------------------------------------------------------------- synthetic


def _rng(seed: int, *parts: str) -> random.Random:
    """A generator seeded by the seed and an identifier, the same in every process (a `str`
    seed is hashed with SHA-512, not with the per-process `hash`)."""
    return random.Random("/".join(("feedcli-ht", str(seed), *parts)))


def _on_grid(value: float, tick: int) -> int:
    return max(tick, tick * round(value / tick))


def synthetic_instrument(seed: int, by: TseBy, symbol: str, listed: frozenset[str] = frozenset()) -> Instrument | None:
    """The instrument an unknown but well-formed identifier stands for; None if it is malformed.

    `listed` holds the ISINs of the fixed universe: a synthetic option names the stock of its
    company code (`IRO9FOLD...` → `IRO1FOLD0001`) as its underlying when that one is listed.
    """
    if not well_formed_symbol(by, symbol):
        return None
    rng = _rng(seed, "tse", by, symbol)
    if by == "isin":
        kind: Kind = "fund" if symbol[2] == "T" else "option" if symbol[2:4] == "O9" else "stock"
    else:
        kind = "option" if _OPTION_NAME.match(symbol) else "stock"
    isin = symbol if by == "isin" else ""
    # an ISIN's company code (`SATF` of IRT3SATF0001) is the nearest thing it has to a name
    name = symbol if by == "name" else symbol[4:8] + ("" if symbol.endswith("0001") else symbol[8:])
    if kind == "fund":
        price, tick, lot = _on_grid(rng.uniform(8_000, 60_000), 10), 10, rng.choice((100, 500, 1_000))
        return Instrument(isin, name, kind, price, tick, lot, synthetic=True)
    if kind == "option":
        underlying = f"IRO1{symbol[4:8]}0001" if by == "isin" else None
        return Instrument(
            isin,
            name,
            kind,
            price=_on_grid(rng.uniform(50, 3_000), 1),
            tick=1,
            lot=1,
            underlying=underlying if underlying in listed else None,
            strike=_on_grid(rng.uniform(1_000, 20_000), 100),
            contract_size=1_000,
            synthetic=True,
        )
    price, lot = _on_grid(rng.uniform(800, 30_000), 1), rng.choice((500, 1_000, 2_000, 5_000))
    return Instrument(isin, name, kind, price, 1, lot, synthetic=True)


def synthetic_contract(seed: int, by: ImeBy, contract: str) -> Contract | None:
    """The contract an unknown but well-formed id or name stands for; None if it is malformed."""
    if not well_formed_contract(by, contract):
        return None
    rng = _rng(seed, "ime", by, contract)
    # IME prices run from thousands of rials (per kilo of a farm product) to a hundred million
    # (a gold coin); the tick keeps about four significant digits
    price = 10 ** rng.uniform(5, 8)
    tick = 10 ** max(0, len(str(int(price))) - 4)
    name = contract if by == "name" else f"Contract{contract}"
    return Contract(contract if by == "id" else "", name, _on_grid(price, tick), tick, 1, synthetic=True)
