import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from search import engine, registry
from search.audience import audience_fields
from search.selectors import portal_search
from search.services import index_enqueue, outbox_drain


@pytest.fixture
def indexed(search_indexes, monkeypatch):
    """Index documents through the real outbox path: ``indexed(doc_id, **source)``.

    Sources take ``audience`` (dict of lists per dimension) and ``age_days``."""
    sources: dict[str, dict] = {}
    kind = registry.DocumentKind(
        name="testdoc", build=sources.get, all_ids=lambda: list(sources), count=lambda: len(sources)
    )
    monkeypatch.setitem(registry._kinds, "testdoc", kind)

    def index(doc_id: str, *, title: str, body: str = "", audience: dict | None = None, age_days: int = 0, **extra):
        when = timezone.now() - dt.timedelta(days=age_days)
        language = extra.pop("language", "en")
        sources[doc_id] = {
            "title": title,
            "summary": "",
            "body": body,
            # as search.pages builds it: the text analysed for its own language
            "localized": {language: {"title": title, "body": body}},
            "url": f"/docs/{doc_id}/",
            "language": language,
            "family_id": doc_id,
            "effective_at": when,
            "updated_at": when,
            **audience_fields(audience),
            **extra,
        }
        index_enqueue(kind="testdoc", object_id=doc_id)
        outbox_drain(refresh=True)

    return index


@pytest.fixture
def found():
    """``found(user, query, **options)``: the ids of the documents the
    user's search lists."""

    def search(user, query: str, **options) -> set[str]:
        return {hit.object_id for hit in portal_search(user=user, query=query, **options).hits}

    return search


@dataclass
class EngineRequest:
    kind: str  # the client's method: "search", "msearch" or "termvectors"
    arguments: dict
    answer: dict


@pytest.fixture
def engine_requests(monkeypatch) -> list[EngineRequest]:
    """Each search, multi-search and term-vectors request the portal sends
    to the engine, in order, with its answer."""
    es = engine.get_client()
    sent = []

    def recorder(kind):
        send = getattr(es, kind)

        def recorded(**arguments):
            response = send(**arguments)
            sent.append(EngineRequest(kind, arguments, response.body))
            return response

        return recorded

    for kind in ("search", "msearch", "termvectors"):
        monkeypatch.setattr(es, kind, recorder(kind))
    return sent
