"""Importing spaCy without its command line, for kner's own processes.

``import spacy`` runs ``spacy/cli/__init__.py``, which imports every ``spacy``
command and what they need (weasel, requests, jinja2, ...): about 0.3 s, a sixth
of a kner process's start-up (bench/bench.py). kner's command line and its
worker processes never run spaCy's, so before they import spaCy they put a
stand-in ``spacy.cli`` package in its place, which imports the real one the
first time anything asks it for a name. Library users' imports are left alone:
only ``kner``'s entry points call :func:`defer_spacy_cli`.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types
from pathlib import Path

PACKAGE = "spacy.cli"
# spacy/__init__.py runs ``from .cli.info import info``: that one name has to exist
# without the real package.
INFO_MODULE = "spacy.cli.info"


class _Deferred(types.ModuleType):
    """Stands in for a module of spaCy's command line until one of its names is needed."""

    def __getattr__(self, name: str):
        if name.startswith("__") and name != "__all__":  # the import system probing, not a user
            raise AttributeError(name)
        real = _import_real(self.__name__)
        if name == "__all__":  # "from spacy.cli import *": the real package's public names
            return getattr(real, name, [n for n in vars(real) if not n.startswith("_")])
        return getattr(real, name)

    def __dir__(self) -> list[str]:
        return dir(_import_real(self.__name__))

    def __setattr__(self, name: str, value) -> None:
        # The import system binds each imported submodule to its package; the real
        # package's names shadow some of them ("spacy.cli.download" is a function), so
        # they are looked up there (in __getattr__) instead.
        if not isinstance(value, types.ModuleType):
            super().__setattr__(name, value)


class _StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports the stand-ins under the real names, so the import system binds them as
    it would the real modules (``spacy.cli`` is an attribute of ``spacy``)."""

    def __init__(self, cli_dirs: list[str]) -> None:
        self.cli_dirs = cli_dirs
        # Set once the real package is imported. The finder stays in sys.meta_path:
        # taking it out could make another thread's import, in the middle of walking
        # that list, skip the finder after it.
        self.done = False

    def find_spec(self, fullname, path=None, target=None):
        if self.done or fullname not in (PACKAGE, INFO_MODULE):
            return None
        spec = importlib.util.spec_from_loader(fullname, self, is_package=fullname == PACKAGE)
        if fullname == PACKAGE:
            # other submodules ("import spacy.cli.download") still load from the real directory
            spec.submodule_search_locations = list(self.cli_dirs)
        return spec

    def create_module(self, spec):
        return _Deferred(spec.name)

    def exec_module(self, module) -> None:
        if module.__name__ == INFO_MODULE:
            module.info = _info


def defer_spacy_cli() -> bool:
    """Put the stand-ins in place if spaCy is not imported yet; True when they are."""
    if "spacy" in sys.modules or any(isinstance(f, _StandInFinder) for f in sys.meta_path):
        return False
    spec = importlib.util.find_spec("spacy")  # a top-level name: finds without importing
    if spec is None or not spec.submodule_search_locations:
        return False
    sys.meta_path.insert(0, _StandInFinder([str(Path(d) / "cli") for d in spec.submodule_search_locations]))
    return True


def _info(*args, **kwargs):
    """``spacy.info``: the real one, imported when called."""
    return _import_real(INFO_MODULE).info(*args, **kwargs)


def _import_real(name: str) -> types.ModuleType:
    for finder in sys.meta_path:
        if isinstance(finder, _StandInFinder):
            finder.done = True
    for stand_in in (PACKAGE, INFO_MODULE):
        if isinstance(sys.modules.get(stand_in), _Deferred):
            del sys.modules[stand_in]
    module = importlib.import_module(name)
    # Submodules imported under the stand-in were not bound to it, and the real package
    # finds them already imported: bind the ones it has no name of its own for
    # ("spacy.cli._util"), as importing them after it would have.
    package = sys.modules[PACKAGE]
    for full_name, submodule in list(sys.modules.items()):
        parent, _, child = full_name.rpartition(".")
        if parent == PACKAGE and submodule is not None and not hasattr(package, child):
            setattr(package, child, submodule)
    return module
