"""`feedcli stream PROVIDER ...`: one subcommand per provider, built from what it declares.

A provider lists its own options (selectors, channels, flags) as `OPTIONS` and turns their
values into codecs with `prepare()`; the options every stream has (`--url`, `--limit`,
`--format`, ...) are declared once here. Adding a provider adds no code to this module.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable
from enum import Enum
from types import ModuleType
from typing import Annotated, Any, Optional

import typer

from feedcli import providers
from feedcli.cli import options as o
from feedcli.providers.base import Codec, SelectorOption

app = typer.Typer(
    name="stream",
    help="Stream live data as NDJSON (piped) or a live view (terminal).",
    no_args_is_help=True,
)

#: the options of every `stream` subcommand: (parameter name, annotated type, default)
COMMON: tuple[tuple[str, Any, Any], ...] = (
    ("url", o.Url, None),
    ("fmt", o.FormatOpt, o.Format.auto),
    ("output", o.OutputFile, None),
    ("limit", o.Limit, None),
    ("duration", o.Duration, None),
    ("events", o.Events, False),
    ("stale_after", o.StaleAfter, o.DEFAULT_STALE_AFTER),
    ("max_retries", o.MaxRetries, None),
    ("ping_interval", o.PingInterval, 20.0),
    ("profile", o.Profile, o.DEFAULT_PROFILE_NAME),
    ("fps", o.Fps, 10.0),
)
_COMMON_NAMES = frozenset(name for name, _, _ in COMMON)


def run_stream(
    provider: str,
    make_codecs: Callable[[str], list[Codec]],
    *,
    url: str,
    fmt: o.Format,
    output: str | None,
    limit: int | None,
    duration: float | None,
    events: bool,
    stale_after: float,
    max_retries: int | None,
    ping_interval: float = 20.0,
    fps: float = 10.0,
) -> None:
    """Wire codecs, the NDJSON writer and/or the live view into a pipeline and run it."""
    from feedcli import pipeline
    from feedcli.providers.base import is_loopback
    from feedcli.session import SessionOptions
    from feedcli.sinks.base import Consumer
    from feedcli.sinks.ndjson import open_output, stdout_writer

    codecs = make_codecs(url)  # validates the URL before anything connects
    factories = [functools.partial(_fresh, make_codecs, url, i) for i in range(len(codecs))]
    options = SessionOptions(
        stale_after=stale_after or None,
        max_retries=None if max_retries is None or max_retries < 0 else max_retries,
        trust_env=not is_loopback(url),  # proxies from the environment, never for loopback
        ping_interval=ping_interval or None,
        ping_timeout=ping_interval or None,
    )
    show_view = o.wants_view(fmt)
    writer = open_output(output, controls=events) if output is not None else None
    if writer is None and not show_view:
        writer = stdout_writer(controls=events)

    async def main() -> None:
        consumers: list[Consumer] = []
        background = []
        on_malformed = None
        if writer is not None:
            consumers.append(writer)
        if show_view:
            from feedcli.views.live import LiveView

            view = LiveView(title=f"feedcli stream {provider}", providers=(provider,))
            consumers.append(view)
            background.append(view.run(fps=fps))
            on_malformed = view.note_malformed
        for consumer in consumers:
            start = getattr(consumer, "start", None)
            if start is not None:
                await start()
        await pipeline.run(
            factories,
            consumers,
            options=options,
            limit=limit,
            duration=duration,
            background=background,
            on_malformed=on_malformed,
        )

    asyncio.run(main())


def _fresh(make_codecs: Callable[[str], list[Codec]], url: str, index: int) -> Codec:
    """A new codec for every connection attempt, so no state survives a reconnect."""
    return make_codecs(url)[index]


def _selector_parameter(provider: str, option: SelectorOption) -> inspect.Parameter:
    names = [option.flag, *([option.short] if option.short else [])]
    if option.is_flag:
        annotation: Any = Annotated[bool, typer.Option(*names, help=option.help)]
        default: Any = False
    else:
        kind: Any = str
        if option.choices:
            # a Choice, so --help and shell completion offer the values
            kind = Enum(f"{provider}_{option.dest}", {c: c for c in option.choices}, type=str)  # type: ignore[misc]
        info = typer.Option(*names, metavar=option.metavar, help=option.help, show_default=False)
        if option.single:
            annotation = Annotated[Optional[kind], info]  # type: ignore[valid-type]  # noqa: UP045
            default = None
        else:
            annotation = Annotated[list[kind], info]  # type: ignore[valid-type]
            default = []
    return inspect.Parameter(option.dest, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


def _plain(value: Any) -> Any:
    """Typer hands choices over as Enum members; providers see plain strings."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value.value if isinstance(value, Enum) else value


def build_command(name: str, module: ModuleType) -> Callable[..., None]:
    """A Typer command for `stream NAME`, its parameters the provider's options and COMMON."""
    info = module.INFO
    own = [_selector_parameter(name, opt) for opt in module.OPTIONS]
    clash = _COMMON_NAMES & {p.name for p in own}
    if clash:
        raise RuntimeError(f"provider {name} declares options that every stream already has: {sorted(clash)}")
    common = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=d, annotation=a) for n, a, d in COMMON]
    parameters = [*own, *common]

    def command(**values: Any) -> None:
        from feedcli import auth

        shared = {n: values.pop(n) for n in _COMMON_NAMES}
        plain = {k: _plain(v) for k, v in values.items()}
        make = module.prepare(plain)  # UsageError (exit 2) before anything connects
        derived = module.base_url_from(plain) if hasattr(module, "base_url_from") else None
        if shared["url"] is None and derived is not None:
            base = o.base_url(derived, name, info.default_url)  # e.g. Datafye's --deployment
        else:
            base = o.base_url(shared["url"], name, info.default_url, family=info.credentials)
        credential = auth.credential_for(info.credentials, shared["profile"], base)
        run_stream(
            name,
            lambda u: make(u, credential),
            url=base,
            fmt=shared["fmt"],
            output=shared["output"],
            limit=shared["limit"],
            duration=shared["duration"],
            events=shared["events"],
            stale_after=shared["stale_after"],
            max_retries=shared["max_retries"],
            ping_interval=shared["ping_interval"],
            fps=shared["fps"],
        )

    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    command.__name__ = f"stream_{name}"
    examples = "\n\n".join(f"  {line}" for line in info.examples)
    command.__doc__ = f"{info.title}.\n\n" + (f"Examples:\n\n{examples}" if examples else "")
    return command


for _name in providers.names():
    app.command(_name, no_args_is_help=True)(build_command(_name, providers.get(_name)))
