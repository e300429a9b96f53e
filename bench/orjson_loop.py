"""The plainest Python replay: read each line, parse it with orjson, write it out.

The baseline of `feedcli replay --speed 0` (issue 13): the least a Python program does to
re-emit a recording with every line checked whole (a line that does not parse raises), in
the same interpreter and orjson as feedcli, with stdout's ordinary buffered writer.

    .venv/bin/python bench/orjson_loop.py FILE > /dev/null
"""

from __future__ import annotations

import sys

import orjson


def main() -> None:
    loads = orjson.loads
    write = sys.stdout.buffer.write
    with open(sys.argv[1], "rb") as lines:
        for line in lines:
            loads(line)
            write(line)


if __name__ == "__main__":
    main()
