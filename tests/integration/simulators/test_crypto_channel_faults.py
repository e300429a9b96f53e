"""The crypto simulators' book faults, seen on the wire (no feedcli client in between): a
skipped update id, a wrong checksum, a REST snapshot behind the stream. Each test also runs the
simulator without the fault, so it fails if the fault is never injected or always is."""

from __future__ import annotations

import asyncio
import json
from itertools import pairwise
from typing import Any

import aiohttp

from feedcli.providers.crypto import okx
from feedcli.providers.crypto.model import Gap
from feedcli.simulators.binance import BinanceSimulator
from feedcli.simulators.okx import OKXSimulator


def run(coro: Any, timeout: float = 30) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def binance_updates(count: int, **faults: Any) -> tuple[list[dict], dict]:
    """`count` depthUpdate events of BTCUSDT, then a REST snapshot."""
    sim = BinanceSimulator(rate=50, seed=2, **faults)
    url = await sim.start()
    try:
        async with aiohttp.ClientSession() as http, http.ws_connect(url.replace("http", "ws") + "/ws") as ws:
            await ws.send_str(json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@depth@100ms"], "id": 1}))
            events: list[dict] = []
            while len(events) < count:
                message = json.loads((await ws.receive()).data)
                if message.get("e") == "depthUpdate":
                    events.append(message)
            async with http.get(f"{url}/api/v3/depth", params={"symbol": "BTCUSDT", "limit": "5"}) as answer:
                snapshot = await answer.json()
            return events, snapshot
    finally:
        await sim.stop()


def breaks(events: list[dict]) -> int:
    return sum(1 for a, b in pairwise(events) if b["U"] != a["u"] + 1)


def test_binance_skips_an_update_every_n() -> None:
    events, _ = run(binance_updates(12))
    assert breaks(events) == 0
    events, _ = run(binance_updates(12, skip_update_every=4))
    assert breaks(events) >= 2


def test_binance_rest_snapshot_lags_the_stream() -> None:
    events, snapshot = run(binance_updates(8))
    assert snapshot["lastUpdateId"] >= events[-1]["u"]
    events, snapshot = run(binance_updates(8, snapshot_lag=5))
    assert snapshot["lastUpdateId"] < events[-1]["u"]


async def okx_verdicts(count: int, **faults: Any) -> list[str | None]:
    """OKX's book channel through OKX's own checksum rule: None for an update that checks out."""
    sim = OKXSimulator(rate=50, seed=2, **faults)
    url = await sim.start()
    machine = okx.OkxBook("BTC-USDT", 5)
    verdicts: list[str | None] = []
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(url.replace("http", "ws") + okx.PUBLIC_PATH) as ws,
        ):
            args = [{"channel": "books", "instId": "BTC-USDT"}]
            await ws.send_str(json.dumps({"op": "subscribe", "args": args}))
            while len(verdicts) < count:
                parsed = okx.parse((await ws.receive()).data)
                for snapshot in parsed.snapshots:
                    machine.on_snapshot(snapshot)
                for delta in parsed.deltas:
                    reasons = [a.reason for a in machine.on_delta(delta) if isinstance(a, Gap)]
                    verdicts.append(reasons[0] if reasons else None)
                    if reasons:  # resubscribe, as a client must, for a fresh snapshot
                        await ws.send_str(json.dumps({"op": "unsubscribe", "args": args}))
                        await ws.send_str(json.dumps({"op": "subscribe", "args": args}))
        return verdicts
    finally:
        await sim.stop()


def test_okx_sends_a_wrong_checksum_every_n_and_right_ones_otherwise() -> None:
    assert run(okx_verdicts(12)) == [None] * 12
    verdicts = run(okx_verdicts(12, bad_checksum_every=3))
    assert sum("checksum mismatch" in (v or "") for v in verdicts) >= 2
