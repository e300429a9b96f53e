"""HT Data Engine, IME (Iran Mercantile Exchange): one stream per contract.

Source: ../shared/seeds/ht-ime-websocket.md, and the later README revisions summarised in
../shared/notes/protocols.md (`contract_name` singular, `Bearer` in one revision). The
client sends what the source document says; the simulator accepts every revision's form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode

from feedcli import market
from feedcli.errors import UsageError
from feedcli.providers import ht
from feedcli.providers.base import (
    Codec,
    Handshake,
    ProviderInfo,
    Refusal,
    SelectorOption,
    check_selector,
    unique,
    ws_url,
)
from feedcli.providers.record import NO_TUNING, Channel, Demo, Provider

CHANNEL = "IME Stream"
PATH = "/data-engine/ime/live/data/websocket/contract"
#: the path as the document writes it, under `YOUR_DOMAIN` (its examples: a local deployment of
#: the IME service alone, `ws://127.0.0.1:8000/live/data/...`); the simulator serves it too
DOCUMENT_PATH = "/live/data/websocket/contract"
#: endpoint suffix → (query parameter we send, parameters the server accepts, identifier field)
ENDPOINTS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "id": ("contract_id", ("contract_id", "contract_ids"), "ContractId"),
    "name": ("contract_names", ("contract_names", "contract_name"), "contractName"),
}
#: the sections of every IME payload, in the document's order
SECTIONS = ("BestLimit", "Aggregate", "AllowedPriceRange", "ContractInfo")

INFO = ProviderInfo(
    name="ime",
    title="HT Data Engine: Iran Mercantile Exchange",
    default_url=ht.PRODUCTION_URL,
    credentials="ht",
    channels=(CHANNEL,),
    selectors="--contract-id ID... | --contract-name NAME...",
    ws_path=PATH + "/{id,name}",
    examples=(
        "feedcli stream ime --contract-id 100101 --limit 5 | jq -c .data.Aggregate",
        "feedcli stream ime --contract-name طلا0412 --format view",
    ),
)

OPTIONS = (
    SelectorOption("--contract-id", "contract_id", "Contract by id (repeatable).", metavar="ID"),
    SelectorOption("--contract-name", "contract_name", "Contract by name (repeatable).", metavar="NAME"),
    ht.BEARER_OPTION,
)

By = Literal["id", "name"]


@dataclass(frozen=True)
class Subscription:
    by: By
    contracts: tuple[str, ...]


def subscription(ids: list[str], names: list[str]) -> Subscription:
    """Check what the user typed and build the subscription (UsageError, exit 2, if wrong)."""
    if ids and names:
        raise UsageError("use --contract-id or --contract-name, not both: they are two different endpoints")
    if ids:
        return Subscription("id", unique([check_selector("--contract-id", i) for i in ids]))
    if names:
        return Subscription("name", unique([check_selector("--contract-name", n) for n in names]))
    raise UsageError("name at least one contract with --contract-id ID or --contract-name NAME")


def request_target(sub: Subscription) -> str:
    param = ENDPOINTS[sub.by][0]
    return f"{PATH}/{sub.by}?{urlencode([(param, c) for c in sub.contracts])}"


def parse_request_target(path: str, query: str) -> Subscription:
    """The server's reading of a request target; accepts every documented path and parameter spelling."""
    base, _, suffix = path.rpartition("/")
    if base not in (PATH, DOCUMENT_PATH) or suffix not in ENDPOINTS:
        raise Refusal(f"unknown endpoint {path}")
    by: By = "id" if path.endswith("/id") else "name"
    accepted = ENDPOINTS[by][1]
    contracts = tuple(v for k, v in parse_qsl(query, keep_blank_values=True) if k in accepted)
    if not contracts:
        raise Refusal(f"no contract requested ({' or '.join(accepted)})")
    return Subscription(by, contracts)


def prepare(values: Mapping[str, Any], tuning: Mapping[str, float] = NO_TUNING) -> Callable[[str, str], list[Codec]]:
    """Check the command line's values (exit 2 if wrong); then (base URL, token) → codecs."""
    sub = subscription(values.get("contract_id") or [], values.get("contract_name") or [])
    bearer = bool(values.get("bearer"))
    return lambda base_url, token: codecs(sub, base_url, token, bearer=bearer)


def codecs(sub: Subscription, base_url: str, token: str, *, bearer: bool = False) -> list[Codec]:
    handshake = Handshake(ws_url(base_url, request_target(sub)), ht.auth_headers(token, bearer=bearer))
    id_field = ENDPOINTS[sub.by][2]
    fields = (id_field, "contractId") if sub.by == "id" else (id_field, "ContractName")
    return [ht.EnvelopeCodec("ime", handshake, fields, PROVIDER.kinds)]


def encode_message(sub_by: By, contract: str, timestamp: str | None, data: dict) -> bytes:
    """A message as the server sends it on the `sub_by` endpoint."""
    return ht.encode_envelope(CHANNEL, ENDPOINTS[sub_by][2], contract, timestamp, data)


# ----------------------------------------------------------------------------- the vocabulary


def stream(data: Any, _ts: str | None = None) -> tuple[market.Market, ...]:
    """IME's one message holds everything about a contract: its best limits, the day's
    statistics (the line's own object, with every field of the message), the allowed price
    band, the contract's details and anything else it sends, each as its own object."""
    fields = ht.fields_of(data)
    out: list[market.Market] = []
    if "BestLimit" in fields:
        out.append(ht.best_limits(fields["BestLimit"]))
    # the line's own object, even without an Aggregate: the message's fields, flat
    out.append(ht.aggregate(fields.get("Aggregate"), market.flat(fields)))
    band = fields.get("AllowedPriceRange")
    if isinstance(band, Mapping):
        out.append(
            market.PriceBand(
                market.flat(band), ht.price_of(band.get("minAllowedPrice")), ht.price_of(band.get("maxAllowedPrice"))
            )
        )
    info = fields.get("ContractInfo")
    if isinstance(info, Mapping):
        out.append(ht.info("contract", info))
    rest = {k: v for k, v in fields.items() if k not in SECTIONS}
    if rest:
        out.append(market.Info("IME Stream", market.flat(rest)))
    return tuple(out)


PROVIDER = Provider(
    info=INFO,
    options=OPTIONS,
    prepare=prepare,
    channels=(Channel(CHANNEL, "stats", stream),),
    credentials=ht.CREDENTIALS,
    simulator=ht.simulator(
        "ime",
        "HT Data Engine (IME, and TSE & IFB on the same port): login, the IME Stream, close 1008.",
        "feedcli simulate ime --seed 7 --rate 100",
    ),
    demo=Demo(values=lambda sim: {"contract_id": [c.contract_id for c in sim.ime_contracts]}, names=ht.demo_names),
    replay=ht.replay("ime", "feedcli login --url {url} -u demo, then feedcli stream ime --url {url} --contract-id ID"),
    ts_zone=ht.tehran,
)
