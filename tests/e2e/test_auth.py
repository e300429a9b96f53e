"""End to end: gh's `auth` family (`auth status|token|login|logout`) and where `login` sends a password."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import Simulator, login, run

pytestmark = pytest.mark.e2e


def stored(config_dir: Path) -> dict:
    return json.loads((config_dir / "profiles" / "default" / "ht.json").read_text())


def test_status_when_logged_in_nowhere_is_exit_1(env) -> None:
    result = run(["auth", "status"], env)
    assert result.returncode == 1
    assert "not logged in anywhere" in result.stderr and result.stdout == ""
    as_json = run(["auth", "status", "--json"], env)
    assert as_json.returncode == 1 and json.loads(as_json.stdout) == []


def test_status_names_host_account_and_expiry_but_never_the_token(ht_sim: Simulator, env, config_dir) -> None:
    login(ht_sim, env)
    token = stored(config_dir)[ht_sim.url]["token"]
    text = run(["auth", "status"], env)
    assert text.returncode == 0, text.stderr
    assert "profile default" in text.stdout and ht_sim.url in text.stdout
    assert f"logged in as {ht_sim.user}" in text.stdout and " UTC (in " in text.stdout
    rows = json.loads(run(["auth", "status", "--json"], env).stdout)
    assert rows == [
        {
            "profile": "default",
            "family": "ht",
            "providers": ["tse", "ime"],
            "base_url": ht_sim.url,
            "account": ht_sim.user,
            "expires": rows[0]["expires"],
            "expired": False,
        }
    ]
    assert rows[0]["expires"].endswith("Z")
    for result in (text, run(["auth", "status", "--json"], env)):
        assert token not in result.stdout and token not in result.stderr


def test_token_prints_the_stored_token_of_the_host_stream_would_use(ht_sim: Simulator, env, config_dir) -> None:
    login(ht_sim, env)
    token = stored(config_dir)[ht_sim.url]["token"]
    assert run(["auth", "token", "--url", ht_sim.url], env).stdout == token + "\n"
    assert run(["auth", "token"], {**env, "FEEDCLI_TSE_URL": ht_sim.url}).stdout == token + "\n"
    nowhere = run(["auth", "token"], env)  # production: never logged in there
    assert nowhere.returncode == 1 and nowhere.stdout == "" and "not logged in" in nowhere.stderr


def test_logout_with_url_forgets_that_host_only(ht_sim: Simulator, env, config_dir) -> None:
    login(ht_sim, env)
    with Simulator("tse", env=env) as other:
        login(other, env)
        assert set(stored(config_dir)) == {ht_sim.url, other.url}
        result = run(["auth", "logout", "--url", other.url], env)
        assert result.returncode == 0 and f"Logged out of ht at {other.url}" in result.stderr
    assert set(stored(config_dir)) == {ht_sim.url}
    assert run(["logout"], env).returncode == 0
    assert not (config_dir / "profiles" / "default" / "ht.json").exists()


def test_login_sends_the_password_where_stream_would_connect(ht_sim: Simulator, env, config_dir) -> None:
    # FEEDCLI_TSE_URL points `stream tse` at the simulator: login must go there too, and say so
    result = run(
        ["auth", "login", "-u", ht_sim.user, "--password-stdin"],
        {**env, "FEEDCLI_TSE_URL": ht_sim.url},
        input=ht_sim.password + "\n",
    )
    assert result.returncode == 0, result.stderr
    assert f"Logging in to HT Data Engine at {ht_sim.url} (from FEEDCLI_TSE_URL)" in result.stderr
    assert set(stored(config_dir)) == {ht_sim.url}


def test_login_refuses_to_guess_between_two_hosts_and_non_http_urls(ht_sim: Simulator, env, config_dir) -> None:
    two = {**env, "FEEDCLI_TSE_URL": ht_sim.url, "FEEDCLI_IME_URL": "http://127.0.0.1:9"}
    result = run(["login", "-u", "x", "--password-stdin"], two, input="y\n")
    assert result.returncode == 2 and "say which with --url" in result.stderr
    for url in ("ws://127.0.0.1:9", "ftp://example.com"):
        bad = run(["login", "--url", url, "-u", "x", "--password-stdin"], env, input="y\n")
        assert bad.returncode == 2 and "http:// or https://" in bad.stderr
    assert not (config_dir / "profiles").exists()
