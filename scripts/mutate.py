"""A small mutation-testing run: plant one-token bugs in the modules that matter, see which tests notice.

`make mutate` runs it (not part of CI: it takes a long while). Why our own and not mutmut:
mutmut 3 copies only the mutated package into a `mutants/` folder and imports it from there,
which our end-to-end tests cannot see (they run `python -m feedcli` as a subprocess, the way a
user does), and it mutates by trampolines that change how functions are called. Here a mutant
is the real source file with one token changed, in a scratch copy of the tree, so every kind of
test (unit, integration, end to end) runs against it exactly as it would against a real bug.

A mutant changes one token: a comparison (`<` ↔ `<=`, `==` ↔ `!=`, ...), an arithmetic or
boolean operator, a number (n → n + 1), `True` ↔ `False`, `min` ↔ `max`, or a call that is
a promise of the README (`os.fsync`, `random.uniform`, ...) made a no-op. Mutants are drawn
from each target with a fixed seed, so two runs of the same tree test the same mutants.

A mutant is *caught* when its tests fail (or time out), *survives* when they pass. Survivors
are printed with their place and change; each needs a test, or a reason to keep it (an
equivalent mutant, a tuning constant), which `bench/README.md` records.

Before any mutant, each target's tests run once on the unmutated tree (the baseline): a
module whose tests fail or time out there is reported as "baseline failing" and its mutants
are skipped, since a broken or flaky test would otherwise count as a catch. Catches by
timeout are counted apart: a hang is noticed, but it is the weakest kind of catch.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tokenize
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: module → the tests that guard it (the engine, the sinks, replay and the book builders)
TARGETS: dict[str, tuple[str, ...]] = {
    "feedcli/session.py": (
        "tests/integration/test_session_backoff.py",
        "tests/integration/test_session_hooks.py",
        "tests/integration/test_session_hardening.py",
        "tests/integration/test_session_http.py",
        "tests/e2e/test_ht.py",
    ),
    "feedcli/backoff.py": ("tests/unit/test_backoff.py", "tests/integration/test_session_backoff.py"),
    "feedcli/runner.py": ("tests/unit/test_runner.py", "tests/e2e/test_terminal_gone.py"),
    "feedcli/pipeline.py": (
        "tests/integration/test_pipeline.py",
        "tests/e2e/test_ht.py",
        "tests/e2e/test_output_faults.py",
    ),
    "feedcli/sinks/writer.py": ("tests/integration/sinks/test_writer.py", "tests/e2e/test_output_faults.py"),
    "feedcli/sinks/recording.py": ("tests/integration/sinks/test_recording.py",),
    "feedcli/sinks/compression.py": ("tests/integration/sinks/test_recording.py",),
    "feedcli/sinks/delivery.py": ("tests/integration/sinks/test_redis_sink.py",),
    "feedcli/replay/reading.py": ("tests/integration/test_replay.py",),
    "feedcli/replay/lines.py": ("tests/integration/test_replay.py",),
    "feedcli/replay/decompress.py": ("tests/integration/test_replay.py",),
    "feedcli/replay/pacing.py": ("tests/integration/test_replay.py",),
    "feedcli/replay/filters.py": ("tests/integration/test_replay.py",),
    "feedcli/providers/crypto/book.py": ("tests/unit/providers/crypto",),
    "feedcli/providers/crypto/sync.py": ("tests/unit/providers/crypto",),
}

_SWAPS = {
    "<": "<=",
    "<=": "<",
    ">": ">=",
    ">=": ">",
    "==": "!=",
    "!=": "==",
    "+": "-",
    "-": "+",
    "*": "/",
    "//": "*",
    "and": "or",
    "or": "and",
    "True": "False",
    "False": "True",
    "min": "max",
    "max": "min",
    "is": "is not",
    "in": "not in",
}
#: calls whose effect the README promises: made no-ops (`os.fsync(fd)` → `(lambda *a: None)(fd)`)
_PROMISES = {"fsync", "uniform", "ftruncate"}


@dataclass(frozen=True)
class Mutant:
    path: str
    line: int
    col: int
    old: str
    new: str

    def apply(self, source: str) -> str:
        lines = source.splitlines(keepends=True)
        text = lines[self.line - 1]
        assert text[self.col : self.col + len(self.old)] == self.old, (self, text)
        lines[self.line - 1] = text[: self.col] + self.new + text[self.col + len(self.old) :]
        return "".join(lines)

    def describe(self) -> str:
        return f"{self.path}:{self.line}:{self.col + 1}: {self.old!r} -> {self.new!r}"


def mutants_of(path: str, source: str) -> list[Mutant]:
    """Every one-token mutant of a module (strings, comments and annotations' `|` untouched)."""
    out: list[Mutant] = []
    # line breaks inside brackets and comments are not code: `before` and `after` skip them,
    # so the `*` of a signature split over lines is seen after its `,` (not a multiplication)
    tokens = [
        t
        for t in tokenize.generate_tokens(io.StringIO(source).readline)
        if t.type not in (tokenize.NL, tokenize.COMMENT)
    ]
    for i, tok in enumerate(tokens):
        (line, col), text = tok.start, tok.string
        before = tokens[i - 1].string if i else ""
        after = tokens[i + 1].string if i + 1 < len(tokens) else ""
        if tok.type == tokenize.OP and text in _SWAPS:
            if text == "-" and before in ("(", ",", "=", "[", "return", ":"):  # a sign, not a subtraction
                continue
            if text == "*" and before in ("(", ","):  # *args
                continue
            out.append(Mutant(path, line, col, text, _SWAPS[text]))
        elif tok.type == tokenize.NAME and text in _SWAPS:
            if text == "is" and after == "not":  # `is not`: its own `is` would make `is not not`
                continue
            if text == "in" and any(t.string == "for" for t in tokens[max(0, i - 8) : i]):
                continue  # `for x in ...`: not a membership test
            out.append(Mutant(path, line, col, text, _SWAPS[text]))
        elif tok.type == tokenize.NAME and text in _PROMISES and after == "(" and before == ".":
            owner = tokens[i - 2]
            out.append(Mutant(path, owner.start[0], owner.start[1], f"{owner.string}.{text}", "(lambda *_a: None)"))
        elif tok.type == tokenize.NUMBER and before != "." and "j" not in text:
            try:
                value = int(text, 0)
            except ValueError:
                continue
            out.append(Mutant(path, line, col, text, str(value + 1)))
    return out


def run_tests(tree: Path, tests: tuple[str, ...], timeout: float) -> str:
    """'caught', 'survived' or 'timeout' (a whole run or one test past its time: counted as caught)."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--timeout", "120", *tests]
    try:
        done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout"
    if done.returncode == 0:
        return "survived"
    # pytest-timeout's own verdict on one test (signal method, thread method): a hang too
    if b"Failed: Timeout >" in done.stdout or b"+ Timeout +" in done.stdout:
        return "timeout"
    return "caught"


def baseline(tree: Path, chosen: list[tuple[Mutant, tuple[str, ...]]], timeout: float) -> set[str]:
    """Run each chosen module's tests once, unmutated; the modules whose tests do not pass."""
    said = {"survived": "passed", "caught": "failed", "timeout": "timeout"}
    verdicts: dict[tuple[str, ...], str] = {}  # modules sharing their tests share one run
    failing: set[str] = set()
    for path in dict.fromkeys(m.path for m, _t in chosen):
        tests = TARGETS[path]
        if tests not in verdicts:
            started = time.monotonic()
            verdicts[tests] = run_tests(tree, tests, timeout)
            took = time.monotonic() - started
            print(f"[baseline] {said[verdicts[tests]]:8} {path} ({took:.0f} s)", flush=True)
        if verdicts[tests] != "survived":
            failing.add(path)
            print(f"[baseline] {path}: its tests {said[verdicts[tests]]} unmutated: its mutants are skipped")
    return failing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-module", type=int, default=8, help="mutants drawn from each module")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds a mutant's tests may take")
    parser.add_argument("--only", action="append", default=[], help="only modules whose path contains this")
    parser.add_argument("--list", action="store_true", help="print the mutants, run nothing")
    args = parser.parse_args(argv)
    chosen: list[tuple[Mutant, tuple[str, ...]]] = []
    for path, tests in TARGETS.items():
        if args.only and not any(o in path for o in args.only):
            continue
        source = (ROOT / path).read_text()
        pool = mutants_of(path, source)
        rng = random.Random(f"{args.seed}:{path}")  # per module: --only draws the same mutants
        for mutant in sorted(rng.sample(pool, min(args.per_module, len(pool))), key=lambda m: (m.line, m.col)):
            chosen.append((mutant, tests))
    if args.list:
        for mutant, _tests in chosen:
            print(mutant.describe())
        return 0
    with tempfile.TemporaryDirectory(prefix="feedcli-mutate-") as scratch:
        tree = Path(scratch) / "tree"
        shutil.copytree(
            ROOT, tree, ignore=shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info", "results")
        )
        failing = baseline(tree, chosen, args.timeout)
        results: dict[str, list[tuple[Mutant, str]]] = {}
        for n, (mutant, tests) in enumerate(chosen, 1):
            if mutant.path in failing:
                continue
            original = (tree / mutant.path).read_text()
            (tree / mutant.path).write_text(mutant.apply(original))
            started = time.monotonic()
            try:
                verdict = run_tests(tree, tests, args.timeout)
            finally:
                (tree / mutant.path).write_text(original)
            results.setdefault(mutant.path, []).append((mutant, verdict))
            took = time.monotonic() - started
            print(f"[{n}/{len(chosen)}] {verdict:8} {mutant.describe()} ({took:.0f} s)", flush=True)
    total = sum(len(v) for v in results.values())
    caught = sum(1 for v in results.values() for _m, verdict in v if verdict != "survived")
    timed_out = sum(1 for v in results.values() for _m, verdict in v if verdict == "timeout")
    print(f"\ncaught {caught} of {total} mutants")
    print(f"caught (by timeout) {timed_out} of them")
    for path, rows in results.items():
        by_timeout = sum(1 for _m, v in rows if v == "timeout")
        extra = f" ({by_timeout} by timeout)" if by_timeout else ""
        print(f"  {path}: {sum(1 for _m, v in rows if v != 'survived')}/{len(rows)}{extra}")
    for path in failing:
        print(f"  {path}: baseline failing, {sum(1 for m, _t in chosen if m.path == path)} mutants skipped")
    survivors = [m for rows in results.values() for m, v in rows if v == "survived"]
    if survivors:
        print("survivors:")
        for mutant in survivors:
            print(f"  {mutant.describe()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
