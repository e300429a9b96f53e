"""Writing the table: Parquet (pyarrow, the `parquet` extra) or CSV (the standard library).

Both write a hidden temporary file beside the output and rename it into place only once it is
complete (`os.replace`, atomic on one file system): a full disk, a crash or Ctrl-C leaves no
half-written file that looks valid, and never touches an older file of that name until the new
one is whole. Rows come in batches, so memory is one batch.
"""

from __future__ import annotations

import contextlib
import csv
import os
import tempfile
from collections.abc import Sequence
from typing import Any

from feedcli.errors import FeedError, UsageError
from feedcli.export.layout import ColumnType

#: what to install for Parquet
PARQUET_EXTRA = "pip install 'feedcli[parquet]'"


def format_of(path: str) -> str:
    """`parquet` or `csv`, from the output's extension (exit 2 for any other)."""
    lower = path.lower()
    if lower.endswith((".parquet", ".pq")):
        return "parquet"
    if lower.endswith(".csv"):
        return "csv"
    raise UsageError(f"-o {path}: name a .parquet or a .csv file (the format is told from the extension)")


def check_parquet() -> None:
    """Exit 2, in one line naming the extra, when pyarrow is not installed."""
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise UsageError(f"Parquet output needs pyarrow: {PARQUET_EXTRA} (or write a .csv)") from None


class TableFile:
    """A table being written to a temporary file, renamed to `path` by `commit`."""

    def __init__(self, path: str, columns: Sequence[tuple[str, ColumnType]]) -> None:
        self.path = path
        self.columns = list(columns)
        directory = os.path.dirname(os.path.abspath(path))
        fd, self.temp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".part", dir=directory)
        os.close(fd)
        self.rows = 0

    def write(self, rows: list[list[Any]]) -> None:
        """Write rows (each a list of values in the columns' order)."""
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError

    def commit(self) -> None:
        """Finish the file and put it in place."""
        self._close()
        os.chmod(self.temp, 0o666 & ~_umask())  # mkstemp's 0600 is for the file in the making
        os.replace(self.temp, self.path)

    def discard(self) -> None:
        """Remove what was written (after an error): nothing is left behind."""
        with contextlib.suppress(Exception):
            self._close()
        with contextlib.suppress(OSError):
            os.unlink(self.temp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class ParquetFile(TableFile):
    def __init__(self, path: str, columns: Sequence[tuple[str, ColumnType]]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        super().__init__(path, columns)
        self._pa = pa
        types = {
            "str": pa.string(),
            "float": pa.float64(),
            "int": pa.int64(),
            "bool": pa.bool_(),
            "time": pa.timestamp("us", tz="UTC"),
        }
        self._schema = pa.schema([(name, types[kind]) for name, kind in self.columns])
        self._writer: Any = pq.ParquetWriter(self.temp, self._schema, compression="zstd")

    def write(self, rows: list[list[Any]]) -> None:
        pa = self._pa
        arrays = []
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in self.columns]
        for (_name, kind), values, field in zip(self.columns, columns, self._schema, strict=True):
            if kind == "time":
                arrays.append(_times(pa, values, field.type))
                continue
            try:
                arrays.append(pa.array(values, type=field.type))
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
                arrays.append(pa.array(_cells(values, kind), type=field.type))
        self._writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=self._schema))
        self.rows += len(rows)

    def _close(self) -> None:
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.close()


def _cells(values: Sequence[Any], kind: ColumnType) -> list[Any]:
    """A column's values made what its type takes; what is not becomes null (a recording made
    with `--normalize` by another program may hold anything)."""
    if kind == "float":
        return [float(v) if type(v) in (int, float) else None for v in values]
    if kind == "int":
        return [v if type(v) is int and -(2**63) <= v < 2**63 else None for v in values]
    if kind == "bool":
        return [v if type(v) is bool else None for v in values]
    return [v if v is None or type(v) is str else str(v) for v in values]


def _times(pa: Any, values: Sequence[Any], kind: Any) -> Any:
    """ISO 8601 UTC text as timestamps; a value that is not one becomes null."""
    try:
        return pa.array(values, type=pa.string()).cast(kind)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        from datetime import datetime

        out = []
        for value in values:
            try:
                out.append(datetime.fromisoformat(value) if isinstance(value, str) else None)
            except ValueError:
                out.append(None)
        return pa.array(out, type=kind)


class CsvFile(TableFile):
    """CSV with a header line; times as in the lines (ISO 8601 UTC), true/false, empty for none."""

    def __init__(self, path: str, columns: Sequence[tuple[str, ColumnType]]) -> None:
        super().__init__(path, columns)
        self._file: Any = open(self.temp, "w", newline="", encoding="utf-8")  # noqa: SIM115 - closed by _close
        self._csv = csv.writer(self._file)
        self._csv.writerow([name for name, _ in self.columns])
        self._bools = [i for i, (_, kind) in enumerate(self.columns) if kind == "bool"]

    def write(self, rows: list[list[Any]]) -> None:
        if self._bools:
            rows = [_csv_bools(row, self._bools) for row in rows]
        self._csv.writerows(rows)
        self.rows += len(rows)

    def _close(self) -> None:
        if self._file is not None:
            file, self._file = self._file, None
            try:
                file.flush()
                os.fsync(file.fileno())
            finally:
                file.close()


def _csv_bools(row: list[Any], at: list[int]) -> list[Any]:
    out = list(row)
    for i in at:
        if out[i] is not None:
            out[i] = "true" if out[i] else "false"
    return out


def open_table(path: str, columns: Sequence[tuple[str, ColumnType]]) -> TableFile:
    """The writer of `path`'s format (a temporary file beside it); exit 1 if it cannot be created."""
    try:
        return ParquetFile(path, columns) if format_of(path) == "parquet" else CsvFile(path, columns)
    except OSError as exc:
        raise FeedError(f"cannot write {path}: {exc.strerror or exc}") from None
