"""feedcli: real-time market data on the command line."""

__version__ = "0.1.0"

#: One stable User-Agent for login and WebSocket: HT binds a token to the client that got it.
USER_AGENT = f"feedcli/{__version__}"
