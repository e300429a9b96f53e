"""`feedcli export`: recordings into a Parquet or CSV table of one kind of the market vocabulary.

- `layout`: a kind's columns, learnt from the lines, and each line's row;
- `output`: Parquet (pyarrow, optional) and CSV files, written beside the output and renamed
  into place once complete;
- `run`: the two passes over the recordings (read as `replay` reads them), the checks, the
  progress line.
"""

from feedcli.export.run import ExportOptions, export, run

__all__ = ["ExportOptions", "export", "run"]
