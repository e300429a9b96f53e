"""feedcli: real-time market data on the command line."""

__version__ = "0.1.0"
