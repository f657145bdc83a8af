"""Which queries' words no document holds together, so that the next search
for one of them runs its any-word search at once (see
search.selectors._engine_search) instead of first running the every-word
search that finds nothing: one engine request rather than two, and none of
the engine's time spent on the search that finds nothing.

What is kept holds for every reader. After a search whose words found
nothing together in its reader's view, the portal asks the engine (once the
response has gone: the reader does not wait) whether any document of the
index, whoever may read it, holds every word within the same facets and
languages; only a "none" is kept, with when it was learnt. A reader whose
audience hides the one document holding every word therefore never makes
another reader's search skip it.

Documents change: each one written records when (``indexed_at``, see
search.services.live_source), and a search that uses a kept "none" asks, in
the same multi-search as its any-word search, whether a document holding
every word was written since it was learnt (a few documents to look at, not
the index). Where one was, the answer is dropped and the search runs as if
nothing were kept. A rebuilt index (a new vocabulary generation, see
search.vocabulary.forget) drops every answer.

Answers are kept within reading requests only (see
programs.request_memo.in_reading_request), by the process and in the shared
cache, where the portal's other processes find them.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from hashlib import blake2b
from time import time

from django.core.cache import cache

from portal.cache import read_for_request, read_with_every_request
from programs.after_response import after_response
from programs.request_memo import in_reading_request

from . import engine, services, vocabulary

#: a document written this long before an answer was learnt may not have
#: been searchable yet when it was (the index refreshes every second; a bulk
#: write under load takes longer): the check of a kept answer looks that far
#: back
VISIBLE_WITHIN = timedelta(seconds=60)
#: how long the shared cache keeps an answer not used since
KEEP_SECONDS = 24 * 3600
#: at most this many answers are kept by the process (the oldest go first)
KEEP_QUERIES = 10_000

read_with_every_request(vocabulary.GENERATION_KEY)

#: query key -> (when "none" was learnt, or None: some document holds every
#: word; the vocabulary generation it was learnt under)
_kept: dict[str, tuple[float | None, str | None]] = {}
_lock = threading.Lock()


@dataclass
class Apart:
    """A kept answer: no document held every word of the query at ``learnt_at``."""

    key: str
    learnt_at: float
    generation: str | None

    def written_since(self) -> dict:
        """The filter of the documents written since the answer was learnt
        (see VISIBLE_WITHIN)."""
        since = datetime.fromtimestamp(self.learnt_at, UTC) - VISIBLE_WITHIN
        return {"range": {"indexed_at": {"gte": since.isoformat()}}}

    def confirmed(self, at: float) -> None:
        """No document holding every word was written until ``at``: later
        checks look at the documents written since then only. Moved on once
        a minute, not at every search: the same check meanwhile is answered
        by the engine's request cache until the index changes."""
        if at - self.learnt_at > VISIBLE_WITHIN.total_seconds():
            _keep(self.key, at, self.generation)
            after_response(lambda: _share(self.key, at, self.generation))

    def forget(self) -> None:
        """A document holding every word has been written since."""
        _keep(self.key, None, self.generation)
        after_response(lambda: _unshare(self.key))


def key(*parts) -> str:
    """The key of a query's answer: everything that decides its matches
    (its words, the reader's language, the facets picked, the synonyms'
    phrasings, the words matched with typo tolerance)."""
    return blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def look_up(query_key: str) -> Apart | None:
    """The kept "none" of ``query_key``, if any (within reading requests
    only: see the module's docstring)."""
    if not in_reading_request():
        return None
    generation = read_for_request(vocabulary.GENERATION_KEY)
    with _lock:
        kept = _kept.get(query_key)
    if kept is not None and kept[1] == generation:
        learnt_at, _ = kept
        return None if learnt_at is None else Apart(query_key, learnt_at, generation)
    shared = cache.get(_shared_key(query_key))
    if shared is None or shared[1] != generation:
        return None
    _keep(query_key, shared[0], generation)
    return Apart(query_key, shared[0], generation)


def found_together(query_key: str) -> None:
    """Some document holds every word (the reader's search found one): the
    process asks the shared cache no more about ``query_key``."""
    if in_reading_request():
        _keep(query_key, None, read_for_request(vocabulary.GENERATION_KEY))


def learn_after_response(query_key: str, probe: Callable[[], dict]) -> None:
    """Once the response has gone, ask the engine ``probe()`` (a search for
    any document, whoever may read it, holding every word) and keep a "none"."""
    if not in_reading_request():
        return
    generation = read_for_request(vocabulary.GENERATION_KEY)
    with _lock:
        if _kept.get(query_key) == (None, generation):
            # Learnt already: the documents holding every word are hidden from this reader.
            return

    def learn():
        asked_at = time()
        answer = (
            engine.get_client()
            .search(index=services.alias_name(), body={**probe(), "size": 0, "terminate_after": 1})
            .body
        )
        if answer["hits"]["total"]["value"]:
            _keep(query_key, None, generation)
        else:
            _keep(query_key, asked_at, generation)
            _share(query_key, asked_at, generation)

    after_response(learn)


def _keep(query_key: str, learnt_at: float | None, generation: str | None) -> None:
    with _lock:
        vocabulary.keep_newest(_kept, {query_key: (learnt_at, generation)}, KEEP_QUERIES)


def _shared_key(query_key: str) -> str:
    return f"search-apart:{query_key}"


def _share(query_key: str, learnt_at: float, generation: str | None) -> None:
    cache.set(_shared_key(query_key), (learnt_at, generation), KEEP_SECONDS)


def _unshare(query_key: str) -> None:
    cache.delete(_shared_key(query_key))
