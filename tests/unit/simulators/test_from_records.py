"""Every record's simulator and replay backend can be built from what the record declares:
each option lands in the simulator's constructor or its faults, none is left over."""

from __future__ import annotations

import pytest

from feedcli import providers
from feedcli.errors import UsageError
from feedcli.simulators.base import LoopbackServer


@pytest.mark.parametrize("name", [r.name for r in providers.records() if r.simulator is not None])
def test_the_simulator_builds_from_its_declared_options(name: str) -> None:
    spec = providers.get(name).simulator
    assert spec is not None
    sim = spec.build("127.0.0.1", 0, spec.values())
    assert isinstance(sim, LoopbackServer) and sim.port == 0
    faults = {o.dest: 7 for o in spec.options if o.fault and o.default is None and o.type is int}
    sim = spec.build("127.0.0.1", 0, spec.values(rate=3.5, seed=9, **faults))
    assert sim.rate == 3.5 and sim.seed == 9  # type: ignore[attr-defined]
    for dest, value in faults.items():  # in the faults, or the simulator's own
        holders = [h for h in (getattr(sim, "faults", None), sim) if h is not None and hasattr(h, dest)]
        assert holders and getattr(holders[0], dest) == value, dest


def test_a_value_the_simulator_refuses_is_a_value_error() -> None:
    spec = providers.get("datafye").simulator
    assert spec is not None
    with pytest.raises(ValueError):
        spec.build("127.0.0.1", 0, spec.values(halt_seconds=0.0))
    ht = providers.get("tse").simulator
    assert ht is not None
    with pytest.raises(UsageError, match="429,503"):
        ht.build("127.0.0.1", 0, ht.values(login_errors="soon"))
    sim = ht.build("127.0.0.1", 0, ht.values(login_errors="429,503"))
    assert sim.faults.login_errors == (429, 503) and sim.family == "tse"


@pytest.mark.parametrize("name", [r.name for r in providers.records() if r.simulator is not None])
@pytest.mark.parametrize("rate", [0.0, -1.0, float("nan")])
def test_every_simulator_refuses_a_rate_that_is_not_positive(name: str, rate: float) -> None:
    spec = providers.get(name).simulator
    assert spec is not None
    # one check (simulators.base.positive_rate) and so one wording, whichever simulator
    with pytest.raises(ValueError, match=r"^rate must be a positive number of \w+ per second, not "):
        spec.build("127.0.0.1", 0, spec.values(rate=rate))


def test_an_option_the_simulator_lacks_is_a_programming_error() -> None:
    from feedcli.simulators.datafye import DatafyeSimulator

    with pytest.raises(TypeError, match="no option nonsense"):
        DatafyeSimulator.from_options("127.0.0.1", 0, {"nonsense": 1})


@pytest.mark.parametrize("name", [r.name for r in providers.records() if r.replay is not None])
def test_the_replay_backend_builds(name: str) -> None:
    replay = providers.get(name).replay
    assert replay is not None
    backend = replay.backend("127.0.0.1", 0, ["X"], 16, 1.0)
    assert isinstance(backend, LoopbackServer)
    assert backend.account is None or len(backend.account) == 2
