"""The wire format between the window/terminal and ``tutor service``: typed JSON, never pickle.

Unpickling lets the sender run code in the receiver, and the service's whole point is
that a student's process cannot make the service do what the core does not allow. So
values cross as JSON with a small set of tags, and only the record types registered
here (the core's plain dataclasses, named tuples and enums) are rebuilt; anything else
is refused. A :class:`Session` never crosses: the service hands out an opaque token
and resolves it to its own session on every call, so a client cannot forge or alter
who is signed in. Errors a user reads (:class:`TutorError` subclasses) cross with their
message id and parameters and are raised again as the same class on the client, so
translated messages and ``except WrongPin`` keep working.

Tags: ``{"$t": "Name", "v": {...}}`` a registered dataclass, ``{"$n": "Name", "v": [...]}``
a registered named tuple, ``{"$e": "Name", "v": value}`` an enum, ``{"$tuple": [...]}``,
``{"$set": [...]}``, ``{"$dt": iso}``, ``{"$date": iso}``, ``{"$path": str}`` (service to
client only), ``{"$bytes": base64}``, ``{"$session": token}``, ``{"$map": [[k, v], ...]}``
for a dict whose keys are not plain text.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import importlib
import inspect
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from tutor_desktop.core.i18n import TutorError

# Modules whose dataclasses, named tuples and enums may cross the wire. Session is
# never registered (it crosses as a token); neither is anything holding a callable.
RECORD_MODULES = (
    "tutor_desktop.core.accounts.models",
    "tutor_desktop.core.conversations.store",
    "tutor_desktop.core.tutor.service",
    "tutor_desktop.core.tutor.limits",
    "tutor_desktop.core.i18n",
    "tutor_desktop.core.library.service",
    "tutor_desktop.core.library.metadata",
    "tutor_desktop.core.llm.manager",
    "tutor_desktop.core.llm.discovery",
    "tutor_desktop.core.llm.manifest",
    "tutor_desktop.core.progress.service",
    "tutor_desktop.core.progress.mastery",
    "tutor_desktop.core.progress.checking",
    "tutor_desktop.core.safety.events",
    "tutor_desktop.core.safety.fair_use",
    "tutor_desktop.core.doctor",
    "tutor_desktop.core.retrieval.types",
    "tutor_desktop.core.retrieval.hybrid",
    "tutor_desktop.core.grounding.exam",
    "tutor_desktop.core.connectivity",
)
# Errors come from these modules (every TutorError subclass defined there).
ERROR_MODULES = (
    "tutor_desktop.core.i18n",
    "tutor_desktop.core.errors",
    "tutor_desktop.core.config",
    "tutor_desktop.core.library.errors",
    "tutor_desktop.core.library.packs",
    "tutor_desktop.core.llm.backend",
    "tutor_desktop.core.llm.remote",
    "tutor_desktop.core.llm.model_pack",
    "tutor_desktop.core.safety.fair_use",
    "tutor_desktop.core.storage.database",
    "tutor_desktop.core.storage.migrations",
    "tutor_desktop.core.sync.client",
    "tutor_desktop.core.ocr.engine",
    "tutor_desktop.service.errors",
)
# ServiceProbe holds a probe function: it never crosses.
_PRIVATE_TYPES = {"Session", "_Rate", "_Space", "_Definition", "ServiceProbe"}
# Plain attributes an error may carry besides its message (RateLimited.seconds, retryable).
_JSON_SCALARS = (str, int, float, bool, type(None))


class WireError(ValueError):
    """A message that is not valid on the wire (unknown type, a path from a client)."""


def _module_types(module: ModuleType) -> Iterable[type]:
    for _name, value in vars(module).items():
        if inspect.isclass(value) and value.__module__ == module.__name__:
            yield value


def _is_named_tuple(cls: type) -> bool:
    return issubclass(cls, tuple) and hasattr(cls, "_fields")


class Registry:
    """The types that may be rebuilt from the wire, by class name."""

    def __init__(self, record_modules: Iterable[str] = RECORD_MODULES,
                 error_modules: Iterable[str] = ERROR_MODULES) -> None:
        self.records: dict[str, type] = {}
        self.errors: dict[str, type[TutorError]] = {"TutorError": TutorError}
        for name in record_modules:
            for cls in _module_types(importlib.import_module(name)):
                if cls.__name__ in _PRIVATE_TYPES or issubclass(cls, BaseException):
                    continue
                if dataclasses.is_dataclass(cls) or _is_named_tuple(cls) \
                        or issubclass(cls, enum.Enum):
                    self._add(self.records, cls)
        for name in error_modules:
            for cls in _module_types(importlib.import_module(name)):
                if issubclass(cls, TutorError):
                    self._add(self.errors, cls)

    @staticmethod
    def _add(table: dict[str, Any], cls: type) -> None:
        existing = table.get(cls.__name__)
        if existing is not None and existing is not cls:
            raise RuntimeError(f"two wire types named {cls.__name__}: {existing} and {cls}")
        table[cls.__name__] = cls


_REGISTRY: Registry | None = None


def registry() -> Registry:
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = Registry()
    return _REGISTRY


# A session on the wire: the encoder asks ``session_ref(obj)`` for its wire form
# (``{"$session": token, ...}``; None: not a session), the decoder calls
# ``session_for(form)`` to get the receiver's object back.
SessionRef = Callable[[Any], dict[str, Any] | None]
SessionFor = Callable[[dict[str, Any]], Any]


class Codec:
    """Encode and decode values for one side of the wire.

    ``allow_paths``: the client accepts paths from the service (a model file's location);
    the service refuses paths from clients, so a client can never make the service
    open a file the service account can read but the client cannot.
    """

    def __init__(self, *, session_ref: SessionRef, session_for: SessionFor,
                 allow_paths: bool, types: Registry | None = None) -> None:
        self.session_ref = session_ref
        self.session_for = session_for
        self.allow_paths = allow_paths
        self.types = types or registry()

    # -- encoding ----------------------------------------------------------------------
    def encode(self, value: Any) -> Any:
        if isinstance(value, enum.Enum):   # before str/int: StrEnum and IntEnum are both
            return {"$e": self._known(type(value)), "v": value.value}
        if isinstance(value, bool | int | float | str) or value is None:
            return value
        ref = self.session_ref(value)
        if ref is not None:
            return ref
        if isinstance(value, list):
            return [self.encode(item) for item in value]
        if _is_named_tuple(type(value)):
            return {"$n": self._known(type(value)), "v": [self.encode(v) for v in value]}
        if isinstance(value, tuple):
            return {"$tuple": [self.encode(item) for item in value]}
        if isinstance(value, set | frozenset):
            return {"$set": [self.encode(item) for item in value]}
        if isinstance(value, dict):
            if all(isinstance(k, str) and not k.startswith("$") for k in value):
                return {k: self.encode(v) for k, v in value.items()}
            return {"$map": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        if isinstance(value, datetime):
            return {"$dt": value.isoformat()}
        if isinstance(value, date):
            return {"$date": value.isoformat()}
        if isinstance(value, Path):
            return {"$path": str(value)}
        if isinstance(value, bytes | bytearray):
            return {"$bytes": base64.b64encode(value).decode("ascii")}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {"$t": self._known(type(value)),
                    "v": {f.name: self.encode(getattr(value, f.name))
                          for f in dataclasses.fields(value)}}
        raise WireError(f"{type(value).__name__} cannot cross the wire")

    def _known(self, cls: type) -> str:
        if self.types.records.get(cls.__name__) is not cls:
            raise WireError(f"{cls.__module__}.{cls.__name__} is not a wire type")
        return cls.__name__

    def encode_error(self, error: TutorError) -> dict[str, Any]:
        cls = type(error)
        name = cls.__name__ if self.types.errors.get(cls.__name__) is cls else "TutorError"
        extra = {k: v for k, v in vars(error).items()
                 if k not in ("message_id", "params") and not k.startswith("_")
                 and isinstance(v, _JSON_SCALARS)}
        return {"type": name, "message_id": error.message_id,
                "params": self.encode(error.params), "attrs": extra}

    # -- decoding ----------------------------------------------------------------------
    def decode(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.decode(item) for item in value]
        if not isinstance(value, dict):
            return value
        if not any(isinstance(k, str) and k.startswith("$") for k in value):
            return {k: self.decode(v) for k, v in value.items()}
        if "$session" in value:
            return self.session_for(value)
        if "$tuple" in value:
            return tuple(self.decode(item) for item in value["$tuple"])
        if "$set" in value:
            return {self.decode(item) for item in value["$set"]}
        if "$map" in value:
            return {self.decode(k): self.decode(v) for k, v in value["$map"]}
        if "$dt" in value:
            return datetime.fromisoformat(value["$dt"])
        if "$date" in value:
            return date.fromisoformat(value["$date"])
        if "$bytes" in value:
            return base64.b64decode(value["$bytes"])
        if "$path" in value:
            if not self.allow_paths:
                raise WireError("paths are not accepted from clients: send the file's bytes")
            return Path(value["$path"])
        if "$e" in value:
            return self._record(value["$e"])(value["v"])
        if "$n" in value:
            return self._record(value["$n"])(*[self.decode(v) for v in value["v"]])
        if "$t" in value:
            return self._dataclass(self._record(value["$t"]), value["v"])
        raise WireError(f"unknown tag in {sorted(value)}")

    def _record(self, name: Any) -> Any:
        cls = self.types.records.get(str(name))
        if cls is None:
            raise WireError(f"{name} is not a wire type")
        return cls

    def _dataclass(self, cls: type, raw: Any) -> Any:
        """Rebuild field by field without running ``__init__``/``__post_init__``: a record
        is data, and decoding must not have side effects."""
        if not isinstance(raw, dict):
            raise WireError(f"{cls.__name__}: fields must be an object")
        names = {f.name for f in dataclasses.fields(cls)}
        if set(raw) != names:
            raise WireError(f"{cls.__name__}: fields {sorted(set(raw) ^ names)} do not match")
        obj: Any = object.__new__(cls)
        for name in names:
            object.__setattr__(obj, name, self.decode(raw[name]))
        return obj

    def decode_error(self, raw: dict[str, Any]) -> TutorError:
        """The same error class the service raised, with its message id and parameters."""
        cls = self.types.errors.get(str(raw.get("type")), TutorError)
        error = cls.__new__(cls)
        TutorError.__init__(error, str(raw.get("message_id") or TutorError.message_id),
                            **self.decode(raw.get("params") or {}))
        for key, item in (raw.get("attrs") or {}).items():
            if isinstance(item, _JSON_SCALARS):
                setattr(error, str(key), item)
        return error
