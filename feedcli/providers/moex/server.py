"""The server's side of MOEX ISS+ (`feedcli simulate moex`, `replay --serve`): the selector
parser, CONNECTED, MESSAGE, REPLY, RECEIPT and ERROR frames, and rows and packets encoded."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from feedcli import stomp
from feedcli.providers.base import (
    Refusal,
)
from feedcli.providers.moex.protocol import PACKET_TYPES
from feedcli.providers.moex.schema import Resource, Schema
from feedcli.providers.moex.values import value_encoder

# ----------------------------------------------------------------------------- the server's side


def parse_selector(text: str | None) -> dict[str, str]:
    """`TICKER="MXSE.TQBR.SBER" and interval="M1"` → {"ticker": ..., "interval": ...} (names lower-cased).

    The SQL-like grammar of the examples: `name = "value"` (double or single quotes)
    joined by `and`. Refusal for anything else.
    """
    if text is None or not text.strip():
        return {}
    out: dict[str, str] = {}
    pos, rest = 0, text.strip()
    pattern = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(\"([^\"]*)\"|'([^']*)')\s*")
    while True:
        match = pattern.match(rest, pos)
        if match is None:
            raise Refusal(f"cannot read the selector at {rest[pos : pos + 30]!r}")
        value = match.group(3) if match.group(3) is not None else match.group(4)
        out[match.group(1).lower()] = value
        pos = match.end()
        if pos >= len(rest):
            return out
        joiner = re.compile(r"and\s", re.IGNORECASE).match(rest, pos)
        if joiner is None:
            raise Refusal(f"expected 'and' in the selector at {rest[pos : pos + 30]!r}")
        pos = joiner.end()


def connected_frame(structure: Mapping[str, Any], heart_beat: tuple[int, int], version: str | None) -> bytes:
    """CONNECTED with the metadata as its JSON body (`{"version": ..., "structure": ...}`)."""
    body = orjson.dumps({"version": {"version.note": "feedcli simulator"}, "structure": structure})
    headers = {"version": version, "heart-beat": f"{heart_beat[0]},{heart_beat[1]}", "server": "feedcli-simulate/moex"}
    return stomp.encode("CONNECTED", headers, body)


def message_frame(subscription: str, destination: str, message_id: str, body: bytes) -> bytes:
    headers = {
        "subscription": subscription,
        "destination": destination,
        "message-id": message_id,
        "content-type": "application/json",
    }
    return stomp.encode("MESSAGE", headers, body)


def reply_frame(request_id: str, destination: str, body: bytes) -> bytes:
    return stomp.encode("REPLY", {"request-id": request_id, "destination": destination}, body)


def receipt_frame(receipt_id: str) -> bytes:
    return stomp.encode("RECEIPT", {"receipt-id": receipt_id})


def error_frame(code: str, text: str, *, receipt_id: str | None = None, request_id: str | None = None) -> bytes:
    """ERROR with the code in `message` (what the official client reads) and the text as body."""
    headers = {"message": code, "receipt-id": receipt_id, "request-id": request_id, "content-type": "text/plain"}
    return stomp.encode("ERROR", headers, text)


def encode_rows(
    resource: Resource | None, schema: Schema | None, rows: Sequence[Mapping[str, Any]]
) -> tuple[list[str], list[list[Any]]]:
    """Typed rows → (columns, wire rows): the inverse of `RowDecoder` (replay re-encodes with it)."""
    columns: list[str] = []
    for row in rows:
        for name in row:
            if name not in columns:
                columns.append(name)
    by_name = {c.name: c for c in resource.output} if resource is not None else {}
    market = resource.market if resource is not None else ""
    encoders = [value_encoder(by_name.get(c), schema, market) for c in columns]
    return columns, [[enc(row.get(c)) for c, enc in zip(columns, encoders, strict=True)] for row in rows]


def encode_packet(
    kind: str, columns: Sequence[str], data: Iterable[Sequence[Any]], seqnum: int | None, timestamp: Any
) -> bytes:
    """A packet as the server sends it (the simulator's and replay server's side)."""
    if kind not in PACKET_TYPES:
        raise ValueError(f"packet type {kind!r}")
    props: dict[str, Any] = {"type": kind}
    if seqnum is not None:
        props["seqnum"] = seqnum
    if timestamp is not None:
        props["timestamp"] = timestamp
    return orjson.dumps({"properties": props, "columns": list(columns), "data": [list(r) for r in data]})
