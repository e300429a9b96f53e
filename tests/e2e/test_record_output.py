"""`record -o PATH`: never over an existing file or through a link; the name says the compression.

Issue 12 item 7 and issue 17's recording footguns. Refusals come before anything connects, so
most of these need no server; the one that records uses the independent HT server.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import zstandard

from tests.support.cli import feedcli_env, lines, run
from tests.support.independent_ht import TOKEN, IndependentHT

pytestmark = pytest.mark.e2e
NOWHERE = "http://127.0.0.1:9"  # refusals happen before connecting: nothing listens here


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return feedcli_env(tmp_path / "cfg", FEEDCLI_TOKEN=TOKEN)


def record_args(out: Path, *extra: str, url: str = NOWHERE) -> list[str]:
    return ["record", "tse", "--url", url, "--isin", "IRO1FOLD0001", "-o", str(out), "--limit", "5", *extra]


def one_line_exit_2(result) -> str:
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr


def test_an_existing_file_is_refused_and_kept(tmp_path: Path, env) -> None:
    out = tmp_path / "rec.ndjson"
    out.write_text("last week\n")
    assert "never overwrites" in one_line_exit_2(run(record_args(out), env))
    assert out.read_text() == "last week\n"


def test_a_link_at_the_output_path_is_refused_and_its_target_kept(tmp_path: Path, env) -> None:
    target = tmp_path / "bashrc"
    target.write_text("alias ls=ls\n")
    out = tmp_path / "rec.ndjson"
    out.symlink_to(target)
    assert "symbolic link" in one_line_exit_2(run(record_args(out), env))
    assert target.read_text() == "alias ls=ls\n"


@pytest.mark.parametrize("rotate", [[], ["--rotate-size", "1MB"]])
def test_parts_of_an_earlier_run_are_refused_with_or_without_rotation(rotate: list[str], tmp_path: Path, env) -> None:
    (tmp_path / "rec.0002.ndjson").write_text("earlier\n")
    result = run(record_args(tmp_path / "rec.ndjson", *rotate), env)
    assert "left from an earlier recording" in one_line_exit_2(result)
    assert not (tmp_path / "rec.ndjson").exists()


@pytest.mark.parametrize(("name", "compress"), [("rec.ndjson.gz", "zstd"), ("rec.ndjson.zst", "none")])
def test_a_compression_the_name_contradicts_is_refused(name: str, compress: str, tmp_path: Path, env) -> None:
    result = run(record_args(tmp_path / name, "--compress", compress), env)
    assert "--compress" in one_line_exit_2(result)
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize("name", ["rec.ndjson.gz", "rec.ndjson.zst"])
def test_the_name_implies_the_compression(name: str, tmp_path: Path, env) -> None:
    out = tmp_path / name
    with IndependentHT(count=5) as server:
        result = run(record_args(out, url=server.url), env)
    assert result.returncode == 0, result.stderr
    raw = out.read_bytes()
    if name.endswith(".gz"):
        text = gzip.decompress(raw)
    else:
        text = zstandard.ZstdDecompressor().decompressobj().decompress(raw)
    objs = lines(text.decode())
    assert objs[0]["event"] == "recording" and sum("channel" in o for o in objs) == 5


# ---------------------------------------------------------------------- stderr when it is not a terminal
@pytest.mark.parametrize("verbose", [False, True])
def test_record_keeps_reconnect_notes_off_a_stderr_that_is_not_a_terminal_unless_verbose(
    verbose: bool, tmp_path: Path, config_dir: Path
) -> None:
    from tests.support.cli import Simulator, login

    env = feedcli_env(config_dir)
    out = tmp_path / "rec.ndjson"
    with Simulator("tse", "--rate", "300", "--drop-after", "10", env=env) as sim:
        login(sim, env)
        args = ["record", "tse", "--url", sim.url, "--isin", "IRO1FOLD0001", "-o", str(out), "--limit", "40"]
        result = run(["-v", *args] if verbose else args, env)
    assert result.returncode == 0, result.stderr
    reconnects = sum('"event":"reconnected"' in line for line in out.read_text().splitlines())
    assert reconnects >= 2  # the connection did drop, and the file says so
    if verbose:
        assert "reconnect" in result.stderr.lower() or "connection" in result.stderr.lower(), result.stderr
    else:
        assert result.stderr == ""
