"""Commands with one subcommand per provider (`stream`, `record`), built from the records.

A provider's record lists its own options (selectors, channels, flags) and turns their
values into codecs with `prepare`. A verb (`stream`, `record`) declares the options all
its subcommands share and what to do with a resolved subscription. Adding a provider adds
no command-line code, and the CLI knows no provider's options.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from feedcli import providers
from feedcli.cli import options as o
from feedcli.providers.base import Codec, ProviderInfo, SelectorOption

if TYPE_CHECKING:
    from feedcli.providers.record import Provider

#: an option every subcommand of a verb has: (parameter name, annotated type, default)
Shared = tuple[str, Any, Any]
#: what a verb does with a resolved subscription and its shared options' values
Runner = Callable[["Resolved", dict[str, Any]], None]


@dataclass(frozen=True)
class Resolved:
    """A provider's options checked and turned into what the pipeline needs."""

    name: str
    info: ProviderInfo
    #: base URL → a fresh codec per connection (a new list on every call)
    make_codecs: Callable[[str], list[Codec]]
    base_url: str
    #: the provider's own option values, plain (for a recording's header); never secrets
    selectors: dict[str, Any]
    #: the provider's documented REST limits (feedcli.ratelimit.RestLimits), None if none
    rest_limits: Any = None

    def factories(self) -> list[Callable[[], Codec]]:
        """One factory per connection, each building a fresh codec per attempt."""
        count = len(self.make_codecs(self.base_url))  # also checks the URL before connecting
        return [functools.partial(_fresh, self.make_codecs, self.base_url, i) for i in range(count)]


def _fresh(make_codecs: Callable[[str], list[Codec]], url: str, index: int) -> Codec:
    """A new codec for every connection attempt, so no state survives a reconnect."""
    return make_codecs(url)[index]


def session_options(shared: dict[str, Any], base_url: str, rest_limits: Any = None) -> Any:
    """SessionOptions from the options every verb shares, with the run's one REST limiter
    (paced to `rest_limits`, scaled by the test knob FEEDCLI_REST_LIMITS_SCALE)."""
    from feedcli.knobs import env_seconds
    from feedcli.providers.base import is_loopback
    from feedcli.ratelimit import SCALE_ENV, limiter_for
    from feedcli.session import SessionOptions

    max_retries = shared.get("max_retries")
    ping = shared.get("ping_interval", 20.0)
    return SessionOptions(
        stale_after=shared.get("stale_after") or None,
        max_retries=None if max_retries is None or max_retries < 0 else max_retries,
        trust_env=not is_loopback(base_url),  # proxies from the environment, never for loopback
        ping_interval=ping or None,
        ping_timeout=ping or None,
        rest_limiter=limiter_for(rest_limits, env_seconds(SCALE_ENV)),
    )


def work_progress(*, on_terminal: bool, verbose: bool) -> list[Coroutine[Any, Any, None]]:
    """The helper that shows long work (a REST backfill): a line on a terminal's stderr, or notes
    under -v. None where it would show nothing, and then Rich stays unimported (feedcli.views:
    about 5 MB of a stream's memory)."""
    if not on_terminal and not verbose:
        return []
    from feedcli.views.work import show_work

    return [show_work(on_terminal=on_terminal, verbose=verbose)]


async def run_pipeline(
    factories: list[Any], consumers: list[Any], options: Any, shared: dict[str, Any], **extra: Any
) -> None:
    """`pipeline.run` as the options `stream` and `record` share ask (--limit, --duration,
    --normalize); `extra` is what only one of them has (background work, notes)."""
    from feedcli import pipeline

    await pipeline.run(
        factories,
        consumers,
        options=options,
        limit=shared["limit"],
        duration=shared["duration"],
        normalize=shared["normalize"],
        **extra,
    )


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
        text = option.help
        if option.choices and not all(c in text for c in option.choices):
            text = f"{text} One of: {', '.join(option.choices)}."  # e.g. each exchange's intervals
        info = typer.Option(*names, metavar=option.metavar, help=text, show_default=False)
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


def tuning(record: Provider) -> dict[str, float]:
    """The provider's test knobs set in the environment (read here, never by a codec)."""
    from feedcli.knobs import env_seconds

    found = {knob.key: env_seconds(knob.env) for knob in record.knobs}
    return {key: value for key, value in found.items() if value is not None}


def credential(record: Provider, profile: str, base: str) -> Any:
    """What the provider connects to `base` with: its family's credential, or None for public data."""
    return record.credentials.load(profile, base) if record.credentials is not None else None


def resolve(record: Provider, values: dict[str, Any], url: str | None, profile: str) -> Resolved:
    """Check a provider's options, find its base URL and credential: everything before connecting."""
    info = record.info
    plain = {k: _plain(v) for k, v in values.items()}
    make = record.prepare(plain, tuning(record))  # UsageError (exit 2) before anything connects
    derived = record.base_url_from(plain) if record.base_url_from is not None else None
    if url is None and derived is not None:
        base = o.base_url(derived, info.name, info.default_url)  # e.g. Datafye's --deployment
    else:
        base = o.base_url(url, info.name, info.default_url, family=info.credentials)
    cred = credential(record, profile, base)
    return Resolved(info.name, info, lambda u: make(u, cred), base, plain, record.rest_limits)


def build_command(
    verb: str,
    record: Provider,
    shared: tuple[Shared, ...],
    run: Runner,
    examples: Callable[[ProviderInfo], list[str]] | None = None,
) -> Callable[..., None]:
    """A Typer command for `VERB NAME`: the provider's options, then the verb's shared ones."""
    info = record.info
    name = info.name
    shared_names = frozenset(n for n, _, _ in shared)
    own = [_selector_parameter(name, opt) for opt in record.options]
    clash = shared_names & {p.name for p in own}
    if clash:
        raise RuntimeError(f"provider {name} declares options that every {verb} already has: {sorted(clash)}")
    common = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=d, annotation=a) for n, a, d in shared]
    parameters = [*own, *common]

    def command(**values: Any) -> None:
        options = {n: values.pop(n) for n in shared_names}
        resolved = resolve(record, values, options.get("url"), options.get("profile") or o.DEFAULT_PROFILE_NAME)
        run(resolved, options)

    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    command.__name__ = f"{verb}_{name}"
    lines = examples(info) if examples is not None else list(info.examples)
    shown = "\n\n".join(f"  {line}" for line in lines)
    command.__doc__ = f"{info.title}.\n\n" + (f"Examples:\n\n{shown}" if shown else "")
    return command


def provider_group(
    verb: str,
    help_text: str,
    shared: tuple[Shared, ...],
    run: Runner,
    examples: Callable[[ProviderInfo], list[str]] | None = None,
) -> Any:
    """The `VERB` group: one subcommand per provider, each built (and its provider imported)
    only when it is used, so `stream tse --help` loads tse alone."""
    from feedcli.cli.lazy import LazyGroup, from_function

    def build(name: str) -> Any:
        command = build_command(verb, providers.get(name), shared, run, examples)
        return from_function(command, name, no_args_is_help=True)

    def summary(name: str) -> str:
        return providers.get(name).info.title

    return LazyGroup(
        name=verb,
        names=providers.names,
        build=build,
        summary=summary,
        help=help_text,
        no_args_is_help=True,
        rich_markup_mode=None,
    )
