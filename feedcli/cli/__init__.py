"""The Typer command-line layer: options in, a pipeline out. No protocol knowledge here."""
