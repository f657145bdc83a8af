"""What the portal search indexes: each kind of document says how to build
itself from the database. Apps register their kinds in ``AppConfig.ready``."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentKind:
    #: short name stored in every document, e.g. "page"
    name: str
    #: object id -> document source, or None when the object must not be found
    build: Callable[[str], dict | None]
    #: every object id that should be in a freshly built index
    all_ids: Callable[[], Iterable[str]]
    #: how many ids ``all_ids`` yields (for progress and ETA)
    count: Callable[[], int]
    #: ids -> {id: document source} for a batch (rebuilds); None: ``build`` one by one
    build_many: Callable[[list[str]], dict[str, dict]] | None = None

    def build_batch(self, object_ids: list[str]) -> dict[str, dict]:
        if self.build_many is not None:
            return self.build_many(object_ids)
        return {object_id: source for object_id in object_ids if (source := self.build(object_id)) is not None}


_kinds: dict[str, DocumentKind] = {}


def register(kind: DocumentKind) -> None:
    _kinds[kind.name] = kind


def get(name: str) -> DocumentKind:
    try:
        return _kinds[name]
    except KeyError:
        raise LookupError(f"No search document kind {name!r} is registered.") from None


def kinds() -> list[DocumentKind]:
    return list(_kinds.values())
