"""Which query words the portal index holds, for the search's typo-tolerant
clause (see search.selectors._text_query): it is given only the words no
title, summary or body holds. A correctly spelled word then matches as
written, not also its one-edit neighbours ("price" finding "prize", Spanish
"lista" finding the English "list" of 300,000 documents at 1,000,000), and
the engine spends no fuzzy expansion on it (43 % of the ranked request's
CPU at that size); a word the index does not hold keeps its typo tolerance
on every field.

The engine answers from its term statistics (``_termvectors`` of an
artificial document, one cheap request, which the search sends on another
thread while its own request runs: see ask_meanwhile and
search.selectors._engine_search), and within reading requests (see
programs.request_memo) each word's answer is kept, by the process and in the
shared cache, so that the portal's other processes (every web worker of
every node) find it there with one cache read instead of asking the engine
again: a word's existence rarely changes. A word the index does not hold is
kept for KEEP_SECONDS: a new word (a product just published) keeps its typo
tolerance that long (more matches, never fewer). A word it holds is kept for
KEEP_HELD_SECONDS: held by at least one in RARE_ODDS documents, it seldom
leaves within the hour, and if it does it finds only exact matches that long
(a word gone from the index then finds nothing, without a suggestion, as a
word the reader's audience does not see). Writes, tasks and tests calling
the selectors ask every time.
"""

import contextvars
import os
import threading
import uuid
from bisect import bisect_right
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from hashlib import blake2b
from time import monotonic, time

from django.core.cache import cache

from programs.after_response import after_response
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
#: how long a word the index does not hold is kept (by the process and the shared cache)
KEEP_SECONDS = 60
#: how long a word the index holds is kept: every partner's query asks
#: about its words, and asked again each minute the common words of a busy
#: portal would cost the engine a request per word per minute
KEEP_HELD_SECONDS = 3600
#: at most this many words' answers are kept (the oldest go first)
KEEP_WORDS = 10_000

#: the shared cache's key of the index's generation: answers kept under
#: another generation are about an index that has since been replaced
GENERATION_KEY = "search-vocabulary-generation"

#: word -> (its analysed terms the index does not hold, in order; until when)
_kept: dict[str, tuple[tuple[str, ...], float]] = {}
_lock = threading.Lock()
#: the threads of ask_meanwhile, and the process that started them
_asking: ThreadPoolExecutor | None = None
_asking_pid: int | None = None


def unknown_terms(words: Sequence[str]) -> tuple[list[str], int]:
    """The analysed terms of ``words`` that the index does not hold (see
    look_up), in the order the words give them, and the engine's
    milliseconds (0 when the process kept every word's answer): the look-up
    and, for the words it did not find, the engine's answer, in turn."""
    lookup = look_up(words)
    fresh, took = _ask(lookup.asked) if lookup.asked else ({}, 0)
    return all_terms(lookup.answer(fresh)), took


def all_terms(by_word: dict[str, tuple[str, ...]]) -> list[str]:
    """The terms of a Lookup's answer, once each, in order."""
    return list(dict.fromkeys(term for terms in by_word.values() for term in terms))


@dataclass
class Lookup:
    """What the process and the shared cache kept about some words (see
    look_up), and which of them the engine must still be asked about."""

    #: the words, lower-cased (the fields' analysis lower-cases: "Price" and
    #: "price" are one word), in order
    words: list[str]
    #: each kept word's analysed terms the index does not hold
    kept: dict[str, tuple[str, ...]]
    #: the words to ask the engine about (see _ask), once each
    asked: list[str]
    #: the shared cache's generation read with the kept answers
    generation: str | None
    #: whether answers are kept (within reading requests)
    keep: bool
    #: monotonic seconds of the look-up
    now: float

    def assuming_held(self) -> dict[str, tuple[str, ...]]:
        """Each word with its unknown terms, the asked words taken as held
        (most words partners type are), nothing kept."""
        return {word: self.kept.get(word, ()) for word in self.words}

    def answer(self, fresh: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        """Each word with its unknown terms, the engine's ``fresh`` answers
        about the asked words (see _ask) kept for the next look-ups."""
        if fresh and self.keep:
            # The other processes' copy is written once the reader has the results.
            after_response(lambda: _share(fresh, self.generation))
            _keep({word: (terms, self.now + _keep_seconds(terms)) for word, terms in fresh.items()})
        answers = {**self.kept, **fresh}
        return {word: answers[word] for word in self.words}


def look_up(words: Sequence[str]) -> Lookup:
    """The answers about ``words`` (lower-cased) that this process keeps,
    then (one read) the shared cache; no engine request. Each answer is a
    word's analysed terms that no title, summary or body of the index holds
    (or too few of them: see RARE_ODDS), in order.

    Answers are kept per word, not per query: partners' queries share their
    words ("price list", "EMEA price list", "price list 2026"), so a query of
    words already asked about costs no request, and a request asks only
    about the words not kept.

    The statistics are those of the shard the engine picks for the
    artificial document: on an index of several shards a word held only by
    documents of other shards counts as unknown and keeps its typo tolerance
    (slower, never fewer matches). A word held only by documents the reader
    may not open, or by tombstones, counts as known."""
    words = [word.lower() for word in words if word]
    now = monotonic()
    keep = in_reading_request()
    kept: dict[str, tuple[str, ...]] = {}
    if keep:
        with _lock:
            for word in words:
                answer = _kept.get(word)
                if answer is not None and now < answer[1]:
                    kept[word] = answer[0]
    asked = list(dict.fromkeys(word for word in words if word not in kept))
    generation = None
    if asked and keep:
        shared, generation = _shared_answers(asked)
        kept.update({word: terms for word, (terms, _) in shared.items()})
        # Until the shared answer expires: no answer outlives its first asking.
        _keep({word: (terms, now + seconds_left) for word, (terms, seconds_left) in shared.items()})
        asked = [word for word in asked if word not in shared]
    return Lookup(words=words, kept=kept, asked=asked, generation=generation, keep=keep, now=now)


def ask_meanwhile(words: list[str]) -> Future:
    """The engine's answers about ``words`` (see _ask) on another thread, so
    that the caller's own engine request runs meanwhile: a future of the
    answers and the engine's milliseconds."""
    global _asking, _asking_pid
    with _lock:
        # A forked process (a web or task worker) has none of its parent's threads.
        if _asking is None or _asking_pid != os.getpid():
            _asking = ThreadPoolExecutor(max_workers=4, thread_name_prefix="search-vocabulary")
            _asking_pid = os.getpid()
        # The caller's context: its engine requests are timed with the caller's (engine.waiting).
        return _asking.submit(contextvars.copy_context().run, _ask, words)


def _keep_seconds(unknown: tuple[str, ...]) -> int:
    """How long an answer is kept: see KEEP_SECONDS and KEEP_HELD_SECONDS."""
    return KEEP_SECONDS if unknown else KEEP_HELD_SECONDS


def _keep(answers: dict[str, tuple[tuple[str, ...], float]]) -> None:
    """The process keeps ``answers`` (word -> its unknown terms, and until
    when: monotonic seconds)."""
    if not answers:
        return
    with _lock:
        # The first kept go first: bounded, not ordered by expiry (held words stay longer).
        keep_newest(_kept, answers, KEEP_WORDS)


def keep_newest(kept: dict, entries: dict, limit: int) -> None:
    """Put ``entries`` into ``kept`` as its newest, and drop the oldest
    beyond ``limit`` (a process's bounded memory; the caller holds its lock)."""
    for key, value in entries.items():
        kept.pop(key, None)
        kept[key] = value
    while len(kept) > limit:
        del kept[next(iter(kept))]


def _shared_key(word: str) -> str:
    # Any text is a word here: a digest keeps the key short and plain.
    return f"search-vocabulary:{blake2b(word.encode(), digest_size=16).hexdigest()}"


def _shared_answers(words: list[str]) -> tuple[dict[str, tuple[tuple[str, ...], float]], str | None]:
    """The answers the shared cache keeps for ``words`` (one read, with the
    index's generation), each with the seconds left until it expires, and
    that generation; nothing when the cache is unreachable (the engine is
    asked, as it would be without the cache)."""
    keys = {word: _shared_key(word) for word in words}
    found = cache.get_many([GENERATION_KEY, *keys.values()])
    generation = found.get(GENERATION_KEY)
    answers = {}
    now = time()
    for word, key in keys.items():
        kept = found.get(key)
        if kept is not None and kept[0] == generation and kept[2] > now:
            _, terms, until = kept
            answers[word] = (terms, until - now)
    return answers, generation


def _share(fresh: dict[str, tuple[str, ...]], generation: str | None) -> None:
    """Keep the engine's ``fresh`` answers in the shared cache under the
    generation read before asking (an index replaced meanwhile makes them
    stale at once)."""
    now = time()
    by_seconds: dict[int, dict[str, tuple]] = {}
    for word, terms in fresh.items():
        seconds = _keep_seconds(terms)
        by_seconds.setdefault(seconds, {})[_shared_key(word)] = (generation, terms, now + seconds)
    for seconds, answers in by_seconds.items():
        cache.set_many(answers, timeout=seconds)


def _ask(words: list[str]) -> tuple[dict[str, tuple[str, ...]], int]:
    """Each of ``words``' analysed terms the index does not hold, in order,
    from one ``_termvectors`` request, and its milliseconds. The words are
    sent as one text; each term is given back to the word its characters
    came from (the tokens' offsets)."""
    text = " ".join(words)
    # The engine's offsets count UTF-16 code units (Java's characters).
    word_starts = []
    offset = 0
    for word in words:
        word_starts.append(offset)
        offset += len(word.encode("utf-16-le")) // 2 + 1
    response = (
        engine.get_client()
        .termvectors(
            index=services.alias_name(),
            doc=dict.fromkeys(FUZZY_FIELDS, text),
            fields=list(FUZZY_FIELDS),
            term_statistics=True,
            field_statistics=True,
            positions=True,
            offsets=True,
            payloads=False,
        )
        .body
    )
    # term -> (position, word index) of its first token; a term held enough
    # in any one field counts as held
    first_token: dict[str, tuple[int, int]] = {}
    known: set[str] = set()
    for vectors in response.get("term_vectors", {}).values():
        held_from = max(1, vectors.get("field_statistics", {}).get("doc_count", 0) / RARE_ODDS)
        for term, statistics in vectors["terms"].items():
            for token in statistics["tokens"]:
                word = bisect_right(word_starts, token["start_offset"]) - 1
                seen = first_token.get(term)
                if seen is None or token["position"] < seen[0]:
                    first_token[term] = (token["position"], word)
            # A term no document of the shard holds comes without doc_freq.
            if statistics.get("doc_freq", 0) >= held_from:
                known.add(term)
    unknown: dict[str, list[tuple[int, str]]] = {word: [] for word in words}
    for term, (position, word) in first_token.items():
        if term not in known:
            unknown[words[word]].append((position, term))
    return {word: tuple(term for _, term in sorted(terms)) for word, terms in unknown.items()}, response["took"]


def forget() -> None:
    """Forget every kept answer: the index behind the alias is new (see
    search.services). The shared cache's answers are dropped with their
    generation; other processes keep their own until they expire (see
    KEEP_SECONDS and KEEP_HELD_SECONDS)."""
    with _lock:
        _kept.clear()
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
