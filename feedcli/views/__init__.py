"""The live terminal view: view models, pure Rich renderables, and the consumer that drives them.

Three layers, so each can change alone: `models` turns provider payloads into models by
kind of data (books, day statistics, candles, key/value records); `render` turns models
into Rich renderables for a given terminal size; `live.LiveView` is the Consumer that
keeps the latest state and redraws at a fixed rate.
"""

from feedcli.views.live import LiveView

__all__ = ["LiveView"]
