"""Replay recordings: read NDJSON files (plain, gzip or zstd), merge, filter, pace, write or serve.

What `record` and `stream` wrote comes back out byte for byte: a replayed recording is the
recording, so anything that reads a live stream reads a replay unchanged, and a replay of a
replay is the same file. Lines are never re-encoded, only parsed to be checked and sorted.

The package follows the data:

- `decompress`, `lines`, `reading`: files into checked lines (compression told from the
  content, damage reported once and never fatal), and several files merged by `recv`;
- `times`, `filters`: the `recv` format, `--from`/`--to`, and which lines are kept;
- `pacing`: each line handed on when it is due, at `--speed`;
- `playback`: the `replay` command onto stdout or the live view;
- `serving`: `replay --serve`, the recording behind its provider's own protocol.
"""

from feedcli.replay.filters import Filters
from feedcli.replay.pacing import Counters, pump
from feedcli.replay.playback import ReplayOptions, run
from feedcli.replay.reading import Recording, merged, open_lines, stderr_warn
from feedcli.replay.serving import parse_address, serve
from feedcli.replay.times import RecvSeconds, parse_time

__all__ = [
    "Counters",
    "Filters",
    "Recording",
    "RecvSeconds",
    "ReplayOptions",
    "merged",
    "open_lines",
    "parse_address",
    "parse_time",
    "pump",
    "run",
    "serve",
    "stderr_warn",
]
