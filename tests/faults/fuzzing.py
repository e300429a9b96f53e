"""What the fuzz tests share: a bounded settings profile, seed frames and their mutations.

Seeds are frames the providers really send: the simulators' own (tests/fixtures/fuzz_seeds.json,
captured by tests/faults/capture_seeds.py) and the providers' documented examples. Mutations
are of three kinds: bytes (flip, cut, splice, repeat), JSON (a value replaced by any other
JSON value, a key removed), and STOMP (the JSON body of a frame mutated, its headers kept).

`FEEDCLI_FUZZ_EXAMPLES` raises the example count for a deeper run than CI's.
"""

from __future__ import annotations

import base64
import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

#: bounded so CI stays fast; deadline off since a shared 2-core machine stalls at times
FUZZ = settings(
    max_examples=int(os.environ.get("FEEDCLI_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


@cache
def captured() -> dict[str, list[bytes | str]]:
    """The simulators' frames, per provider, as they came (text or binary)."""
    raw = json.loads((FIXTURES / "fuzz_seeds.json").read_text())
    return {
        name: [f["text"] if "text" in f else base64.b64decode(f["base64"]) for f in frames]
        for name, frames in raw.items()
        if name != "http"
    }


@cache
def http_answers() -> dict[str, list[dict[str, Any]]]:
    """The simulators' answers to each provider's HTTP calls: `purpose`, `status`, `body`."""
    answers: dict[str, list[dict[str, Any]]] = json.loads((FIXTURES / "fuzz_seeds.json").read_text())["http"]
    return answers


@cache
def documented() -> dict[str, list[bytes | str]]:
    """The providers' documented examples, per provider (comments and trailing commas removed)."""
    out: dict[str, list[bytes | str]] = {}
    for name in ("tse", "ime"):
        out[name] = [
            json.dumps(e, ensure_ascii=False) for e in json.loads((FIXTURES / f"{name}_doc_examples.json").read_text())
        ]
    crypto = json.loads((FIXTURES / "crypto_doc_examples.json").read_text())
    for exchange, examples in crypto.items():
        if not isinstance(examples, dict):
            continue
        for example in examples.values():
            text = re.sub(r"\s*//[^\n]*", "", example["text"])
            out.setdefault(exchange, []).append(re.sub(r",(\s*[\]}])", r"\1", text))
    return out


def seeds(provider: str) -> list[bytes | str]:
    return captured().get(provider, []) + documented().get(provider, [])


# ----------------------------------------------------------------------------- mutations

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["", "0", "-1", "1e999", "NaN", "null", "BTC-USDT", "IRO1FOLD0001", "2025-13-45T99:99:99"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document, the root included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _replace(doc: Any, path: tuple[Any, ...], new: Any, delete: bool) -> Any:
    if not path:
        return new
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return doc


@st.composite
def json_mutation(draw: st.DrawFn, text: str) -> str:
    """One to three values of a JSON document replaced by any JSON, or removed."""
    doc = json.loads(text)
    for _ in range(draw(st.integers(1, 3))):
        places = _paths(doc)
        path = draw(st.sampled_from(places))
        delete = bool(path) and draw(st.booleans())
        doc = _replace(doc, path, draw(json_values), delete)
    return json.dumps(doc, ensure_ascii=draw(st.booleans()))


@st.composite
def byte_mutation(draw: st.DrawFn, data: bytes) -> bytes:
    """One to four byte-level edits: flip, delete, insert, cut, repeat a slice."""
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "delete", "insert", "cut", "repeat"]))
        at = draw(st.integers(0, len(buf)))
        if op == "flip" and at < len(buf):
            buf[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "delete":
            del buf[at : at + draw(st.integers(1, 16))]
        elif op == "insert":
            buf[at:at] = draw(
                st.binary(min_size=1, max_size=8) | st.sampled_from([b"\x00", b"\n", b"\\", b'"', b"{", b"]"])
            )
        elif op == "cut":
            del buf[at:]
        elif op == "repeat":
            buf[at:at] = buf[at : at + draw(st.integers(1, 32))]
    return bytes(buf)


_STOMP_SPLIT = re.compile(rb"\A(.*?\n\n)(.*?)(\x00[\r\n]*)?\Z", re.S)


@st.composite
def stomp_mutation(draw: st.DrawFn, frame: bytes) -> bytes:
    """A STOMP frame whose JSON body is mutated; its content-length, if any, dropped."""
    match = _STOMP_SPLIT.match(frame)
    if match is None:
        return draw(byte_mutation(frame))
    head, body = match.group(1), match.group(2)
    try:
        json.loads(body)
    except ValueError:
        return draw(byte_mutation(frame))
    head = re.sub(rb"(?m)^content-length:[^\n]*\n", b"", head)
    return head + draw(json_mutation(body.decode())).encode() + b"\x00"


def _as_bytes(frame: bytes | str) -> bytes:
    return frame.encode() if isinstance(frame, str) else frame


@st.composite
def hostile_frames(draw: st.DrawFn, pool: list[bytes | str]) -> bytes | str:
    """Random bytes or text, or a seed of `pool` mutated (as bytes, as JSON, as STOMP)."""
    kind = draw(st.sampled_from(["bytes", "text", "byte-mutation", "structure"]))
    if kind == "bytes" or not pool:
        return draw(st.binary(max_size=300))
    if kind == "text":
        return draw(st.text(max_size=200))
    seed = draw(st.sampled_from(pool))
    if kind == "byte-mutation":
        mutated = draw(byte_mutation(_as_bytes(seed)))
        return mutated.decode("utf-8", "replace") if isinstance(seed, str) and draw(st.booleans()) else mutated
    raw = _as_bytes(seed)
    if raw.lstrip()[:1] in (b"{", b"["):
        try:
            out = draw(json_mutation(raw.decode()))
        except ValueError:
            return draw(byte_mutation(raw))
        return out if isinstance(seed, str) else out.encode()
    return draw(stomp_mutation(raw))
