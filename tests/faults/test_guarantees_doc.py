"""README's "Guarantees" names a test for each promise: every name it gives must exist."""

from __future__ import annotations

import re

from tests.support.cli import ROOT

SHORT = {
    "C": "tests/faults/test_connection_faults.py",
    "R": "tests/faults/test_record_faults.py",
    "FC": "tests/faults/test_fuzz_codecs.py",
    "FR": "tests/faults/test_fuzz_replay.py",
}


def test_every_test_the_guarantees_name_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Guarantees\n", 1)[1].split("\n## ", 1)[0]
    named = re.findall(r"\b(C|R|FC|FR)::(test_\w+)", section)
    named += [(path, name) for path, name in re.findall(r"`(tests/[\w/]+\.py)::(test_\w+)`", section)]
    assert len(named) >= 15
    for where, name in named:
        source = (ROOT / SHORT.get(where, where)).read_text(encoding="utf-8")
        assert re.search(rf"^def {name}\(", source, re.M), f"README names {where}::{name}, which does not exist"
