"""Saving kner's rule components with a pipeline, the way spaCy's EntityRuler does.

kner's components keep no weights: their whole state is a small JSON-able dict
(their config, plus the alias table for ``kner_names``). Each component says
what that dict is (``_state``) and how to take it back (``_set_state``); this
mixin turns that into spaCy's ``to_bytes``/``from_bytes``/``to_disk``/``from_disk``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Union

STATE_FILE = "cfg.json"


class SerializableState:
    def _state(self) -> dict:
        raise NotImplementedError

    def _set_state(self, state: dict) -> None:
        raise NotImplementedError

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        import srsly

        return srsly.json_dumps(self._state()).encode("utf8")

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()):
        import srsly

        self._set_state(srsly.json_loads(data.decode("utf8")))
        return self

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = ()) -> None:
        import srsly

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / STATE_FILE, self._state())

    def from_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = ()):
        import srsly

        state_path = Path(path) / STATE_FILE
        if state_path.exists():
            self._set_state(srsly.read_json(state_path))
        return self
