"""Where each part of a recording goes, and the rule that no file is ever replaced.

`-o FILE` writes FILE itself, then `NAME.0002.EXT`, `NAME.0003.EXT`, ... at each rotation,
the number before the extensions (`rec.0002.ndjson.gz`), four digits at least so that `ls`
and globs list the parts in order. `-o DIR/` (an existing directory, or any path ending in
`/`) names every part `PROVIDER-YYYYmmddTHHMMSSZ.ndjson[.gz|.zst]` by the UTC time it starts.

A recording runs for days; the file it would replace may be last week's. So nothing that
exists is ever opened for writing: FILE must not exist (a file or a symbolic link, even a
dangling one: the link is never followed, so it cannot aim the recording at another file),
else the run is refused (UsageError, exit 2) before anything connects; so is a FILE whose
numbered parts from an earlier run are still beside it. In directory mode a name that exists
already gets `-2`, `-3`, ... instead. A device or a FIFO (`-o /dev/null`) is written to, as
it holds nothing to lose.

The name also says the compression: `-o x.ndjson.gz` is gzip and `x.ndjson.zst` zstd
(`compression_for`), so a file is never plain text under a compressed name.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from datetime import datetime, timezone

from feedcli.errors import FeedError, UsageError
from feedcli.sinks.compression import COMPRESSIONS

#: how many `-N` variants of a taken name are tried before giving up
_VARIANTS = 1000
#: the width part numbers are padded to (`rec.0002.ndjson`): ten thousand parts sort by name
PART_DIGITS = 4
#: what a file name's last extension says of its compression
_NAMED = {".gz": "gzip", ".gzip": "gzip", ".zst": "zstd", ".zstd": "zstd"}


def compression_for(path: str, asked: str | None) -> str:
    """The compression of `-o PATH`: what `--compress` asked (None: not given), or what the name says.

    A name ending in `.gz` or `.zst` implies that compression; `--compress` that says
    otherwise is refused (UsageError), rather than writing one format under another's name.
    A directory (`-o DIR/`) names its files itself, by the compression asked.
    """
    if path.endswith(("/", os.sep)) or os.path.isdir(path):
        return asked or "none"
    named = _NAMED.get(os.path.splitext(path)[1].lower())
    if named is None:
        return asked or "none"
    if asked is not None and asked != named:
        raise UsageError(
            f"-o {path} names a {named} file but --compress is {asked}: "
            f"drop --compress, or choose a name that matches it"
        )
    return named


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

    def prepare(self) -> None:
        """Create the directory (directory mode), or refuse the leftovers of an earlier run.

        FeedError if the directory cannot be created, UsageError if leftovers are there (with
        or without rotation: a run that does not rotate now may have rotated then): before
        anything connects, so the user learns it at once.
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
        self._refuse_old_parts()

    def _refuse_old_parts(self) -> None:
        """With a file name, refuse to mix in the later parts of an earlier recording.

        The parts `NAME.0002.EXT`, `NAME.0003.EXT`... (or `NAME.2.EXT` of older versions) of
        an earlier run would sit beside the new parts and be taken for them, or be replaced
        by them: the run stops before connecting, whether it rotates or not.
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
            raise UsageError(
                f"cannot record to {self.path}: {os.path.join(directory, old[0])} is left from an earlier "
                "recording; move it away or choose another -o"
            )

    def _base(self, number: int, started: float) -> tuple[str, bool]:
        """The path of a part (without its extensions) and whether it is the very file the user named."""
        if self.directory is not None:
            stamp = datetime.fromtimestamp(started, tz=timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            return os.path.join(self.directory, f"{self.provider}-{stamp}"), False
        if number == 1:
            return self.path, True
        return f"{self._stem}.{number:0{PART_DIGITS}d}", False

    def create(self, number: int, started: float) -> tuple[str, int]:
        """Create part `number`'s file (started at `started`, epoch seconds): its path and descriptor.

        FeedError if it cannot be created.
        """
        base, named = self._base(number, started)
        ext = (".ndjson" + COMPRESSIONS[self.compress]) if self.directory is not None else self._ext
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        if named:
            return base, _create_named(base, flags)
        # a second part in the same second, or a leftover, gets -2, -3, ... instead
        candidates = [base + ext, *(f"{base}-{i}{ext}" for i in range(2, _VARIANTS))]
        path = candidates[0]
        for path in candidates:
            try:
                return path, os.open(path, flags, 0o644)
            except FileExistsError:
                continue
            except OSError as exc:
                raise FeedError(f"cannot open {path} for writing: {exc.strerror or exc}") from None
        raise FeedError(f"cannot open {path} for writing: too many files of that name")


def _create_named(path: str, flags: int) -> int:
    """Create the file the user named; UsageError if it exists (or is a link); a device is opened."""
    try:
        return os.open(path, flags, 0o644)
    except FileExistsError:
        pass
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise FeedError(f"cannot open {path} for writing: {exc.strerror or exc}") from None
    try:
        st = os.lstat(path)
    except OSError as exc:
        raise FeedError(f"cannot open {path} for writing: {exc.strerror or exc}") from None
    if stat.S_ISLNK(st.st_mode):
        raise UsageError(f"{path} is a symbolic link; record never writes through one: choose another -o")
    if stat.S_ISREG(st.st_mode):
        raise UsageError(f"{path} exists; record never overwrites a file: move it away or choose another -o")
    try:  # a device or a FIFO (/dev/null): nothing in it to lose
        return os.open(path, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise FeedError(f"cannot open {path} for writing: {exc.strerror or exc}") from None
