"""`record --compress` ended by a signal sent to its whole process group, as a terminal's Ctrl-C
and a service manager's stop are: the compression process (feedcli/sinks/compress_process.py)
must outlive the signal until feedcli has finished the file with it."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import zlib
from pathlib import Path

import orjson
import pytest
import zstandard

from tests.support.cli import FEEDCLI, Simulator, feedcli_env, wait_for

pytestmark = pytest.mark.e2e


def lines_so_far(path: Path, compress: str) -> int:
    """Complete lines in a recording still being written (it ends at a sync point)."""
    if not path.exists():
        return 0
    d = zlib.decompressobj(31) if compress == "gzip" else zstandard.ZstdDecompressor().decompressobj()
    return d.decompress(path.read_bytes()).count(b"\n")


def finished_lines(path: Path, compress: str) -> list[dict]:
    raw = path.read_bytes()
    if compress == "gzip":
        text = gzip.decompress(raw)  # checks the CRC and length trailer: a finished member
    else:
        dobj = zstandard.ZstdDecompressor().decompressobj()
        text = dobj.decompress(raw)
        assert dobj.eof, "the zstd frame was never ended"
    return [orjson.loads(line) for line in text.splitlines()]


@pytest.mark.parametrize("compress", ["zstd", "gzip"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_to_the_whole_process_group_still_finishes_the_file(
    tmp_path: Path, binance: Simulator, compress: str, sig: signal.Signals
) -> None:
    out = tmp_path / f"rec.ndjson.{'zst' if compress == 'zstd' else 'gz'}"
    proc = subprocess.Popen(
        [*FEEDCLI, "record", "binance", "--pair", "BTC-USDT", "--pair", "ETH-USDT", "--url", binance.url,
         "-o", str(out), "--flush-interval", "0.2"],
        env=feedcli_env(tmp_path), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,  # a group of its own, as a shell gives a job
    )  # fmt: skip
    try:
        assert wait_for(lambda: lines_so_far(out, compress) > 2, timeout=20)  # lines past the header, flushed
        os.killpg(proc.pid, sig)  # feedcli and the compression process alike
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err and b"unexpectedly" not in err, err.decode()
    got = finished_lines(out, compress)
    assert got[0]["event"] == "recording" and len(got) > 2
