"""MOEX ISS+ metadata: the markets' streams, queries, columns and enums, as CONNECTED's body
describes them (and the built-in copy of it, `metadata.py`, when it does not)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from feedcli.providers.moex.protocol import ENUM_LANGUAGE, QUERIES_KEY

# ----------------------------------------------------------------------------- metadata


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "string"
    enum: str | None = None
    primary: bool = False


@dataclass(frozen=True)
class Resource:
    """A stream or a query of one market, as CONNECTED's metadata describes it."""

    market: str
    name: str
    params: tuple[str, ...]
    output: tuple[Column, ...]
    query: bool = False

    @property
    def destination(self) -> str:
        return f"{self.market}.{self.name}"

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.output if c.primary)

    def param(self, name: str, default: str) -> str:
        """The parameter's spelling in this resource (`TICKER` or `ticker`), else `default`."""
        for p in self.params:
            if p.lower() == name.lower():
                return p
        return default


def _text_of(caption: Any) -> str | None:
    if isinstance(caption, Mapping):
        value = caption.get(ENUM_LANGUAGE) or next((v for v in caption.values() if isinstance(v, str) and v), None)
        return value if isinstance(value, str) and value.strip() else None
    return caption if isinstance(caption, str) and caption.strip() else None


class Schema:
    """Every market's streams, queries and enums from CONNECTED's `structure`."""

    def __init__(self) -> None:
        self.resources: dict[str, Resource] = {}
        #: (market, enum name) → {id: text}
        self.enums: dict[tuple[str, str], dict[str, str]] = {}
        #: (market, enum name) → {text: id}, for the server's side (replay re-encodes)
        self.enum_ids: dict[tuple[str, str], dict[str, str]] = {}

    @classmethod
    def from_structure(cls, structure: Any, fallback: Schema | None = None) -> Schema:
        """Read the metadata; whatever it lacks (or cannot be read) is taken from `fallback`."""
        schema = cls()
        if fallback is not None:
            schema.resources.update(fallback.resources)
            schema.enums.update(fallback.enums)
            schema.enum_ids.update(fallback.enum_ids)
        if not isinstance(structure, Mapping):
            return schema
        for market, spec in structure.items():
            if not isinstance(market, str) or not isinstance(spec, Mapping):
                continue
            for enum in spec.get("enums") or ():
                if not isinstance(enum, Mapping) or not isinstance(enum.get("name"), str):
                    continue
                texts: dict[str, str] = {}
                for value in enum.get("values") or ():
                    if isinstance(value, Mapping) and value.get("id") is not None:
                        ident = str(value["id"])
                        texts[ident] = _text_of(value.get("description")) or _text_of(value.get("caption")) or ident
                schema.enums[(market, enum["name"])] = texts
                schema.enum_ids[(market, enum["name"])] = {t: i for i, t in texts.items()}
            for key, query in (("streams", False), (QUERIES_KEY, True)):
                for item in spec.get(key) or ():
                    resource = _resource(market, item, query)
                    if resource is not None:
                        schema.resources[resource.destination] = resource
        return schema

    def resource(self, destination: str) -> Resource | None:
        return self.resources.get(destination)


def _resource(market: str, item: Any, query: bool) -> Resource | None:
    if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
        return None
    params = tuple(
        p["name"] for p in item.get("params") or () if isinstance(p, Mapping) and isinstance(p.get("name"), str)
    )
    output = []
    for col in item.get("output") or ():
        if isinstance(col, Mapping) and isinstance(col.get("name"), str):
            kind = col.get("type") if isinstance(col.get("type"), str) else "string"
            enum = col.get("enum") if isinstance(col.get("enum"), str) else None
            output.append(Column(col["name"], kind, enum, bool(col.get("primary"))))
    return Resource(market, item["name"], params, tuple(output), query)
