"""The "did you mean" of a query that found nothing, kept for the readers
who see the same documents, so that the next search for the same typo
costs one engine request, not two (see search.selectors._engine_search).

The suggestion is checked against what its reader may open (counting each
spelling candidate under the reader's filters: search.selectors._suggestion),
a request of its own after the search found nothing. Partners repeat one
another's typos ("pricng" three times in the benchmark's hundred searches),
and each repeat paid that request again.

An answer (a suggestion, or none) is kept under everything that decides
it: the query, the reader's filters (audience, facets, languages) and the
index's generation (a rebuilt index asks again). It is kept for as long as
the vocabulary keeps a word the index does not hold (search.vocabulary.
KEEP_SECONDS): a document published meanwhile may make another correction
findable, or the kept one unfindable, for that long at most (the reader
then gets no suggestion, or one whose search finds nothing; a suggestion is
a hint, never a result). Answers are kept within reading requests only, by
the process and in the shared cache, where the portal's other processes
find them.
"""

import threading
from hashlib import blake2b
from time import time

from django.core.cache import cache

from portal.cache import read_for_request
from programs.after_response import after_response
from programs.request_memo import in_reading_request

from . import vocabulary

#: how long an answer is kept (see the module's docstring)
KEEP_SECONDS = vocabulary.KEEP_SECONDS
#: at most this many answers are kept by the process (the oldest go first)
KEEP_QUERIES = 10_000

#: key -> (the suggestion, "" for none; until when: seconds since the epoch)
_kept: dict[str, tuple[str, float]] = {}
_lock = threading.Lock()


def key(query: str, visible: list[dict]) -> str:
    """The key of the answer for ``query`` read under the filters ``visible``."""
    generation = read_for_request(vocabulary.GENERATION_KEY)
    return blake2b(repr((query.lower(), visible, generation)).encode(), digest_size=16).hexdigest()


def look_up(answer_key: str) -> str | None:
    """The kept suggestion ("" for none), or None: nothing kept (or not in a
    reading request)."""
    if not in_reading_request():
        return None
    now = time()
    with _lock:
        kept = _kept.get(answer_key)
    if kept is not None and now < kept[1]:
        return kept[0]
    shared = cache.get(_shared_key(answer_key))
    if shared is None or now >= shared[1]:
        return None
    # Until the shared answer expires: no answer outlives its first asking.
    _keep(answer_key, shared)
    return shared[0]


def keep(answer_key: str, suggestion: str) -> None:
    """Keep ``suggestion`` (or "" for none), just found for ``answer_key``."""
    if not in_reading_request():
        return
    answer = (suggestion, time() + KEEP_SECONDS)
    _keep(answer_key, answer)
    after_response(lambda: cache.set(_shared_key(answer_key), answer, KEEP_SECONDS))


def _keep(answer_key: str, answer: tuple[str, float]) -> None:
    with _lock:
        vocabulary.keep_newest(_kept, {answer_key: answer}, KEEP_QUERIES)


def _shared_key(answer_key: str) -> str:
    return f"search-spelling:{answer_key}"
