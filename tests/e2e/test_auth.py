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
            "source": "stored",
            "variables": [],
            "problem": None,
            "overridden_by": None,
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


def env_jwt(user: str, seconds: float) -> str:
    import time

    import jwt

    return jwt.encode(
        {"username": user, "exp": int(time.time() + seconds)},
        "a key the client never checks, 32+ bytes",
        algorithm="HS256",
    )


def test_status_says_feedcli_token_overrides_the_stored_token(ht_sim: Simulator, env, config_dir) -> None:
    login(ht_sim, env)
    secret = env_jwt("from-env", 3600)
    with_env = {**env, "FEEDCLI_TOKEN": secret}
    text = run(["auth", "status"], with_env)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith("environment (overrides every stored login")
    assert "ht (tse and ime) from FEEDCLI_TOKEN" in lines[1]
    assert "✓ connections log in as from-env; expires " in lines[2]
    stored_at = lines.index(f"  ht (tse and ime) at {ht_sim.url}")
    assert lines[stored_at + 2] == "    ! not used while FEEDCLI_TOKEN is set"
    rows = json.loads(run(["auth", "status", "--json"], with_env).stdout)
    assert [(r["source"], r["account"], r["overridden_by"]) for r in rows] == [
        ("environment", "from-env", None),
        ("stored", ht_sim.user, ["FEEDCLI_TOKEN"]),
    ]
    assert rows[0]["variables"] == ["FEEDCLI_TOKEN"] and rows[0]["problem"] is None and rows[0]["base_url"] is None
    # without the variable, nothing is said of it
    plain = run(["auth", "status"], env)
    assert "environment" not in plain.stdout and "not used while" not in plain.stdout
    for result in (text,):
        assert secret not in result.stdout and secret not in result.stderr


def test_status_with_only_feedcli_token_is_logged_in_and_flags_an_expired_one(env) -> None:
    fresh = run(["auth", "status", "--json"], {**env, "FEEDCLI_TOKEN": env_jwt("ci-bot", 600)})
    assert fresh.returncode == 0, fresh.stderr
    assert [(r["source"], r["account"], r["expired"]) for r in json.loads(fresh.stdout)] == [
        ("environment", "ci-bot", False)
    ]
    # a token every connection refuses is no login: shown with its problem, and exit 1
    stale = run(["auth", "status"], {**env, "FEEDCLI_TOKEN": env_jwt("ci-bot", -600)})
    assert stale.returncode == 1, stale.stderr
    assert "✗ ci-bot: the token in FEEDCLI_TOKEN expired at " in stale.stdout
    assert "not logged in anywhere" in stale.stderr and "connections refuse what the environment sets" in stale.stderr
    malformed = run(["auth", "status", "--json"], {**env, "FEEDCLI_TOKEN": "not a token"})
    assert malformed.returncode == 1, malformed.stderr
    [row] = json.loads(malformed.stdout)
    assert "FEEDCLI_TOKEN is not a valid token" in row["problem"] and "not a token" not in malformed.stdout
    blank = run(["auth", "status"], {**env, "FEEDCLI_TOKEN": "  "})  # blank counts as unset
    assert blank.returncode == 1 and "not logged in anywhere" in blank.stderr


def test_token_says_when_it_prints_feedcli_token(ht_sim: Simulator, env, config_dir) -> None:
    login(ht_sim, env)
    secret = env_jwt("from-env", 3600)
    result = run(["auth", "token", "--url", ht_sim.url], {**env, "FEEDCLI_TOKEN": secret})
    assert result.returncode == 0, result.stderr
    assert result.stdout == secret + "\n"  # stdout: the secret alone, for $(...)
    assert f"FEEDCLI_TOKEN is set: printing what a connection sends with it, not what is stored for {ht_sim.url}" in (
        result.stderr
    )
    elsewhere = run(["auth", "token", "--url", "http://127.0.0.1:9"], {**env, "FEEDCLI_TOKEN": secret})
    assert elsewhere.returncode == 0 and elsewhere.stdout == secret + "\n"
    assert "(nothing is stored for http://127.0.0.1:9 in profile default)" in elsewhere.stderr
    assert "not what is stored" not in elsewhere.stderr
    quiet = run(["-q", "auth", "token", "--url", ht_sim.url], {**env, "FEEDCLI_TOKEN": secret})
    assert quiet.stdout == secret + "\n" and quiet.stderr == ""
    stored_only = run(["auth", "token", "--url", ht_sim.url], env)
    assert stored_only.stdout == stored(config_dir)[ht_sim.url]["token"] + "\n" and stored_only.stderr == ""


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


def test_status_shows_the_moex_login_the_environment_sets_never_the_passcode(env) -> None:
    with_env = {**env, "FEEDCLI_MOEX_LOGIN": "alice@example.com", "FEEDCLI_MOEX_PASSCODE": "s3cret-pass"}
    text = run(["auth", "status"], with_env)
    assert text.returncode == 0, text.stderr
    assert "  moex (moex) from FEEDCLI_MOEX_LOGIN and FEEDCLI_MOEX_PASSCODE" in text.stdout.splitlines()
    assert "    ✓ connections log in as alice@example.com; no expiry" in text.stdout.splitlines()
    rows = json.loads(run(["auth", "status", "--json"], with_env).stdout)
    assert [(r["family"], r["account"], r["variables"]) for r in rows] == [
        ("moex", "alice@example.com", ["FEEDCLI_MOEX_LOGIN", "FEEDCLI_MOEX_PASSCODE"])
    ]
    assert "s3cret-pass" not in text.stdout + text.stderr


def test_status_with_a_moex_variable_alone_says_what_stream_would_refuse(env, config_dir) -> None:
    # FEEDCLI_MOEX_PASSCODE alone, nothing stored: `stream moex` exits 3, so status is not logged in
    alone = run(["auth", "status"], {**env, "FEEDCLI_MOEX_PASSCODE": "s3cret-pass"})
    assert alone.returncode == 1, alone.stdout
    assert "    ✗ an unnamed account: FEEDCLI_MOEX_PASSCODE is set without FEEDCLI_MOEX_LOGIN" in alone.stdout
    assert "✓" not in alone.stdout and "s3cret-pass" not in alone.stdout + alone.stderr
    lonely = run(["auth", "status", "--json"], {**env, "FEEDCLI_MOEX_LOGIN": "alice@example.com"})
    assert lonely.returncode == 1, lonely.stdout
    [row] = json.loads(lonely.stdout)
    assert row["account"] == "alice@example.com"
    assert "FEEDCLI_MOEX_LOGIN is set without FEEDCLI_MOEX_PASSCODE" in row["problem"]
    # with a stored login, the same variables pair with it as `stream` pairs them: no problem
    with Simulator("moex", env=env) as sim:
        stored_login = run(
            ["login", "moex", "--url", sim.url, "-u", sim.user, "--password-stdin"], env, input=sim.password + "\n"
        )
        assert stored_login.returncode == 0, stored_login.stderr
    for variables in ({"FEEDCLI_MOEX_PASSCODE": "other"}, {"FEEDCLI_MOEX_LOGIN": sim.user}):
        paired = run(["auth", "status", "--json"], {**env, **variables})
        assert paired.returncode == 0, paired.stderr
        assert [r["problem"] for r in json.loads(paired.stdout)] == [None, None]
    other = run(["auth", "status", "--json"], {**env, "FEEDCLI_MOEX_LOGIN": "bob"})
    assert other.returncode == 0  # a stored login is still there, but bob's row says why it is refused
    assert "no passcode is stored for it" in json.loads(other.stdout)[0]["problem"]
