"""What a Datafye history recording can answer: its bars by symbol, frequency and range."""

from __future__ import annotations

import pytest

from feedcli.events import DataEvent, epoch_iso
from feedcli.providers.datafye import is_history
from feedcli.simulators.datafye import Refused
from feedcli.simulators.datafye_history import RecordedHistory, Span

T0 = 1_735_810_200_000  # 2025-01-02T09:30:00Z
MINUTE = 60_000
SUB = {"symbol": ["AAPL", "MSFT"], "channel": ["aggregates"], "frequency": None, "dataset": None}
SUB |= {"from_": "2025-01-02T09:30:00", "to": "2025-01-02T09:35:00"}


def bar(symbol: str, start: int, close: float) -> DataEvent:
    record = {"symbol": symbol, "datetime": start, "open": close, "high": close, "low": close, "close": close}
    return DataEvent("datafye", "aggregates", symbol, epoch_iso(start), "2026-01-01T00:00:00.000000Z", record)


def recorded() -> RecordedHistory:
    history = RecordedHistory()
    history.add(SUB, [bar(s, T0 + i * MINUTE, 100.0 + i) for s in ("AAPL", "MSFT") for i in range(5)])
    return history


def start(symbol: str = "AAPL", frm: str = "2025-01-02T09:30:00", to: str = "2025-01-02T09:35:00", **extra):
    return {"action": "start", "dataset": "SIP", "symbol": symbol, "frequency": "Minute", "from": frm, "to": to} | extra


def test_a_recording_with_from_and_to_is_history() -> None:
    assert is_history(SUB)
    assert not is_history({**SUB, "from_": None, "to": None})
    assert not is_history({"symbol": ["AAPL"], "channel": ["quotes"]})


def test_the_same_request_gets_the_recorded_bars_and_covers_the_span() -> None:
    history = recorded()
    assert history.spans == [
        Span("AAPL", "Minute", T0, T0 + 5 * MINUTE),
        Span("MSFT", "Minute", T0, T0 + 5 * MINUTE),
    ]
    answer = history.answer(start())
    assert [b["close"] for b in answer.bars] == [100.0, 101.0, 102.0, 103.0, 104.0]
    assert answer.covers == [history.spans[0]]
    assert not history.done
    history.served(answer.covers)
    assert not history.done
    history.served(history.answer(start("MSFT")).covers)
    assert history.done


def test_a_sub_range_starts_at_the_bar_holding_from_and_covers_nothing() -> None:
    history = recorded()
    answer = history.answer(start(frm="2025-01-02T09:31:30Z", to="2025-01-02T09:33:00"))
    assert [b["datetime"] for b in answer.bars] == [T0 + MINUTE, T0 + 2 * MINUTE]
    assert answer.covers == []  # a part of the recorded history is not all of it
    assert history.answer(start(frequency=None)).bars  # Minute is the default


@pytest.mark.parametrize(
    ("msg", "code", "words"),
    [
        (start("NVDA"), "UNKNOWN_SYMBOL", "no history of NVDA"),
        (start(frequency="Hour"), "INVALID_FREQUENCY", "AAPL history at Minute"),
        (start(frequency="Fortnight"), "INVALID_FREQUENCY", "Fortnight"),
        (start(to="2025-01-02T09:36:00"), "INVALID_RANGE", "AAPL Minute bars from 2025-01-02T09:30:00"),
        (start(frm="2025-01-02T09:29:00"), "INVALID_RANGE", "outside the recording"),
        (start(frm="soon"), "INVALID_RANGE", "ISO 8601"),
        (start(frm="2025-01-02T09:34:00", to="2025-01-02T09:31:00"), "INVALID_RANGE", "before"),
        (start(symbol=""), "BAD_REQUEST", "symbol is required"),
        (start(dataset="NOPE"), "INVALID_DATASET", "NOPE"),
    ],
)
def test_what_the_recording_cannot_answer_is_an_error_a_client_can_act_on(msg, code: str, words: str) -> None:
    with pytest.raises(Refused) as info:
        recorded().answer(msg)
    assert info.value.code == code and words in info.value.message


def test_a_bar_recorded_twice_is_served_once_in_order() -> None:
    history = recorded()
    history.add(SUB, [bar("AAPL", T0 + 4 * MINUTE, 999.0), bar("AAPL", T0, 100.0)])  # a second part
    assert len(history.spans) == 1 + 1  # the same spans, not new ones
    closes = [b["close"] for b in history.answer(start()).bars]
    assert closes == [100.0, 101.0, 102.0, 103.0, 999.0]


def test_a_subscription_that_is_not_history_is_refused() -> None:
    with pytest.raises(ValueError):
        RecordedHistory().add({"symbol": ["AAPL"]}, [])
