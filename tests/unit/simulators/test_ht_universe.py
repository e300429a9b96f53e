"""Who the HT simulator serves: the listed universe, and a synthetic instrument for any other
well-formed identifier, the same for the same seed whatever else the market holds."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from feedcli.providers import ime, tse
from feedcli.simulators.ht_market import HTMarket
from feedcli.simulators.ht_universe import (
    TSE_UNIVERSE,
    Contract,
    Instrument,
    is_name,
    synthetic_contract,
    synthetic_instrument,
    well_formed_contract,
    well_formed_symbol,
)

T0 = datetime(2025, 11, 14, 6, 0, tzinfo=timezone.utc)
LISTED = frozenset(i.isin for i in TSE_UNIVERSE)


@pytest.mark.parametrize(
    ("by", "symbol", "ok"),
    [
        ("isin", "IRT3SATF0001", True),
        ("isin", "IRTKMOFD0001", True),
        ("isin", "IRO1FOLD0001", True),
        ("isin", "IRO1FOLD001", False),
        ("isin", "IRO1FOLD00011", False),
        ("isin", "iro1fold0001", False),
        ("isin", "IR01FOLD000-", False),
        ("name", "فولاد", True),
        ("name", "ضفلا4012", True),
        ("name", "ContractA", True),
        ("name", "می\u200cدکو", True),  # a zero-width non-joiner inside a Persian name
        ("name", "اخزا 003", True),
        ("name", "", False),
        ("name", " فولاد", False),
        ("name", "فولاد ", False),
        ("name", "a_b", False),
        ("name", "a;b", False),
        ("name", "a\tb", False),
        ("name", "x" * 30, True),
        ("name", "x" * 31, False),
    ],
)
def test_well_formed_symbols(by: str, symbol: str, ok: bool) -> None:
    assert well_formed_symbol(by, symbol) is ok  # type: ignore[arg-type]
    assert (synthetic_instrument(1, by, symbol) is not None) is ok  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("by", "contract", "ok"),
    [
        ("id", "12345", True),
        ("id", "67890", True),
        ("id", "1", True),
        ("id", "123456789012", True),
        ("id", "1234567890123", False),
        ("id", "12a45", False),
        ("id", "", False),
        ("id", "-1", False),
        ("name", "ContractA", True),
        ("name", "طلا0412", True),
        ("name", "Contract-A", False),
        ("name", "C" * 40, True),
        ("name", "C" * 41, False),
    ],
)
def test_well_formed_contracts(by: str, contract: str, ok: bool) -> None:
    assert well_formed_contract(by, contract) is ok  # type: ignore[arg-type]
    assert (synthetic_contract(1, by, contract) is not None) is ok  # type: ignore[arg-type]


def test_a_synthetic_instrument_depends_on_the_seed_and_the_identifier_only() -> None:
    one = synthetic_instrument(3, "isin", "IRT3SATF0001")
    assert one == synthetic_instrument(3, "isin", "IRT3SATF0001")
    assert one != synthetic_instrument(4, "isin", "IRT3SATF0001")
    assert one != synthetic_instrument(3, "isin", "IRT3SATG0001")
    assert one is not None and one.synthetic and one.key == "IRT3SATF0001" and one.name == "SATF"
    assert synthetic_contract(3, "id", "12345") == synthetic_contract(3, "id", "12345")
    assert synthetic_contract(3, "id", "12345") != synthetic_contract(4, "id", "12345")


def test_kinds_follow_what_the_identifier_says() -> None:
    kinds = {
        symbol: synthetic_instrument(1, "isin", symbol, LISTED).kind  # type: ignore[union-attr]
        for symbol in ("IRT3SATF0001", "IRTKMOFD0001", "IRO1KHOD0001", "IRO9FOLD4999", "IRO9ABCD1234")
    }
    assert kinds == {
        "IRT3SATF0001": "fund",
        "IRTKMOFD0001": "fund",
        "IRO1KHOD0001": "stock",
        "IRO9FOLD4999": "option",
        "IRO9ABCD1234": "option",
    }
    listed_underlying = synthetic_instrument(1, "isin", "IRO9FOLD4999", LISTED)
    assert listed_underlying is not None and listed_underlying.underlying == "IRO1FOLD0001"
    other = synthetic_instrument(1, "isin", "IRO9ABCD1234", LISTED)
    assert other is not None and other.underlying is None and other.strike > 0
    assert synthetic_instrument(1, "name", "ضخود1234").kind == "option"  # type: ignore[union-attr]
    assert synthetic_instrument(1, "name", "خساپا").kind == "stock"  # type: ignore[union-attr]


@pytest.mark.parametrize("seed", range(40))
def test_synthetic_specs_are_plausible(seed: int) -> None:
    for symbol in ("IRT3SATF0001", "IRO1KHOD0001", "IRO9ABCD1234"):
        ins = synthetic_instrument(seed, "isin", symbol)
        assert isinstance(ins, Instrument)
        assert ins.price > 0 and ins.price % ins.tick == 0 and ins.lot >= 1
        tse.subscription([ins.isin], [], [])  # feedcli's own check takes it
    name = synthetic_instrument(seed, "name", "خساپا")
    assert isinstance(name, Instrument) and name.isin == "" and name.key == "tse-name:خساپا"
    for by, contract in (("id", "12345"), ("name", "ContractA")):
        c = synthetic_contract(seed, by, contract)  # type: ignore[arg-type]
        assert isinstance(c, Contract) and c.price % c.tick == 0 and 10_000 <= c.price <= 100_000_000
        assert c.channels == (ime.CHANNEL,)
    assert synthetic_contract(seed, "name", "ContractA").key == "ime-name:ContractA"  # type: ignore[union-attr]
    assert synthetic_contract(seed, "id", "12345").key == "12345"  # type: ignore[union-attr]


def _book_payloads(market: HTMarket, key: str, steps: int) -> list[dict]:
    out = []
    for i in range(steps):
        out += [
            u.data
            for u in market.step(T0 + timedelta(milliseconds=50 * i))
            if u.instrument.key == key and u.channel in ("best-limit", "order-book")
        ]
    return out


def test_a_synthetic_instrument_looks_the_same_whatever_else_the_market_holds() -> None:
    spec = synthetic_instrument(9, "isin", "IRT3SATF0001")
    neighbour = synthetic_instrument(9, "isin", "IRTKMOFD0001")
    assert spec is not None and neighbour is not None
    alone = HTMarket(9, (), ())
    alone.add(spec)
    crowded = HTMarket(9)  # the whole listed universe, and one more
    crowded.add(neighbour)
    crowded.add(spec)
    first = _book_payloads(alone, spec.key, 400)
    second = _book_payloads(crowded, spec.key, 400 * 13)  # about as many of its own events
    common = min(len(first), len(second))
    assert common > 300
    assert second[:common] == first[:common]
    other_seed = HTMarket(10, (), ())
    other_seed.add(synthetic_instrument(10, "isin", "IRT3SATF0001"))  # type: ignore[arg-type]
    assert _book_payloads(other_seed, spec.key, 400)[:50] != first[:50]


def test_add_and_release_step_an_instrument_while_it_is_held() -> None:
    market = HTMarket(2, TSE_UNIVERSE[:1], ())
    spec = synthetic_instrument(2, "isin", "IRT3SATF0001")
    assert spec is not None
    market.add(spec)
    market.add(spec)  # once only
    assert market.stepped == 2
    for i in range(200):
        market.step(T0 + timedelta(milliseconds=50 * i))
    frozen = market.payload(spec.key, "order-book")
    market.release(spec.key)
    market.release(TSE_UNIVERSE[0].isin)  # a listed instrument is never released
    market.release("IRO1NONE0001")  # nor an unknown key a problem
    assert market.stepped == 1
    updates = [u for i in range(200) for u in market.step(T0 + timedelta(seconds=10, milliseconds=50 * i))]
    assert all(u.instrument.key != spec.key for u in updates) and market.payload(spec.key, "order-book") == frozen
    market.add(spec)
    assert market.stepped == 2 and market.payload(spec.key, "order-book") == frozen  # resumes as it was


def test_released_instruments_are_kept_up_to_a_bound() -> None:
    market = HTMarket(2, (), ())
    market.MAX_IDLE = 3  # type: ignore[misc]
    specs = [synthetic_contract(2, "id", str(10_000 + n)) for n in range(5)]
    for spec in specs:
        assert spec is not None
        market.add(spec)
    market.step(T0)
    for spec in specs:
        market.release(spec.key)  # type: ignore[union-attr]
    assert market.stepped == 0
    with pytest.raises(KeyError):
        market.payload(specs[0].key, ime.CHANNEL)  # type: ignore[union-attr]
    assert market.payload(specs[-1].key, ime.CHANNEL) is not None  # type: ignore[union-attr]
    assert market.step(T0 + timedelta(seconds=1)) == []  # nothing to move is no error


def test_names_and_ids_of_the_listed_universe_still_check() -> None:
    assert all(is_name(i.name) for i in TSE_UNIVERSE)
