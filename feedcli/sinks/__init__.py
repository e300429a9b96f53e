"""Consumers of the event stream: NDJSON writers, the live view, later Redis and others."""
