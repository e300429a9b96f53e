"""`feedcli simulate PROVIDER`: the provider's real protocol on loopback, until interrupted.

One subcommand per provider record with a simulator (`Provider.simulator`): its options are
declarations there, turned into Typer parameters here, as `stream`'s are.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any, Optional

import typer

from feedcli import providers
from feedcli.providers.record import SimOption, Simulator

app = typer.Typer(
    name="simulate",
    help="Serve a provider's real protocol on loopback with deterministic market data.\n\n"
    "Examples:\n\n"
    "  feedcli simulate tse --port 8765\n\n"
    "  feedcli simulate binance --port 0 --rate 200   # the first stderr line names the URL\n\n"
    "  feedcli simulate moex --host 0.0.0.0 --public   # reachable from other machines",
    no_args_is_help=True,
)

Host = Annotated[
    str, typer.Option("--host", metavar="ADDRESS", help="Address to bind: loopback only, unless --public.")
]
Port = Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on; 0 picks a free one.")]
Public = Annotated[
    bool,
    typer.Option(
        "--public",
        help="Allow a --host that is not loopback (0.0.0.0, a LAN address): the simulator's demo "
        "credentials are then reachable from the network.",
    ),
]
FAULTS = "Fault injection"


async def serve_until_signalled(sim: Any, host: str, port: int, listing: Callable[[], list[str]]) -> None:
    """Start a simulator, print its banner and listing on stderr, serve until SIGINT/SIGTERM/SIGHUP."""
    from feedcli.runner import serve_until_done

    await serve_until_done(sim, host, port, listing)


def _parameter(option: SimOption) -> inspect.Parameter:
    """A Typer parameter from a simulator's option declaration."""
    settings: dict[str, Any] = {"help": option.help, "show_default": option.default is not None}
    if option.metavar is not None:
        settings["metavar"] = option.metavar
    if option.min is not None:
        settings["min"] = option.min
    if option.fault:
        settings["rich_help_panel"] = FAULTS
    kind: Any = option.type
    if option.choices:
        # a Choice, as `stream`'s --channel: --help and completion offer the values, others exit 2
        kind = Enum(f"simulate_{option.dest}", {c: c for c in option.choices}, type=str)  # type: ignore[misc]
    if option.multiple:
        kind = Optional[list[kind]]  # type: ignore[valid-type]  # noqa: UP045
    elif option.default is None:
        kind = Optional[kind]  # noqa: UP045
    annotation = Annotated[kind, typer.Option(option.flag, **settings)]
    return inspect.Parameter(option.dest, inspect.Parameter.KEYWORD_ONLY, default=option.default, annotation=annotation)


def _plain(value: Any) -> Any:
    """Typer hands choices over as Enum members, and an option not given as an empty list;
    a simulator sees plain strings, and None for what was not given."""
    if isinstance(value, list):
        return [_plain(v) for v in value] or None
    return value.value if isinstance(value, Enum) else value


def _command(name: str, spec: Simulator) -> Callable[..., None]:
    """`simulate NAME`: --host and --port, then the simulator's own options."""

    def command(host: str, port: int, public: bool, **values: Any) -> None:
        from feedcli.binds import check_bind
        from feedcli.errors import UsageError

        warning = check_bind(host, public, f"the {name} simulator (and its well-known demo credentials)", "--host")
        values = {key: _plain(value) for key, value in values.items()}
        try:
            sim = spec.build(host, port, values)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        from feedcli.runner import run_command

        listing = sim.listing if warning is None else lambda: [*sim.listing(), warning]
        run_command(serve_until_signalled(sim, host, port, listing))

    parameters = [
        inspect.Parameter("host", inspect.Parameter.KEYWORD_ONLY, default="127.0.0.1", annotation=Host),
        inspect.Parameter("port", inspect.Parameter.KEYWORD_ONLY, default=spec.port, annotation=Port),
        inspect.Parameter("public", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=Public),
        *(_parameter(option) for option in spec.options),
    ]
    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    command.__name__ = f"simulate_{name}"
    return command


def _examples(example: str) -> str:
    """A simulator's example ("A, then B") as lines: the simulator, then what talks to it."""
    first, *rest = example.split(", then ")
    lines = [first, *(f"{line}   # in another terminal" for line in rest)]
    return "Examples:\n\n" + "\n\n".join(f"  {line}" for line in lines)


for _record in providers.records():
    if _record.simulator is not None:
        _spec = _record.simulator
        app.command(_record.name, help=f"{_spec.help}\n\n{_examples(_spec.example)}")(_command(_record.name, _spec))
