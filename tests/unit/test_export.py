"""export's table in-process: columns by kind, odd cells, several files, damaged lines."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from feedcli.errors import UsageError
from feedcli.export import ExportOptions, export
from feedcli.export.layout import Layout

pq = pytest.importorskip("pyarrow.parquet")


def book_line(i: int, data: object, **extra: object) -> dict:
    base = {"provider": "moex", "channel": "orderbooks", "symbol": "S", "ts": None}
    return {**base, "recv": f"2025-11-14T08:30:{i:02d}.000000Z", "kind": "book", **extra, "data": data}


def write(path: Path, objs: list[dict], junk: bytes = b"") -> str:
    path.write_bytes(b"".join(orjson.dumps(o) + b"\n" for o in objs) + junk)
    return str(path)


def test_cells_that_are_not_numbers_become_null_not_a_crash(tmp_path: Path) -> None:
    rec = write(
        tmp_path / "r.ndjson",
        [
            book_line(0, {"bids": [[1.5, 2]], "asks": [["x", None, 3]]}),  # a normalized line from elsewhere
            book_line(1, {"bids": [[1.4, "lots"]], "asks": []}, seq="7"),
        ],
    )
    out = tmp_path / "o.parquet"
    assert export(ExportOptions((rec,), str(out), kind="book")) == 2
    rows = pq.read_table(out).to_pylist()
    assert [(r["bid_price_1"], r["bid_size_1"], r["ask_price_1"], r["ask_orders_1"], r["seq"]) for r in rows] == [
        (1.5, 2.0, None, 3, None),
        (1.4, None, None, None, None),
    ]


def test_several_files_in_order_and_malformed_lines_skipped_and_reported(tmp_path: Path) -> None:
    a = write(tmp_path / "a.ndjson", [book_line(5, {"bids": [[1, 1]], "asks": []})], b"{not json\n")
    b = write(tmp_path / "b.ndjson", [book_line(1, {"bids": [[2, 1]], "asks": []})])
    said: list[str] = []
    out = tmp_path / "o.csv"
    assert export(ExportOptions((a, b), str(out)), warn=said.append) == 2
    assert [line.split(",")[6] for line in out.read_text().splitlines()[1:]] == ["1", "2"]  # file order
    assert said and "line 2 is not JSON" in said[0]


def test_no_line_of_a_channel_asked_for(tmp_path: Path) -> None:
    rec = write(tmp_path / "r.ndjson", [book_line(0, {"bids": [], "asks": []})])
    with pytest.raises(UsageError, match="no data line to export matches --channel/--symbol"):
        export(ExportOptions((rec,), str(tmp_path / "o.csv"), channels=frozenset({"trades"})))
    assert not (tmp_path / "o.csv").exists()


def test_stats_fields_are_typed_by_their_values_and_clash_with_line_columns_renamed() -> None:
    layout = Layout("stats")
    for data in ({"a": 1, "b": 1.5, "c": True, "symbol": "X"}, {"a": 2, "b": 2, "c": None, "d": [1]}):
        layout.scan(data)
    assert layout.columns()[6:] == [("a", "int"), ("b", "float"), ("c", "bool"), ("data.symbol", "str"), ("d", "str")]
    row = layout.row({"provider": "p", "data": {"a": 3, "b": 1, "d": [1, 2]}})
    assert row[6:] == [3, 1.0, None, None, "[1,2]"]


def test_a_line_replay_passes_but_orjson_cannot_parse_is_skipped_and_said(tmp_path: Path) -> None:
    """`1e999` is read by replay's check (msgspec) but not by orjson, which export parses with."""
    huge = b'{"provider":"moex","channel":"orderbooks","symbol":"S","ts":null,'
    huge += b'"recv":"2025-11-14T08:30:02.000000Z","kind":"book","data":{"bids":[[1e999,1]],"asks":[]}}\n'
    rec = write(tmp_path / "r.ndjson", [book_line(1, {"bids": [[2, 1]], "asks": []})], huge)
    said: list[str] = []
    out = tmp_path / "o.csv"
    assert export(ExportOptions((rec,), str(out)), warn=said.append) == 1
    assert said and "line 2 is not JSON" in said[0]
