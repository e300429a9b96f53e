"""Private Redis and NATS servers per test (tests/support/servers.py): cheap, and a test may stop one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.servers import NatsServer, RedisServer, Server, TlsRedisServer, server_or_skip


@pytest.fixture
def redis_server() -> Iterator[Server]:
    yield from server_or_skip(RedisServer())


@pytest.fixture
def nats_server() -> Iterator[Server]:
    yield from server_or_skip(NatsServer())


@pytest.fixture
def redis_with_password() -> Iterator[Server]:
    yield from server_or_skip(RedisServer(password="s3cret"))


@pytest.fixture
def full_redis() -> Iterator[Server]:
    """A Redis that refuses writes past 3 MB (`maxmemory` with `noeviction`)."""
    yield from server_or_skip(RedisServer("--maxmemory", "3mb", "--maxmemory-policy", "noeviction"))


@pytest.fixture
def nats_with_users() -> Iterator[Server]:
    yield from server_or_skip(NatsServer(user="feed", password="right"))


@pytest.fixture
def tls_redis() -> Iterator[Server]:
    """A Redis that speaks TLS only, its certificate signed by a CA made for the test."""
    yield from server_or_skip(TlsRedisServer())
