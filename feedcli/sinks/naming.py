"""Where each part of a recording goes, and the rule that no file is ever replaced by surprise.

`-o FILE` writes FILE itself (overwritten, as `stream -o` does), then `NAME.2.EXT`,
`NAME.3.EXT`, ... at each rotation, the number before the extensions (`rec.2.ndjson.gz`).
`-o DIR/` (an existing directory, or any path ending in `/`) names every part
`PROVIDER-YYYYmmddTHHMMSSZ.ndjson[.gz|.zst]` by the UTC time it starts. Only the file the
user named may be replaced; any other name that exists already gets `-2`, `-3`, ... instead.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone

from feedcli.errors import FeedError
from feedcli.sinks.compression import COMPRESSIONS

#: how many `-N` variants of a taken name are tried before giving up
_VARIANTS = 1000


def split_name(name: str) -> tuple[str, str]:
    """`rec.ndjson.gz` → (`rec`, `.ndjson.gz`): the stem and the extensions a part number goes before."""
    comp = ""
    for ext in (".gz", ".zst", ".zstd"):
        if name.lower().endswith(ext) and len(name) > len(ext):
            name, comp = name[: -len(ext)], name[-len(ext) :]
            break
    stem, ext = os.path.splitext(name)
    return stem, ext + comp


class PartNames:
    """The names of a recording's parts, for `-o PATH` (a file name or a directory)."""

    def __init__(self, path: str, provider: str, compress: str) -> None:
        self.path = path
        self.provider = provider
        self.compress = compress
        #: the directory parts are created in (directory mode), else None
        self.directory: str | None = None
        self._stem = self._ext = ""

    def prepare(self, rotating: bool) -> None:
        """Create the directory (directory mode), or refuse the leftovers of an earlier run.

        FeedError if the directory cannot be created or leftovers are there: before anything
        connects, so the user learns it at once.
        """
        path = self.path
        if path.endswith(("/", os.sep)) or os.path.isdir(path):
            directory = path.rstrip("/" + os.sep) or os.sep
            try:
                os.makedirs(directory, exist_ok=True)
            except OSError as exc:
                raise FeedError(f"cannot open {path} for writing: {exc.strerror or exc}") from None
            self.directory = directory
            return
        self._stem, self._ext = split_name(path)
        if rotating:
            self._refuse_old_parts()

    def _refuse_old_parts(self) -> None:
        """With rotation and a file name, refuse to mix in the later parts of an earlier recording.

        Re-running the same command overwrites the first file (as `stream -o` would), but its
        `NAME.2.EXT`, `NAME.3.EXT`... from the earlier run would then sit beside the new parts
        and be taken for them. Those files were not named by the user, so they are neither
        overwritten nor silently mixed in: the run stops before connecting.
        """
        directory = os.path.dirname(self._stem) or "."
        stem = os.path.basename(self._stem)
        pattern = re.compile(rf"{re.escape(stem)}\.\d+(?:-\d+)?{re.escape(self._ext)}")
        try:
            names = os.listdir(directory)
        except OSError:
            return  # opening the first part reports what is wrong with the directory
        old = sorted(n for n in names if pattern.fullmatch(n))
        if old:
            raise FeedError(
                f"cannot record to {self.path}: {os.path.join(directory, old[0])} is left from an earlier "
                "recording; move it away or choose another -o"
            )

    def _base(self, number: int, started: float) -> tuple[str, bool]:
        """The path of a part (without its extensions) and whether it may replace an existing file."""
        if self.directory is not None:
            stamp = datetime.fromtimestamp(started, tz=timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            return os.path.join(self.directory, f"{self.provider}-{stamp}"), False
        if number == 1:
            return self.path, True
        return f"{self._stem}.{number}", False

    def create(self, number: int, started: float) -> tuple[str, int]:
        """Create part `number`'s file (started at `started`, epoch seconds): its path and descriptor.

        FeedError if it cannot be created.
        """
        base, replace = self._base(number, started)
        ext = (".ndjson" + COMPRESSIONS[self.compress]) if self.directory is not None else self._ext
        if replace:
            candidates = [base]
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        else:
            # never replace a file we did not name: a second part in the same second, or a
            # leftover, gets -2, -3, ... instead
            candidates = [base + ext, *(f"{base}-{i}{ext}" for i in range(2, _VARIANTS))]
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        path = candidates[0]
        for path in candidates:
            try:
                return path, os.open(path, flags, 0o644)
            except FileExistsError:
                continue
            except OSError as exc:
                raise FeedError(f"cannot open {path} for writing: {exc.strerror or exc}") from None
        raise FeedError(f"cannot open {path} for writing: too many files of that name")
