"""Where credentials live and which are sent: directory modes, expired tokens, URL secrets."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest

from feedcli import auth, config
from feedcli.errors import AuthError, UsageError
from feedcli.providers.base import check_base_url

BASE = "http://127.0.0.1:8765"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_000() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def test_missing_parents_of_the_config_dir_are_created_0700_under_umask_000(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, umask_000: None
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    root = shared / "a" / "b" / "feedcli"
    monkeypatch.setenv("FEEDCLI_CONFIG_DIR", str(root))
    path = config.save("default", "ht", {"x": 1})
    for made in (shared / "a", shared / "a" / "b", root, root / "profiles", root / "profiles" / "default"):
        assert mode(made) == 0o700, made
    assert mode(path) == 0o600
    assert mode(shared) == 0o1777  # what was there already is left as it was


def test_existing_folders_of_the_users_keep_their_modes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "feedcli"
    (root / "profiles" / "work").mkdir(parents=True)
    os.chmod(root, 0o755)
    os.chmod(root / "profiles", 0o751)
    os.chmod(root / "profiles" / "work", 0o750)
    monkeypatch.setenv("FEEDCLI_CONFIG_DIR", str(root))
    config.save("work", "ht", {"x": 1})
    path = config.save("default", "ht", {"x": 1})
    assert (mode(root), mode(root / "profiles"), mode(root / "profiles" / "work")) == (0o755, 0o751, 0o750)
    assert mode(root / "profiles" / "default") == 0o700  # this one feedcli made
    assert mode(path) == 0o600 and mode(root / "profiles" / "work" / "ht.json") == 0o600


def test_a_file_in_the_way_of_the_config_dir_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "feedcli").write_text("not a folder")
    monkeypatch.setenv("FEEDCLI_CONFIG_DIR", str(tmp_path / "feedcli"))
    with pytest.raises(UsageError, match="cannot create the directory"):
        config.save("default", "ht", {"x": 1})


def jwt_expiring(seconds: float) -> str:
    return jwt.encode({"sub": "alice", "exp": int(time.time() + seconds)}, "k" * 32, algorithm="HS256")


def test_an_expired_token_in_the_environment_is_refused_like_a_stored_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEEDCLI_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("FEEDCLI_TOKEN", jwt_expiring(-60))
    with pytest.raises(AuthError) as caught:
        auth.token_for("default", BASE)
    assert caught.value.exit_code == 3
    assert str(caught.value).startswith("the token in FEEDCLI_TOKEN expired at ")
    assert os.environ["FEEDCLI_TOKEN"] not in str(caught.value)


@pytest.mark.parametrize("token", [jwt_expiring(3600), "not-a-jwt", "x.y.z"])
def test_a_live_or_opaque_token_in_the_environment_is_sent(
    token: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # feedcli reads only the expiry it can see: a token that is no JWT is the server's to judge
    monkeypatch.setenv("FEEDCLI_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("FEEDCLI_TOKEN", f"  {token} ")
    assert auth.token_for("default", BASE) == token


@pytest.mark.parametrize("token", [jwt_expiring(-60), "two words", jwt_expiring(3600)])
def test_status_and_a_connection_read_feedcli_token_alike(
    token: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `auth status` shows exactly the refusal a connection would raise (one reading, in auth.env_token)
    from feedcli.credentials import TokenLogin

    monkeypatch.setenv("FEEDCLI_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("FEEDCLI_TOKEN", token)
    row = TokenLogin("ht", "HT Data Engine", BASE).environment()
    assert row is not None
    try:
        sent, refused = auth.token_for("default", BASE), None
    except AuthError as exc:
        sent, refused = None, str(exc)
    assert row.problem == refused
    assert (sent is None) == (refused is not None)


@pytest.mark.parametrize(
    "url",
    [
        "http://alice:s3cret-pw@127.0.0.1:8765",
        "http://alice:s3cret-pw@[::1",
        "http://alice:s3cret-pw@127.0.0.1:port",
        "ftp://alice:s3cret-pw@host",
        "http://s3cret-pw@127.0.0.1:1",
    ],
)
def test_a_url_with_a_password_is_refused_without_repeating_it(url: str) -> None:
    with pytest.raises(UsageError) as caught:
        check_base_url(url)
    assert "s3cret" not in str(caught.value) and "***@" in str(caught.value)


@pytest.mark.parametrize(("seconds", "refused"), [(-60, True), (3600, False)])
def test_a_stored_token_is_judged_by_the_expiry_read_at_login(
    seconds: float, refused: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEEDCLI_CONFIG_DIR", str(tmp_path))
    monkeypatch.delenv("FEEDCLI_TOKEN", raising=False)
    token = jwt_expiring(seconds)
    auth.store("default", BASE, auth.describe_token(token))
    entry = config.load("default", auth.FAMILY)[config.base_key(BASE)]
    assert entry["expires"] is not None  # what PyJWT read at login, kept beside the token
    if refused:
        with pytest.raises(AuthError, match="expired at"):
            auth.token_for("default", BASE)
    else:
        assert auth.token_for("default", BASE) == token
    # the kept expiry is what a connection goes by (it does not decode the token again) ...
    entry["expires"] = "2000-01-01T00:00:00+00:00"
    config.save("default", auth.FAMILY, {config.base_key(BASE): entry})
    with pytest.raises(AuthError, match="expired at 2000-01-01 00:00"):
        auth.token_for("default", BASE)
    # ... unless it is not there or not what `store` writes: then the token's own claim
    for kept in (None, "soon", "2000-01-01T00:00:00"):
        entry = {"token": token, "account": "alice", **({"expires": kept} if kept is not None else {})}
        config.save("default", auth.FAMILY, {config.base_key(BASE): entry})
        if refused:
            with pytest.raises(AuthError, match="expired at"):
                auth.token_for("default", BASE)
        else:
            assert auth.token_for("default", BASE) == token
