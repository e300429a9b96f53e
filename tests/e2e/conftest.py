"""Fixtures the end-to-end sink tests share: a real Redis, a real NATS (skipped where missing), a Binance simulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import Simulator, feedcli_env
from tests.support.servers import NatsServer, RedisServer, server_or_skip


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    yield from server_or_skip(RedisServer())  # type: ignore[misc]


@pytest.fixture
def nats_server() -> Iterator[NatsServer]:
    yield from server_or_skip(NatsServer())  # type: ignore[misc]


@pytest.fixture
def binance(tmp_path: Path) -> Iterator[Simulator]:
    with Simulator("binance", "--rate", "20", "--seed", "3", env=feedcli_env(tmp_path)) as sim:
        yield sim
