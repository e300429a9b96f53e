"""The HT documents' own Python examples against `feedcli simulate tse|ime` and `replay --serve`.

A user's first try of a simulator is the provider document's example client, copied as it is.
These tests run each Python example of ../shared/seeds/ht-tse-ifb-websocket.md (section 9.1)
and ht-ime-websocket.md, taken out of the documents at test time, changed only where a user must
change it: the address, the token (the TSE example's placeholder filled in; the IME examples send
none, though the document says every endpoint requires one, so it is added), and websockets'
`extra_headers`, which version 14 renamed `additional_headers`. Each must receive messages in the
documented envelope. Where ../shared is absent the document variant is skipped (saying so), and
the same examples run from a verbatim copy in tests/fixtures/ht_doc_examples.md in every checkout.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from feedcli.providers import ht, ime
from feedcli.providers.ht import tehran, wall_time
from feedcli.wallclock import utc_of
from tests.support.cli import FEEDCLI, Simulator, feedcli_env, lines, login, run
from tests.support.examples import examples_in, run_example

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
DOCUMENTS = {"tse": SEEDS / "ht-tse-ifb-websocket.md", "ime": SEEDS / "ht-ime-websocket.md"}
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "ht_doc_examples.md"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")
#: what the TSE example subscribes to
TSE_ISINS = {"IRT3SATF0001", "IRTKMOFD0001"}


def fixture_examples(family: str) -> list[str]:
    """The verbatim copies of one family's examples (fenced ``` python FAMILY)."""
    return re.findall(rf"``` python {family}\n(.*?)\n```", FIXTURE.read_text(encoding="utf-8"), re.S)


def document_examples(family: str) -> list[str]:
    path = DOCUMENTS[family]
    if not path.exists():
        pytest.skip(f"../shared is absent: the {family} document is not at {path} (the fixture's copies still run)")
    return examples_in(path.read_text(encoding="utf-8"))


def examples(source: str, family: str) -> list[str]:
    found = document_examples(family) if source == "document" else fixture_examples(family)
    assert found, f"no Python example found in the {family} {source}"
    return found


def token_of(base: str) -> str:
    response = httpx.post(base + ht.LOGIN_PATH, data={"username": "demo", "password": "demo"})
    assert response.status_code == 201, response.text
    return response.json()["Authorization"]


def adapt(code: str, base: str, token: str) -> str:
    """The example as a user runs it here: the address, the token, the renamed keyword; nothing else."""
    ws = base.replace("http://", "ws://")
    adapted, hosts = re.subn(r"wss://core\.hedgetech\.ir|ws://127\.0\.0\.1:8000", ws, code)
    assert hosts == 1, "the example's address"
    if "<your_token>" in adapted:
        adapted = adapted.replace("<your_token>", token)
    else:  # the IME examples send no token: the one header the document says every endpoint needs
        header = f'additional_headers={{"Authorization": "{token}"}}'
        adapted, added = re.subn(r"websockets\.connect\(\s*(uri|URI)", rf"websockets.connect(\1, {header}", adapted)
        assert added == 1, "the example's connect call"
    return adapted.replace("extra_headers=", "additional_headers=")


def check_tse(message: dict[str, Any], isins: set[str]) -> None:
    """The documented envelope, field by field (section 6 of the TSE document)."""
    assert list(message) == ["channel", "symbolIsin", "timestamp", "data"], message
    assert message["channel"] in ("order-book", "best-limit") and message["symbolIsin"] in isins
    assert TIMESTAMP.match(message["timestamp"])
    if message["channel"] == "best-limit":
        assert list(message["data"]) == ["1", "2", "3", "4", "5"]
        assert set(message["data"]["1"]) == {
            "buy_order_count", "buy_quantity", "buy_price", "sell_order_count", "sell_quantity", "sell_price",
        }  # fmt: skip
    else:
        assert set(message["data"]) == {"Buy", "Sell"}
        assert set(message["data"]["Buy"][0]) == {"price", "quantity", "count"}


def check_ime(message: dict[str, Any], field: str, contracts: set[str]) -> None:
    """The documented envelope (Response Structure) and payload (Full Payload Example)."""
    assert list(message) == ["channel", field, "timestamp", "data"], message
    assert message["channel"] == ime.CHANNEL and message[field] in contracts
    assert TIMESTAMP.match(message["timestamp"])
    data = message["data"]
    assert tuple(data) == ("BestLimit", "Aggregate", "AllowedPriceRange", "ContractInfo")
    assert list(data["BestLimit"]) == ["1", "2", "3"]
    assert set(data["BestLimit"]["1"]) == {"buy_quantity", "buy_price", "sell_quantity", "sell_price"}
    assert len(data["Aggregate"]) == 11
    assert set(data["AllowedPriceRange"]) == {"minAllowedPrice", "maxAllowedPrice"}
    assert set(data["ContractInfo"]) == {"open_interest", "open_interest_changes"}


@pytest.fixture(scope="module")
def tse_sim():
    with Simulator("tse", "--rate", "300", "--seed", "4") as sim:
        yield sim


@pytest.fixture(scope="module")
def ime_sim():
    with Simulator("ime", "--rate", "300", "--seed", "4") as sim:
        yield sim


@pytest.mark.parametrize("source", ["document", "fixture"])
def test_the_tse_documents_python_client_receives_the_documented_envelope(source: str, tse_sim: Simulator) -> None:
    (example,) = examples(source, "tse")
    # the market steps a random symbol at a time: 60 messages, so that both ISINs asked for
    # are among them however a busy machine batches the steps (12 once held only one)
    got = run_example(adapt(example, tse_sim.url, token_of(tse_sim.url)), messages=60)
    assert len(got.messages) == 60, (got.other, got.stderr)
    for message in got.messages:
        check_tse(message, TSE_ISINS)
    assert {m["symbolIsin"] for m in got.messages} == TSE_ISINS
    assert not got.other


@pytest.mark.parametrize("source", ["document", "fixture"])
def test_the_ime_documents_python_clients_receive_the_documented_envelope(source: str, ime_sim: Simulator) -> None:
    by_name, by_id, reconnecting = examples(source, "ime")
    token = token_of(ime_sim.url)
    named = run_example(adapt(by_name, ime_sim.url, token), messages=6)
    assert len(named.messages) == 6, (named.other, named.stderr)
    for message in named.messages:
        check_ime(message, "contractName", {"ContractA", "ContractB"})
    ids = run_example(adapt(by_id, ime_sim.url, token), messages=6)
    assert len(ids.messages) == 6, (ids.other, ids.stderr)
    for message in ids.messages:
        check_ime(message, "ContractId", {"12345", "67890"})
    again = run_example(adapt(reconnecting, ime_sim.url, token), messages=3)
    assert again.other[:1] == ["Connected"] and len(again.messages) == 3, (again.other, again.stderr)
    for message in again.messages:
        check_ime(message, "ContractId", {"12345"})
    assert not [line for line in again.other if line.startswith("Disconnected")]


def test_the_copies_are_the_documents_verbatim() -> None:
    """Guard against the fixture drifting from the documents (checked where they are)."""
    for family in ("tse", "ime"):
        assert [e.strip() for e in document_examples(family)] == [e.strip() for e in fixture_examples(family)]


def test_the_tse_documents_client_reads_a_recording_served_by_replay(tse_sim: Simulator, tmp_path: Path) -> None:
    """The same client, unchanged but for the address and token, against `replay --serve`: the
    recording's messages come back as they were sent (a live recording served as live)."""
    env = feedcli_env(tmp_path / "cfg")
    login(tse_sim, env)
    rec = tmp_path / "tse.ndjson"
    args = ["record", "tse", "--url", tse_sim.url, "--isin", "IRT3SATF0001", "--isin", "IRTKMOFD0001"]
    result = run([*args, "-c", "order-book", "-c", "best-limit", "-o", str(rec), "--limit", "20"], env)
    assert result.returncode == 0, result.stderr
    recorded = [o for o in lines(rec.read_text()) if "channel" in o]
    serve = subprocess.Popen(
        [*FEEDCLI, "replay", str(rec), "--serve", "127.0.0.1:0", "--speed", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert serve.stderr is not None
        base = re.search(r"http://127\.0\.0\.1:\d+", serve.stderr.readline()).group(0)  # type: ignore[union-attr]
        (example,) = fixture_examples("tse")
        got = run_example(adapt(example, base, token_of(base)), messages=len(recorded))
        # the recording's UTC ts goes out as HT writes it, Tehran wall time
        assert [(m["channel"], m["symbolIsin"], m["timestamp"], m["data"]) for m in got.messages] == [
            (o["channel"], o["symbol"], wall_time(o["ts"]), o["data"]) for o in recorded
        ], got.stderr
        assert all(utc_of(m["timestamp"], tehran()) == o["ts"] for m, o in zip(got.messages, recorded, strict=True))
        assert serve.wait(30) == 0
    finally:
        if serve.poll() is None:
            serve.terminate()
            serve.wait(10)
