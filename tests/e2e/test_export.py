"""End to end: `feedcli export` of recordings into Parquet and CSV, read back with pyarrow and csv."""

from __future__ import annotations

import csv
import gzip
import os
import random
import resource
import signal
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import orjson
import pytest
import zstandard

from feedcli import vocabulary
from tests.support.cli import FEEDCLI, Simulator, feedcli_env, lines, run

pytestmark = pytest.mark.e2e
pq = pytest.importorskip("pyarrow.parquet")

SBER = "MXSE.TQBR.SBER"


def recv(i: int) -> str:
    return f"2025-11-14T08:{30 + i // 60:02d}:{i % 60:02d}.000001Z"


def mixed_recording(n: int = 20, noise: bool = False) -> list[dict]:
    """TSE books (best limits, with order counts), MOEX books (with seq), TSE stats, a control line."""
    out: list[dict] = [{"provider": "tse", "event": "recording", "recv": recv(0), "subscription": {}}]
    for i in range(n):
        level = {"buy_price": 100 + i, "buy_quantity": 5, "buy_order_count": 2, "sell_price": 101 + i}
        level |= {"sell_quantity": 7, "sell_order_count": 1}
        out.append(
            {
                "provider": "tse",
                "channel": "best-limit",
                "symbol": "IRO1FOLD0001",
                "ts": f"2025-11-14T12:00:{i:02d}.000000",  # Tehran wall time, as recordings had it
                "recv": recv(i),
                "data": {"1": level},
            }
        )
        book = {"bids": [[306.1, 10], [306.0, 3 + i]], "asks": [[306.2, 5]]}
        out.append(
            {
                "provider": "moex",
                "channel": "orderbooks",
                "symbol": SBER,
                "ts": recv(i),
                "recv": recv(i),
                "kind": "book",
                "seq": 100 + i,
                "data": book,
            }
        )
        out.append(
            {
                "provider": "tse",
                "channel": "aggregate",
                "symbol": "IRO1FOLD0001",
                "ts": f"2025-11-14T12:00:{i:02d}.000000Z",
                "recv": recv(i),
                "kind": "stats",
                "data": {"last_price": 100 + i, "date": "2025-11-14", "trade_count": i, "flag": i % 2 == 0}
                | ({"value": random.Random(i).random()} if noise else {}),
            }
        )
    return out


def write(path: Path, objs: list[dict], tail: bytes = b"") -> Path:
    data = b"".join(orjson.dumps(o) + b"\n" for o in objs) + tail
    if path.suffix == ".gz":
        data = gzip.compress(data)
    elif path.suffix == ".zst":
        data = zstandard.ZstdCompressor().compress(data)
    path.write_bytes(data)
    return path


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return feedcli_env(tmp_path / "cfg")


def test_books_of_two_providers_to_parquet_one_row_per_line_with_level_columns(tmp_path: Path, env) -> None:
    objs = mixed_recording()
    rec = write(tmp_path / "rec.ndjson.zst", objs)
    out = tmp_path / "books.parquet"
    result = run(["export", str(rec), "-o", str(out), "--kind", "book"], env)
    assert result.returncode == 0, result.stderr
    table = pq.read_table(out)
    assert str(table.schema.field("recv").type) == "timestamp[us, tz=UTC]"
    assert str(table.schema.field("ts").type) == "timestamp[us, tz=UTC]"
    rows = table.to_pylist()
    books = [o for o in objs if vocabulary.kind_table().get(o["provider"], {}).get(o.get("channel")) == "book"]
    assert len(rows) == len(books) == 40
    for row, obj in zip(rows, books, strict=True):
        normal = vocabulary.normalize_object(obj)
        assert normal is not None
        assert (row["provider"], row["channel"], row["symbol"]) == (obj["provider"], obj["channel"], obj["symbol"])
        assert row["recv"] == utc(obj["recv"]) and row["ts"] == utc(normal["ts"]) and row["seq"] == obj.get("seq")
        for side, key in (("bid", "bids"), ("ask", "asks")):
            levels = normal["data"][key]
            for i in (1, 2):
                level = levels[i - 1] if i <= len(levels) else [None, None]
                assert (row[f"{side}_price_{i}"], row[f"{side}_size_{i}"]) == (level[0], level[1])
                orders = level[2] if len(level) > 2 else None
                assert row[f"{side}_orders_{i}"] == orders
    # the Tehran wall time of the TSE line is UTC in the table (12:00 Tehran = 08:30 UTC)
    assert rows[0]["ts"] == datetime(2025, 11, 14, 8, 30, tzinfo=timezone.utc)


def test_stats_to_csv_has_every_field_flat_and_reads_back_with_the_csv_module(tmp_path: Path, env) -> None:
    rec = write(tmp_path / "rec.ndjson", mixed_recording(5))
    out = tmp_path / "stats.csv"
    result = run(["export", str(rec), "-o", str(out), "--kind", "stats", "--symbol", "IRO1FOLD0001"], env)
    assert result.returncode == 0, result.stderr
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    line_columns = ["provider", "channel", "symbol", "ts", "recv", "seq"]
    assert list(rows[0]) == [*line_columns, "last_price", "date", "trade_count", "flag"]
    assert [(r["last_price"], r["trade_count"], r["flag"], r["seq"]) for r in rows] == [
        (str(100 + i), str(i), "true" if i % 2 == 0 else "false", "") for i in range(5)
    ]
    assert rows[0]["recv"] == recv(0)


def test_a_recording_made_with_normalize_exports_the_same_table(tmp_path: Path, env) -> None:
    objs = mixed_recording(5)
    normalized = [vocabulary.normalize_object(o) or o for o in objs]
    raw = write(tmp_path / "raw.ndjson", objs)
    done = write(tmp_path / "normal.ndjson", normalized)
    for name, rec in (("a.csv", raw), ("b.csv", done)):
        result = run(["export", str(rec), "-o", str(tmp_path / name), "--kind", "book"], env)
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()


def test_a_damaged_gzip_recording_is_exported_as_far_as_it_goes(tmp_path: Path, env) -> None:
    whole = gzip.compress(b"".join(orjson.dumps(o) + b"\n" for o in mixed_recording(50)))
    rec = tmp_path / "cut.ndjson.gz"
    rec.write_bytes(whole[: len(whole) * 2 // 3])  # a recorder killed mid-stream
    out = tmp_path / "books.parquet"
    result = run(["export", str(rec), "-o", str(out), "--kind", "book"], env)
    assert result.returncode == 0, result.stderr
    assert "ends early" in result.stderr
    assert 0 < pq.read_table(out).num_rows < 100


def test_a_kind_no_line_has_names_the_kinds_present_and_writes_nothing(tmp_path: Path, env) -> None:
    rec = write(tmp_path / "rec.ndjson", mixed_recording(3))
    out = tmp_path / "t.parquet"
    result = run(["export", str(rec), "-o", str(out), "--kind", "trade"], env)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "no trade line" in line and "book (6 lines)" in line and "stats (3 lines)" in line
    assert (not out.exists() and os.listdir(tmp_path) == ["rec.ndjson", "cfg"]) or not out.exists()
    several = run(["export", str(rec), "-o", str(out)], env)
    assert several.returncode == 2 and "--kind" in several.stderr and not out.exists()


def test_an_existing_output_is_refused_without_force(tmp_path: Path, env) -> None:
    rec = write(tmp_path / "rec.ndjson", mixed_recording(3))
    out = tmp_path / "t.csv"
    out.write_text("mine\n")
    result = run(["export", str(rec), "-o", str(out), "--kind", "book"], env)
    assert result.returncode == 2 and "--force" in result.stderr
    assert out.read_text() == "mine\n"
    forced = run(["export", str(rec), "-o", str(out), "--kind", "book", "--force"], env)
    assert forced.returncode == 0, forced.stderr
    assert out.read_text().startswith("provider,channel,symbol,ts,recv,seq,bid_price_1")


def test_without_pyarrow_parquet_names_the_extra_and_csv_still_works(tmp_path: Path, env) -> None:
    blocker = tmp_path / "block"
    (blocker / "pyarrow").mkdir(parents=True)
    (blocker / "pyarrow" / "__init__.py").write_text("raise ImportError('pyarrow is not installed')\n")
    env = {**env, "PYTHONPATH": os.pathsep.join([str(blocker), env.get("PYTHONPATH", "")])}
    rec = write(tmp_path / "rec.ndjson", mixed_recording(3))
    result = run(["export", str(rec), "-o", str(tmp_path / "t.parquet"), "--kind", "book"], env)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "feedcli[parquet]" in line
    assert run(["export", str(rec), "-o", str(tmp_path / "t.csv"), "--kind", "book"], env).returncode == 0


def _file_limit(size: int):
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG), as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


def shallow_books_and_one_deep(n: int) -> list[dict]:
    """Books one level deep, and one 400 levels deep: a CSV row has every level's cells, so the
    table is many times the size of the lines (and of export's working copy of them)."""
    out = []
    for i in range(n):
        levels = 400 if i == n // 2 else 1
        book = {"bids": [[100.0 - j, 1] for j in range(levels)], "asks": [[101.0 + j, 1] for j in range(levels)]}
        out.append({"provider": "moex", "channel": "orderbooks", "symbol": SBER, "ts": None, "recv": recv(i)})
        out[-1] |= {"kind": "book", "seq": i, "data": book}
    return out


@pytest.mark.parametrize(
    ("name", "kind", "objs", "limit"),
    [
        # the table itself does not fit
        ("big.csv", "book", shallow_books_and_one_deep(3000), 1 << 20),
        # nor does export's working copy of the lines (before the table is begun)
        ("big.parquet", "stats", mixed_recording(3000, noise=True), 16 << 10),
    ],
)
def test_a_full_disk_is_one_line_exit_1_and_leaves_no_file(tmp_path: Path, env, name, kind, objs, limit) -> None:
    rec = write(tmp_path / "rec.ndjson", objs)  # it is only read: over the limit is fine
    out = tmp_path / "out"
    out.mkdir()
    result = subprocess.run(
        [*FEEDCLI, "export", str(rec), "-o", str(out / name), "--kind", kind],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_file_limit(limit),
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert f"cannot write {out / name}" in line and "File too large" in line
    assert os.listdir(out) == []  # neither the output nor a part of it


def test_stream_normalize_and_export_of_a_moex_recording(tmp_path: Path, env) -> None:
    """A real recording (the MOEX simulator, zstd): every book line becomes a row, in order."""
    rec = tmp_path / "moex.ndjson.zst"
    with Simulator("moex", "--rate", "200") as sim:
        args = ["record", "moex", "--url", sim.url, "--ticker", SBER, "--stream", "orderbooks"]
        result = run([*args, "--stream", "securities", "-o", str(rec), "--compress", "zstd", "--limit", "60"], env)
    assert result.returncode == 0, result.stderr
    recorded = lines(run(["replay", "--speed", "0", str(rec), "--normalize"], env).stdout)
    books = [o for o in recorded if o.get("kind") == "book"]
    assert books and all(o["seq"] is not None for o in books)
    out = tmp_path / "b.parquet"
    result = run(["export", str(rec), "-o", str(out), "--kind", "book"], env)
    assert result.returncode == 0, result.stderr
    rows = pq.read_table(out).to_pylist()
    assert [(r["seq"], r["bid_price_1"], r["ask_size_1"]) for r in rows] == [
        (b["seq"], b["data"]["bids"][0][0], b["data"]["asks"][0][1]) for b in books
    ]


def test_a_progress_line_on_a_terminal_and_none_in_a_pipe(tmp_path: Path, env) -> None:
    import pty
    import threading

    rec = write(tmp_path / "rec.ndjson", mixed_recording(200))
    master, slave = pty.openpty()
    seen: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            if not chunk:
                return
            seen.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    out = tmp_path / "t.csv"
    proc = subprocess.run(
        [*FEEDCLI, "export", str(rec), "-o", str(out), "--kind", "book"],
        env={**env, "COLUMNS": "100"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        timeout=60,
    )
    os.close(slave)
    reader.join(5)
    os.close(master)
    screen = b"".join(seen).decode(errors="replace")
    assert proc.returncode == 0, screen
    assert "400 lines" in screen and "rows written" in screen  # the final frame, then the note
    piped = run(["export", str(rec), "-o", str(tmp_path / "u.csv"), "--kind", "book"], env)
    assert piped.returncode == 0 and piped.stderr == ""
