"""End to end: `stream tse` writes `data` as the provider's bytes (the line path), over picows
and over aiohttp alike; a pretty-printed frame is still one line, bad bytes still one note."""

from __future__ import annotations

import orjson
import pytest

from tests.support.cli import run
from tests.support.independent_ht import TOKEN, IndependentHT

pytestmark = pytest.mark.e2e

ISIN = "IRO1FOLD0001"

SPELT = b'{"1":{"buy_price":1E5,"buy_quantity":1.50,"sell_price":10050,"sell_quantity":-0.0}}'
PRETTY_DATA = b'{\n  "1": {"buy_price": 1E5,\r\n        "sell_price": 10050}\n}'


def frame(data: bytes, timestamp: str = "2025-11-14T12:00:00.500000") -> bytes:
    return (
        b'{"channel":"best-limit","symbolIsin":"' + ISIN.encode() + b'","timestamp":"'
        + timestamp.encode() + b'","data":' + data + b"}"
    )  # fmt: skip


@pytest.mark.parametrize("transport", ["picows", "aiohttp"])
def test_data_is_written_as_the_provider_sent_it(transport: str, env) -> None:
    crafted = [frame(SPELT), frame(PRETTY_DATA), frame(b'{"name":"\xff"}')]
    with IndependentHT(count=4, malformed=crafted) as server:
        args = ["stream", "tse", "--url", server.url, "--isin", ISIN, "--channel", "best-limit", "--limit", "6"]
        result = run(args, {**env, "FEEDCLI_TOKEN": TOKEN, "FEEDCLI_TRANSPORT": transport})
        sent = list(server.sent)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert len(out) == 6
    # spelt as sent: 1E5 and 1.50 and -0.0, not orjson's 100000.0, 1.5, -0.0
    assert out[0].endswith(',"data":' + SPELT.decode() + "}")
    first = orjson.loads(out[0])
    assert first["ts"] == "2025-11-14T08:30:00.500000Z" and first["kind"] == "book"
    # the pretty-printed one (newlines inside) is one line, its data re-encoded
    assert orjson.loads(out[2])["data"] == {"1": {"buy_price": 100000.0, "sell_price": 10050}}
    assert "\r" not in result.stdout
    # the non-UTF-8 one is skipped with the usual note; the rest, the server's, come in order
    assert "skipped a malformed frame (not JSON (str is not valid UTF-8" in result.stderr
    assert "1 malformed frame skipped in all" in result.stderr
    good = [orjson.loads(line) for line in (out[1], *out[3:])]
    assert [(g["symbol"], g["data"]) for g in good] == [(m["symbolIsin"], m["data"]) for m in sent]
