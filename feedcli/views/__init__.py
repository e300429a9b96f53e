"""The live terminal view: view models, pure Rich renderables, and the consumer that drives them.

Three layers, so each can change alone: `models` turns the market vocabulary (what each
provider's channel table makes of its payloads) into models by kind of data (books, day
statistics, candles, key/value records); `render` lays out the renderables (`quotes`,
`ladder`, `chart`, `focus`, `status`, on `formats`) for a given terminal size;
`live.LiveView` is the Consumer that keeps the latest state and redraws at a fixed rate.
"""

from feedcli.views.live import LiveView

__all__ = ["LiveView"]
