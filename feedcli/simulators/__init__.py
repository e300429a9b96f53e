"""Local servers that speak each provider's real protocol, built on the providers' own codecs.

They exist so that every command can be tried, tested and benchmarked without an account or a
network: a simulator encodes with the same module the client decodes with, so the two cannot
drift apart. Market models are pure and seeded (same seed, same data); servers add the I/O.
"""
