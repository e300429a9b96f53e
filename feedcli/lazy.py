"""Modules imported when first used, not when their importer is.

A stream over picows never needs aiohttp, whose import costs about 10 MB of memory and 0.3 s
of start-up; the engine still names it in its failure paths. `lazy_module` gives a module
object that imports the real one at its first attribute access (the standard library's
`importlib.util.LazyLoader`), or the module itself if something already imported it.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """`name`, imported at the first attribute access rather than now."""
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
