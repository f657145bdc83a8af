"""Which query words the portal index holds, for the search's typo-tolerant
clause (see search.selectors._text_query): it is given only the words no
title, summary or body holds. A correctly spelled word then matches as
written, not also its one-edit neighbours ("price" finding "prize", Spanish
"lista" finding the English "list" of 300,000 documents at 1,000,000), and
the engine spends no fuzzy expansion on it (43 % of the ranked request's
CPU at that size); a word the index does not hold keeps its typo tolerance
on every field.

The engine answers from its term statistics (``_termvectors`` of an
artificial document, one cheap request), and within reading requests (see
programs.request_memo) the process keeps each answer for KEEP_SECONDS: a
word's existence rarely changes, and until the answer is asked again a new
word keeps its typo tolerance (more matches, never fewer) and a word gone
from the index none (a typo that is no longer a word in any document finds
only exact matches for that long). Writes, tasks and tests calling the
selectors ask every time.
"""

import threading
from collections.abc import Sequence
from time import monotonic

from programs.request_memo import in_reading_request

from . import engine, services

#: the fields the typo-tolerant clause searches, analysed alike (the
#: standard analyser: see search.documents.PortalDocument)
FUZZY_FIELDS = ("title", "summary", "body")
#: a term counts as held by a field where at least one in this many of the
#: field's documents holds it (one document at least): in a large library a
#: word a handful of documents hold is as likely a typo in their text, or a
#: form the language's stemming does not join to the common one (German
#: compounds: "Preislisten", in 1 of 1,000,000 documents, where 22,743 hold
#: "Preisliste"), and keeps its typo tolerance as before
RARE_ODDS = 10_000
#: how long the process keeps an answer
KEEP_SECONDS = 60
#: at most this many queries' answers are kept (the oldest go first)
KEEP_QUERIES = 10_000

_kept: dict[str, tuple[tuple[str, ...], float]] = {}
_lock = threading.Lock()


def unknown_terms(words: Sequence[str]) -> tuple[list[str], int]:
    """The analysed terms of ``words`` that no title, summary or body of the
    index holds (or too few of them: see RARE_ODDS), in the order the words
    give them, and the engine's milliseconds (0 for an answer the process
    kept).

    The statistics are those of the shard the engine picks for the
    artificial document: on an index of several shards a word held only by
    documents of other shards counts as unknown and keeps its typo tolerance
    (slower, never fewer matches). A word held only by documents the reader
    may not open, or by tombstones, counts as known."""
    text = " ".join(words)
    if not text:
        return [], 0
    now = monotonic()
    keep = in_reading_request()
    with _lock:
        kept = _kept.get(text) if keep else None
    if kept is not None and now < kept[1]:
        return list(kept[0]), 0
    response = (
        engine.get_client()
        .termvectors(
            index=services.alias_name(),
            doc=dict.fromkeys(FUZZY_FIELDS, text),
            fields=list(FUZZY_FIELDS),
            term_statistics=True,
            field_statistics=True,
            positions=True,
            offsets=False,
            payloads=False,
        )
        .body
    )
    first_position: dict[str, int] = {}
    known: set[str] = set()
    for vectors in response.get("term_vectors", {}).values():
        held_from = max(1, vectors.get("field_statistics", {}).get("doc_count", 0) / RARE_ODDS)
        for term, statistics in vectors["terms"].items():
            first_position[term] = min(token["position"] for token in statistics["tokens"])
            # A term no document of the shard holds comes without doc_freq.
            if statistics.get("doc_freq", 0) >= held_from:
                known.add(term)
    unknown = tuple(sorted((term for term in first_position if term not in known), key=first_position.get))
    if not keep:
        return list(unknown), response["took"]
    with _lock:
        _kept.pop(text, None)
        _kept[text] = (unknown, now + KEEP_SECONDS)
        # Kept for the same time, so the first kept are the first to expire.
        while len(_kept) > KEEP_QUERIES:
            del _kept[next(iter(_kept))]
    return list(unknown), response["took"]


def forget() -> None:
    """Forget every kept answer: the index behind the alias is new (see
    search.services); other processes keep theirs for KEEP_SECONDS at most."""
    with _lock:
        _kept.clear()
