"""Capture the fuzz suite's seed frames: what each provider's simulator really sends.

`python -m tests.faults.capture_seeds` runs `feedcli simulate` for every provider, connects as
feedcli would (the codec's own HTTP calls, handshake and opening frames), and writes the first
frames it receives, verbatim, to tests/fixtures/fuzz_seeds.json, with the answers to its HTTP
calls (a token, a backfill) under "http". The fuzz tests mutate these
(and the providers' documented examples); they never need a server themselves. Run it again
after a protocol change.
"""

from __future__ import annotations

import base64
import contextlib
import json
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import connect

from feedcli import providers
from feedcli.providers.base import Codec, HttpResponse
from tests.support.cli import Simulator, feedcli_env

OUT = Path(__file__).resolve().parents[1] / "fixtures" / "fuzz_seeds.json"
RECV = "2025-11-14T08:30:00.000000Z"
FRAMES = 40

#: the widest subscription each provider's simulator serves
VALUES: dict[str, dict[str, Any]] = {
    "tse": {"isin": ["IRO1FOLD0001", "IRO1IKCO0001"]},
    "ime": {"contract_id": []},
    "datafye": {"symbol": ["AAPL", "MSFT"], "channel": ["quotes", "trades", "aggregates"]},
    "moex": {"ticker": ["MXSE.TQBR.SBER", "MXSE.TQBR.GAZP"], "stream": ["securities", "orderbooks", "candles"]},
}
CRYPTO = {"pair": ["BTC-USDT", "ETH-USDT"], "channel": ["candles", "trades", "book", "ticker"], "backfill": "5"}


def token(sim: Simulator) -> str:
    answer = httpx.post(
        sim.url + "/auth/user/token/issue", data={"UserName_or_Email": sim.user, "Password": sim.password}
    )
    answer.raise_for_status()
    return str(answer.json()["Authorization"])


def http_calls(codec: Codec, answers: list[dict[str, Any]]) -> None:
    """The codec's own HTTP calls (a token, a snapshot, a backfill), made plainly; their
    answers go to `answers`."""
    for _ in range(20):  # bounded: a poll would ask forever
        requests = codec.pending_requests(time.time())  # Gate stamps its subscriptions with it
        if not requests:
            return
        for req in requests:
            answer = httpx.request(
                req.method,
                req.url,
                params=list(req.params),
                json=req.json,
                headers=list(req.headers),
                data=dict(req.form) or None,
            )
            answers.append({"purpose": req.purpose, "status": answer.status_code, "body": answer.text})
            codec.on_http(req, HttpResponse(answer.status_code, dict(answer.headers), answer.content), RECV)


def capture(codec: Codec, answers: list[dict[str, Any]]) -> list[dict[str, str]]:
    http_calls(codec, answers)
    if codec.handshake is None:  # an exchange made of HTTP calls alone (a REST search)
        return []
    frames: list[dict[str, str]] = []
    hs = codec.handshake
    with connect(
        hs.url,
        additional_headers=list(hs.headers),
        subprotocols=list(hs.subprotocols) or None,  # type: ignore[arg-type]
        max_size=2**24,
        open_timeout=10,
    ) as ws:
        for frame in codec.opening_frames():
            ws.send(frame)
        while len(frames) < FRAMES:
            try:
                frame = ws.recv(timeout=5)
            except TimeoutError:
                break
            if isinstance(frame, str):
                frames.append({"text": frame})
            else:
                frames.append({"base64": base64.b64encode(frame).decode()})
            with contextlib.suppress(Exception):
                codec.parse(frame, RECV)
            for out in codec.take_outgoing():
                ws.send(out)
            if codec.wants_http:  # a book's REST snapshot, asked for while connected
                codec.wants_http = False
                http_calls(codec, answers)
    return frames


def main() -> None:
    env = feedcli_env(Path("/tmp/feedcli-capture-seeds"))
    seeds: dict[str, Any] = {"http": {}}
    for name in providers.names():
        record = providers.get(name)
        with Simulator(name, "--rate", "50", "--seed", "3", env=env) as sim:
            values = VALUES.get(name, CRYPTO)
            if name == "ime":
                values = {"contract_id": ["1"]}
            cred = token(sim) if name in ("tse", "ime") else None
            found: list[dict[str, str]] = []
            answers: list[dict[str, Any]] = []
            for codec in record.prepare(values, {})(sim.url, cred):
                found += capture(codec, answers)
            seeds[name] = found
            if record.search is not None:  # the search's own exchange (MOEX: a STOMP REQUEST; REST)
                pattern = "SBER" if name == "moex" else "BTC"
                searched = capture(record.search.codec(pattern)(sim.url, cred), answers)
                if searched:
                    seeds[f"{name}-search"] = searched
            if answers:
                seeds["http"][name] = answers
            print(name, len(found), "frames", len(answers), "HTTP answers")
    OUT.write_text(json.dumps(seeds, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
