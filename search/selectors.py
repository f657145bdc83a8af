"""Read side of the portal search: the query partners run, autocomplete, and
the database fallback used when the search engine is unreachable."""

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from time import time
from typing import NamedTuple

from django.conf import settings
from django.utils import timezone
from elasticsearch import ApiError, NotFoundError, TransportError
from wagtail.models import Page

from programs.audience import Reader

from . import engine, spelling, together, vocabulary
from .audience import audience_filter, reader_allows
from .config import search_config
from .documents import LANGUAGE_ANALYSIS, PortalDocument
from .models import SearchSettings, normalize_query
from .pages import page_audience, with_site_root_paths
from .services import alias_name

logger = logging.getLogger(__name__)

#: facet name -> document field
FACETS = {"type": "asset_type", "product_line": "product_lines", "language": "language"}
#: "updated within" facet: key -> date math
UPDATED_WITHIN = {"7d": 7, "30d": 30, "365d": 365}
#: the recency blend reorders at least this many best text matches
RECENCY_WINDOW = 100
#: the fields a hit's snippet is taken from, the first one holding a query word
SNIPPET_FIELDS = ("body", "summary", "title")
#: what a hit shows (the bodies stay in the engine: they are only highlighted)
HIT_FIELDS = [
    "title",
    "url",
    "kind",
    "object_id",
    "language",
    "translations",
    "family_id",
    "asset_type",
    "version_label",
    "updated_at",
    "review_by",
    "download_url",
]
#: families (a page and its translations) counted exactly up to about this
#: many by Elasticsearch's cardinality; above, its counts are estimates
FAMILIES_PRECISION = 3000
#: families that can show twice (a source and its translation both matching)
#: listed up to this many, the family counts then exact; above, they are
#: counted with the cardinality (see _count_families)
FAMILIES_LISTED = FAMILIES_PRECISION
#: at most this many matching translations hide their originals when a
#: reader picks the source language in the language facet
FAMILIES_CAP = 10_000
#: the language translations are made from; readers fall back to it
SOURCE_LANGUAGE = settings.LANGUAGE_CODE.split("-")[0]
PER_PAGE = 20
#: the language facet counts this many languages: every language the portal
#: offers (the counts of the reader's view are read off it)
LANGUAGES_COUNTED = max(20, len(settings.LANGUAGES))


@dataclass
class SearchHit:
    title: str
    url: str
    kind: str
    object_id: str
    snippet: str = ""
    language: str = ""
    #: a source-language document shown because no translation exists (marked)
    in_other_language: bool = False
    asset_type: str = ""
    version_label: str = ""
    updated_at: object = None
    stale: bool = False
    promoted: bool = False
    download_url: str = ""


@dataclass
class SearchResults:
    query: str
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    total_is_lower_bound: bool = False
    page: int = 1
    per_page: int = PER_PAGE
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str = ""
    engine: str = "elasticsearch"
    #: shown to the user when the results come from the fallback
    notice: str = ""
    #: milliseconds Elasticsearch reported spending on the requests ("took")
    engine_ms: int = 0

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total


def _expanded_queries(query: str, language: str) -> list[str]:
    """The query plus its synonyms' phrasings (admin-defined, applied at once)."""
    normalized = normalize_query(query)
    variants = []
    for terms in search_config().synonym_sets(language):
        for term in terms:
            if term and term in normalized:
                variants.extend(normalized.replace(term, other) for other in terms if other != term)
    return list(dict.fromkeys(variants))


#: a query word holding a digit: a year, version, SKU or model number
#: ("2025", "2.1", "B400"), matched exactly and required (see _text_query)
NUMBER_WORD = re.compile(r"\d")
#: the fields a number must appear in (as written: no stemming, no fuzziness)
EXACT_FIELDS = ["title", "summary", "body", "version_label"]


#: how far a word the index does not hold may be from a word it holds (one
#: edit from 4 letters, two from 8; the prefix and the cap keep it cheap)
TYPO_TOLERANCE = {"fuzziness": "AUTO:4,8", "prefix_length": 2, "max_expansions": 10}


def _query_words(query: str) -> tuple[list[str], list[str]]:
    """The query's plain words and its number-like words."""
    words = [word.strip(".,;:!?()[]\"'") for word in query.split()]
    words = [word for word in words if word]
    return (
        [word for word in words if not NUMBER_WORD.search(word)],
        [word for word in words if NUMBER_WORD.search(word)],
    )


def _bool(*, filter=(), must=(), should=(), must_not=(), minimum_should_match=None) -> dict:
    """A ``bool`` clause, its empty lists left out (as the DSL left them out)."""
    clause = {
        name: list(clauses)
        for name, clauses in (("filter", filter), ("must", must), ("should", should), ("must_not", must_not))
        if clauses
    }
    if minimum_should_match is not None:
        clause["minimum_should_match"] = minimum_should_match
    return {"bool": clause}


def _text_query(
    query: str,
    language: str,
    *,
    words: list[str],
    numbers: list[str],
    unknown_terms: dict[str, tuple[str, ...]],
    every_word: bool = False,
) -> dict:
    """The scoring clauses of ``query`` (its plain ``words`` and ``numbers``:
    see _query_words); ``unknown_terms`` (each word's terms that the index
    does not hold, see search.vocabulary.look_up) are the ones
    matched with typo tolerance. With ``every_word``, a document must hold each plain
    word (see _every_word); otherwise any one word suffices."""
    language = language if language in LANGUAGE_ANALYSIS else "en"
    # Each field analyses the query its own way: plain words, the reader's
    # language stemmed, and English (the source language every translation
    # falls back to).
    # The body is matched in its language's analysis only: a reader sees
    # documents in their language or the source language (see
    # _reader_view_clause), so the plain body field would only double the work.
    fields = ["title^4", f"localized.{language}.title^4", "summary^2", f"localized.{language}.body^1.5"]
    if language != SOURCE_LANGUAGE:
        fields += [f"localized.{SOURCE_LANGUAGE}.title^2", f"localized.{SOURCE_LANGUAGE}.body"]
    should = [
        # The best field counts in full and the others a little (tie_breaker),
        # so of two equal titles the better body wins. (The exact title
        # phrase adds to the best matches' scores: see _title_phrase.)
        {"multi_match": {"query": query, "fields": fields, "tie_breaker": 0.3}},
    ]
    fuzzy_terms = vocabulary.all_terms(unknown_terms)
    if fuzzy_terms:
        # Typo tolerance on every text field, for letters only: "2025" is one
        # edit from "2026" and "S900" from "S800", and a partner typing a
        # year or a model number means exactly that one. And only for the
        # words no document holds: a correctly spelled word means itself, not
        # its neighbours ("price" is not "prize"), and expanding it was most
        # of a broad query's cost. The fuzzy clause weighs less than the
        # exact one, so an exact match ranks above a near miss; the short
        # prefix and expansion cap keep it cheap.
        should.append(
            {
                "multi_match": {
                    "query": " ".join(fuzzy_terms),
                    "fields": ["title^2", "summary", "body^0.5"],
                    **TYPO_TOLERANCE,
                    "tie_breaker": 0.3,
                    "boost": 0.5,
                }
            }
        )
    phrasings = [
        {"multi_match": {"query": variant, "type": "phrase", "fields": fields, "boost": 0.9}}
        for variant in _expanded_queries(query, language)
    ]
    should += phrasings
    # Every number in the query must appear as written: a search for the
    # July 2025 price list must not offer October 2026's.
    required = [{"multi_match": {"query": number, "fields": EXACT_FIELDS, "operator": "and"}} for number in numbers]
    if every_word:
        required.append(_every_word(words, fields, unknown_terms, phrasings))
    return _bool(should=should, minimum_should_match=1, filter=required)


def _every_word(
    words: list[str], fields: list[str], unknown_terms: dict[str, tuple[str, ...]], phrasings: list[dict]
) -> dict:
    """Each of the plain ``words`` in at least one of ``fields`` (not
    necessarily the same field), or, for a word holding a term the index
    does not hold, its typo-tolerant match; or one of the synonym
    ``phrasings``. A filter: the scores stay those of _text_query's clauses.

    A word that a field's analysis drops (a stop word: "for", "de") asks
    nothing of that field (``zero_terms_query``), so it is required only
    where it would count; a word the tokenizer splits ("e-mail", Japanese
    text, one term per character) needs one of its terms."""
    clauses = []
    for word in words:
        options = [{"multi_match": {"query": word, "fields": fields, "zero_terms_query": "all"}}]
        if unknown_terms.get(word.lower()):
            options.append({"multi_match": {"query": word, "fields": list(vocabulary.FUZZY_FIELDS), **TYPO_TOLERANCE}})
        clauses.append(options[0] if len(options) == 1 else _bool(should=options, minimum_should_match=1))
    if not phrasings:
        return _bool(filter=clauses)
    return _bool(should=[_bool(filter=clauses), *phrasings], minimum_should_match=1)


def _title_phrase(query: str) -> list[dict]:
    """An exact title phrase outranks a newer mention in the body: added to
    the best text matches' scores with the other boosts (see _rescores).
    Scoring it on every match cost a broad query a fifth of its time (a
    query matching 300,000 titles: 76 -> 61 ms at 1,000,000 documents); a
    title holding the query's words together already ranks among the best
    text matches, which the rescores reorder."""
    return [{"match_phrase": {"title": {"query": query, "boost": 6}}}] if query else []


def _query(filters: list[dict], text: dict | None = None) -> dict:
    """``filters`` (audience, facets, language) and the text query in one
    ``bool``: the text's clauses score, one of them must match."""
    if text is None:
        return _bool(filter=filters)
    text = text["bool"]
    return _bool(filter=[*filters, *text.get("filter", ())], should=text["should"], minimum_should_match=1)


def _with_filters(query: dict, *clauses: dict) -> dict:
    """``query`` (a ``bool``) with ``clauses`` added to its filters."""
    inner = query["bool"]
    return {"bool": {**inner, "filter": [*inner.get("filter", ()), *clauses]}}


def _best_match_only(text_query: dict) -> dict:
    """``text_query`` (see _text_query) scoring a document by its best
    clause on that clause's best field alone: no ``tie_breaker``, and the
    largest of the clauses (a typo's match, a synonym's phrase) rather than
    their sum. The engine can then skip the matches whose score cannot reach
    the page, which it cannot when shares of other fields and clauses add
    up (a query holding a word the index does not hold: 91 -> 52 ms at
    1,000,000 documents). The window's scores are the sum, rescored: see
    _rescores' ``text_scores``."""
    inner = text_query["bool"]
    clauses = [
        {"multi_match": {key: value for key, value in clause["multi_match"].items() if key != "tie_breaker"}}
        if "multi_match" in clause
        else clause
        for clause in inner["should"]
    ]
    should = clauses if len(clauses) == 1 else [{"dis_max": {"queries": clauses}}]
    return {"bool": {**inner, "should": should}}


def _rescores(ranking: SearchSettings, boosts: list, *, window: int, text_scores: list) -> list[dict]:
    """The best ``window`` text matches' scores, replaced by their full text
    score (``text_scores``, the text query's scoring clauses: the query
    found them by their best match only, see _best_match_only) plus
    ``boosts``, then times a recency factor: ``1 - share`` for a very old
    document, 1 for one dated today, halfway at the half-life (exponential
    decay of the effective date). A document without a date counts as new.

    Rescores rather than functions over every match: the engine can then
    skip documents whose text score cannot reach the first page. A document
    outside the window is one the text ranks below ``window`` others; the
    blend can at most divide a score by ``1 / (1 - share)``."""
    full_score = {"rescore_query": _bool(should=[*text_scores, *boosts]), "query_weight": 0, "score_mode": "total"}
    rescores = [{"window_size": window, "query": full_score}]
    share = ranking.recency_share / 100
    if not share:
        return rescores
    factor = {
        "function_score": {
            "functions": [
                {"weight": 1 - share},
                {
                    # This hour rather than "now": a request naming "now" is
                    # never answered from the shard request cache (an hour
                    # moves a factor by under 0.05 % at a 90-day half-life).
                    "exp": {
                        "effective_at": {
                            "origin": timezone.now()
                            .astimezone(UTC)
                            .replace(minute=0, second=0, microsecond=0)
                            .isoformat(),
                            "scale": f"{ranking.recency_pivot_days}d",
                            "decay": 0.5,
                        }
                    },
                    "weight": share,
                },
            ],
            "score_mode": "sum",
            "boost_mode": "replace",
        }
    }
    rescores.append({"window_size": window, "query": {"rescore_query": factor, "score_mode": "multiply"}})
    return rescores


def _untranslated_clause(language: str) -> dict:
    """Documents in the reader's language, plus source-language documents
    that have no translation into it (autocomplete and suggestions, which
    match titles only, use this simpler rule)."""
    if language == SOURCE_LANGUAGE:
        return {"term": {"language": language}}
    fallback = _bool(filter=[{"term": {"language": SOURCE_LANGUAGE}}], must_not=[{"term": {"translations": language}}])
    return _bool(should=[{"term": {"language": language}}, fallback], minimum_should_match=1)


def _reader_view_clause(language: str) -> dict:
    """The languages a reader's results mix: their own and the source. Where
    both versions of a page match, collapsing on ``family_id`` keeps the
    reader's (see _engine_search); where only the source matches (an English
    product term in an English original whose translation does not use it),
    the source is shown, marked with its language."""
    languages = _reader_view_languages(language)
    return {"term": {"language": language}} if len(languages) == 1 else {"terms": {"language": list(languages)}}


def _reader_view_languages(language: str) -> tuple[str, ...]:
    """The languages of a reader's results (see _reader_view_clause)."""
    return (language,) if language == SOURCE_LANGUAGE else (language, SOURCE_LANGUAGE)


def _picked_language_clause(unfiltered: dict, language: str, picked: str) -> dict:
    """Exactly the language picked in the facet. The source language, picked
    by a reader of another language, means the originals their list shows:
    those whose translation did not match (or that have none)."""
    if picked != SOURCE_LANGUAGE or language == SOURCE_LANGUAGE:
        return {"term": {"language": picked}}
    in_reader_language = {
        "query": _with_filters(unfiltered, {"term": {"language": language}}),
        "size": 0,
        "track_total_hits": False,
        "aggs": {"families": {"terms": {"field": "family_id", "size": FAMILIES_CAP}}},
    }
    response = engine.get_client().search(index=alias_name(), body=in_reader_language).body
    families = [bucket["key"] for bucket in response["aggregations"]["families"]["buckets"]]
    return _bool(filter=[{"term": {"language": SOURCE_LANGUAGE}}], must_not=[{"terms": {"family_id": families}}])


def _days_ago(days: int) -> str:
    """The start of the UTC day ``days`` ago, written out: a request naming
    ``now`` cannot be answered from the shard request cache."""
    return (timezone.now().astimezone(UTC).date() - timedelta(days=days)).isoformat()


def _base_filters(reader: Reader, filters: dict) -> list[dict]:
    """Audience and facet filters, except language (see _reader_view_clause).

    What the reader may see is one clause: every search of theirs repeats
    it, and the engine keeps a recurring filter clause's matches as one bit
    set, so each match is checked against one set rather than one per rule
    (the engine's time for the bench's 100 searches at 1,000,000 documents:
    1,706 -> 1,508 ms, p95 41.7 -> 38.3 ms)."""
    return [_bool(filter=audience_filter(reader) or (), must_not=[DELETED]), *_facet_filters(filters)]


#: what a deleted or unpublished object leaves in the index (see search.services)
DELETED = {"term": {"deleted": True}}


def _facet_filters(filters: dict) -> list[dict]:
    """The facets picked, except language (see _reader_view_clause)."""
    clauses = []
    for facet, value in filters.items():
        if facet in FACETS and facet != "language" and value:
            clauses.append({"term": {FACETS[facet]: value}})
    if filters.get("updated") in UPDATED_WITHIN:
        clauses.append({"range": {"updated_at": {"gte": _days_ago(UPDATED_WITHIN[filters["updated"]])}}})
    return clauses


def _multi_search(searches: list[dict]) -> tuple[list[dict], int]:
    """The answers of ``searches`` sent as one multi-search (a failed one
    raises, as one search would) and the engine's milliseconds for it: the
    multi-search's own ``took``, which counts the searches waiting for each
    other on the engine's threads (the largest of their own ``took`` does
    not)."""
    response = engine.get_client().msearch(index=alias_name(), searches=searches)
    answers = response.body["responses"]
    for answer in answers:
        if answer.get("error"):
            raise ApiError("N/A", meta=response.meta, body=answer)
    return answers, response.body["took"]


def portal_search(
    *, user, query: str, filters: dict | None = None, sort: str = "relevance", page: int = 1, language: str = "en"
) -> SearchResults:
    """Search what ``user`` may see: relevance blended with recency, or newest
    first. Falls back to the database when the engine is unreachable."""
    filters = filters or {}
    query = " ".join(query.split())[:200]
    page = max(page, 1)
    language = language if language in LANGUAGE_ANALYSIS else SOURCE_LANGUAGE
    # Who reads costs queries (membership, certifications): looked up once.
    reader = Reader.for_user(user)
    if not engine.is_enabled():
        return _database_search(reader=reader, query=query, page=page, notice="")
    try:
        return _engine_search(reader=reader, query=query, filters=filters, sort=sort, page=page, language=language)
    except (TransportError, ApiError) as error:
        logger.warning("Search engine unreachable, answering from the database: %s", error)
        return _database_search(
            reader=reader,
            query=query,
            page=page,
            notice="Search is running in a reduced mode; results may be incomplete.",
        )


def _engine_search(*, reader, query, filters, sort, page, language) -> SearchResults:
    """Every plain word of ``query`` required; where that finds nothing, any
    one word suffices (one more multi-search, for those queries only), so a
    query whose words no single document holds still finds the documents
    holding some of them. Where no document of the index holds them
    together, whoever reads (see search.together), the next search for them
    asks for any word at once.

    A query naming a number (a model, version or year, each required as
    written: see _text_query) is narrow already, and its other words rank
    the number's documents rather than exclude them: "S700 data sheet" lists
    the S700's price lists and guides after its data sheet, as a reader
    looking for the S700's documents expects (the relevance suite's NDCG@10
    fell from 0.932 to 0.909 when those words were required too)."""
    # The reader's audience costs queries: build its filters once.
    base = _base_filters(reader, filters)
    words, numbers = _query_words(query)
    every_word = len(words) > 1 and not numbers

    def ranked(unknown: dict[str, tuple[str, ...]], *, every_word: bool, probe: dict | None = None) -> Ranked:
        text_query = (
            _text_query(query, language, words=words, numbers=numbers, unknown_terms=unknown, every_word=every_word)
            if query
            else None
        )
        # A word the index does not hold is likely a typo, and a typo the
        # likely cause of finding nothing: the spelling candidates then come
        # with the facet counts (about 2 ms of the engine's time at 1,000,000
        # documents) rather than in a request of their own after an empty
        # answer.
        spell = bool(query) and any(unknown.values())
        answer = _ranked_search(
            base=base,
            query=query,
            text_query=text_query,
            filters=filters,
            sort=sort,
            page=page,
            language=language,
            spell=spell,
            probe=probe,
        )
        return answer._replace(every_word=every_word)

    def every_word_probe(unknown: dict[str, tuple[str, ...]], *clauses: dict) -> dict:
        """A search for the documents of the index holding every word within
        the facets and the reader's languages, whoever may read them."""
        text_query = _text_query(query, language, words=words, numbers=numbers, unknown_terms=unknown, every_word=True)
        filters_only = _query(
            [_bool(must_not=[DELETED]), *_facet_filters(filters), _reader_view_clause(language), *clauses],
            text_query,
        )
        return {"query": {"constant_score": {"filter": filters_only}}}

    def apart_key(unknown: dict[str, tuple[str, ...]]) -> str:
        facets = sorted((name, value) for name, value in filters.items() if name != "language" and value)
        return together.key(
            normalize_query(query),
            language,
            facets,
            _expanded_queries(query, language),
            sorted((word, terms) for word, terms in unknown.items() if terms),
        )

    def searched(unknown: dict[str, tuple[str, ...]]) -> Ranked:
        if not every_word:
            return ranked(unknown, every_word=False)
        apart = together.look_up(apart_key(unknown))
        if apart is None:
            return ranked(unknown, every_word=True)
        asked_at = time()
        answer = ranked(unknown, every_word=False, probe=every_word_probe(unknown, apart.written_since()))
        if not answer.probed:
            apart.confirmed(asked_at)
            return answer
        # A document holding every word was written since: as if nothing were kept.
        apart.forget()
        took = answer.results.engine_ms
        answer = ranked(unknown, every_word=True)
        answer.results.engine_ms += took
        return answer

    # The words no process kept an answer about are asked about on another
    # thread while the search runs as if the index held them, as it holds
    # most words partners type: one round trip rather than two. Where one
    # is not held, the search runs again with its typo tolerance. The two
    # requests overlap, so the engine's time counts the longer one only.
    lookup = vocabulary.look_up(words)
    asking = vocabulary.ask_meanwhile(lookup.asked) if lookup.asked else None
    unknown = lookup.assuming_held()
    answer = searched(unknown)
    if asking is not None:
        fresh, vocabulary_ms = asking.result()
        unknown = lookup.answer(fresh)
        if any(fresh.values()):
            overlapped = max(vocabulary_ms, answer.results.engine_ms)
            answer = searched(unknown)
            answer.results.engine_ms += overlapped
        else:
            answer.results.engine_ms = max(vocabulary_ms, answer.results.engine_ms)
    results = answer.results
    # Decided on the reader's view, not on the list shown: a language picked
    # outside it (from the facet of an any-word answer) keeps the matching
    # its count came from.
    if answer.every_word and not answer.in_reader_view:
        took = results.engine_ms
        any_word = _text_query(query, language, words=words, numbers=numbers, unknown_terms=unknown)
        results = _ranked_search(
            base=base, query=query, text_query=any_word, filters=filters, sort=sort, page=page, language=language
        ).results
        results.engine_ms += took
        together.learn_after_response(apart_key(unknown), lambda: every_word_probe(unknown))
    elif answer.every_word:
        together.found_together(apart_key(unknown))
    if query and page == 1:
        bets = _best_bets(reader, query)
        promoted = {bet.object_id for bet in bets}
        results.hits = bets + [hit for hit in results.hits if not (hit.kind == "page" and hit.object_id in promoted)]
    # Only a query without results pays for the spelling suggestion, and only
    # one the index may not spell as its reader did: a word it does not hold,
    # or a number (exact, so never asked about). Where it holds every word,
    # the filters or the audience found nothing, which no spelling changes.
    # The same typo read under the same filters gets the answer kept (see
    # search.spelling): one engine request, not two.
    if query and not results.total and (numbers or any(unknown.values())):
        visible = [*base, _untranslated_clause(language)]
        spelling_key = spelling.key(query, visible)
        kept = spelling.look_up(spelling_key)
        if kept is None:
            results.suggestion, took = _suggestion(query, visible, candidates=answer.candidates)
            results.engine_ms += took
            spelling.keep(spelling_key, results.suggestion)
        else:
            results.suggestion = kept
    return results


class Ranked(NamedTuple):
    """What _ranked_search found."""

    results: SearchResults
    #: how many documents match in the reader's view (their language and the
    #: source), whichever language is picked
    in_reader_view: int
    #: the spelling candidates (see _suggestion), if asked for
    candidates: list[str] | None
    #: whether the probe asked along found a document (None: none asked)
    probed: bool | None
    #: whether the text query required every word (set by its caller)
    every_word: bool = False


def _ranked_search(
    *, base, query, text_query, filters, sort, page, language, spell: bool = False, probe: dict | None = None
) -> Ranked:
    """One page of the matches of ``text_query`` within ``base`` (audience
    and facet filters), with the facet counts and the total; how many
    documents match in the reader's view; with ``spell``, the spelling
    candidates for ``query``; and whether the search ``probe`` (sent in the
    same multi-search) found any document."""
    # The request bodies are plain dicts: building them with the DSL's
    # chained, copied Search objects and reading its wrapped responses took
    # about as much of the portal's time per search as its SQL queries.
    ranking = search_config().ranking
    unfiltered_by_language = _query(base, text_query)
    reader_view = _reader_view_clause(language)
    picked = filters.get("language")
    language_clause = _picked_language_clause(unfiltered_by_language, language, picked) if picked else reader_view
    #: both versions of a page may match: show one per family, the reader's
    collapsed = not picked and language != SOURCE_LANGUAGE
    start = (page - 1) * PER_PAGE
    if collapsed:
        # A family shows at most two documents here (the reader's language and
        # the source), so twice the families up to this page's end hold every
        # family the page shows; _one_per_family picks them in rank order.
        # (Elasticsearch's collapse does the same but scores every match.)
        offset, size = 0, 2 * (start + PER_PAGE)
    else:
        offset, size = start, PER_PAGE
    #: small additive boosts: popular documents, the reader's language
    weight = float(ranking.popularity_weight)
    boosts = [
        {"constant_score": {"filter": {"range": {"popularity": {"gte": 50}}}, "boost": weight}},
        {"constant_score": {"filter": {"range": {"popularity": {"gte": 500}}}, "boost": weight}},
        {"constant_score": {"filter": {"term": {"language": language}}, "boost": 1.0}},
    ]
    # The total comes from the facet request, which counts every match anyway.
    search = {"from": offset, "size": size, "track_total_hits": False, "_source": HIT_FIELDS}
    if sort == "newest" or not query:
        if text_query is not None:
            search["query"] = _bool(
                filter=[*base, language_clause], must=[text_query], should=boosts, minimum_should_match=0
            )
        else:
            search["query"] = _query([*base, language_clause])
        search["sort"] = [{"effective_at": {"order": "desc", "missing": "_last"}}, "_score"]
    else:
        # The boosts and the recency blend are applied to the best text
        # matches only (rescores): clauses that match nearly every document
        # stop the engine from skipping the matches that cannot reach the
        # page, and at 1,000,000 documents it then scored every match.
        # The matches are found on each document's best field and clause
        # alone: a tie_breaker (the other fields counted a little) kept the
        # engine from skipping them, so it scored every match (a query
        # matching 300,000 titles: 114 -> 30 ms at 1,000,000 documents). The
        # window's scores are then the full text score, plus the boosts.
        search["query"] = _query([*base, language_clause], _best_match_only(text_query))
        search["rescore"] = _rescores(
            ranking,
            [*boosts, *_title_phrase(query)],
            window=max(RECENCY_WINDOW, offset + size),
            text_scores=text_query["bool"]["should"],
        )
    # Highlight the plain words: highlighting the fuzzy query re-runs its
    # expansion per hit and took over a second on 3,000 documents. Each field
    # gets the words as its own match query: the same marks as one
    # multi_match over the three fields, whose every field the highlighter
    # examines for each field of each hit (about 1 ms of a 40-hit page's
    # fetch at 1,000,000 documents).
    search["highlight"] = {
        "fields": {
            name: {
                "fragment_size": 160,
                "number_of_fragments": 1,
                **({"highlight_query": {"match": {name: query}}} if query else {}),
            }
            for name in SNIPPET_FIELDS
        },
        "pre_tags": ["<mark>"],
        "post_tags": ["</mark>"],
        "encoder": "html",
    }
    facets = _facets(unfiltered_by_language, reader_view, language_clause, language, families=collapsed)
    if spell:
        # The suggester reads the index's terms whatever the request's query.
        facets["suggest"] = _spelling(query)
    searches = [search, facets]
    if language != SOURCE_LANGUAGE:
        searches.append(_translated_sources(unfiltered_by_language, language))
    if probe is not None:
        searches.append({**probe, "size": 0, "terminate_after": 1})
    # The shard request cache answers a repeated query's ranking (not its
    # hits' fields and highlights) until the index changes; Elasticsearch
    # caches requests returning hits only when asked.
    cached = {"index": [alias_name()], "request_cache": True}
    (response, facet_response, *more), took = _multi_search([part for body in searches for part in (cached, body)])
    probed = bool(more.pop()["hits"]["total"]["value"]) if probe is not None else None
    translated = more

    results = SearchResults(query=query, page=page, engine="elasticsearch")
    results.engine_ms = took
    aggregations = _with_reader_view(facet_response["aggregations"], language)
    if translated:
        results.engine_ms += _count_families(
            aggregations,
            translated[0],
            unfiltered_by_language,
            reader_view,
            language_clause,
            language,
            families=collapsed,
        )
    documents = response["hits"]["hits"]
    if collapsed:
        results.total = aggregations["reader_view"]["families"]["value"]
        documents = _one_per_family(documents, language)[start : start + PER_PAGE]
        documents, took = _reader_versions(documents, search, language)
        results.engine_ms += took
    else:
        results.total = aggregations["in_language"]["doc_count"]
    today = timezone.localdate()  # once, not per hit
    results.hits = [_hit(document, language, today) for document in documents]
    languages = {bucket["key"]: bucket["doc_count"] for bucket in aggregations["language"]["buckets"]}
    if language != SOURCE_LANGUAGE:
        shown_in_reader_language = aggregations["reader_view"]["reader_language"]["doc_count"]
        languages[language] = shown_in_reader_language
        languages[SOURCE_LANGUAGE] = aggregations["reader_view"]["families"]["value"] - shown_in_reader_language
    results.facets = {"language": [(key, count) for key, count in languages.items() if count > 0]}
    for name in (*FACETS, "updated"):
        if name != "language":
            counts = [
                (bucket["key"], bucket["families"]["value"] if collapsed else bucket["doc_count"])
                for bucket in aggregations["in_language"][name]["buckets"]
            ]
            results.facets[name] = [(key, count) for key, count in counts if count]
    candidates = _spelling_candidates(facet_response, query) if spell else None
    return Ranked(results, aggregations["reader_view"]["doc_count"], candidates, probed)


def _facet_buckets(sub_aggregations: dict | None = None) -> dict:
    """The type, product line and "updated within" facets' aggregations,
    each bucket with ``sub_aggregations``."""
    buckets = {
        facet: {"terms": {"field": field_name, "size": 20}}
        for facet, field_name in FACETS.items()
        if facet != "language"
    }
    buckets["updated"] = {
        "date_range": {
            "field": "updated_at",
            "ranges": [{"key": key, "from": _days_ago(days)} for key, days in UPDATED_WITHIN.items()],
        }
    }
    if sub_aggregations:
        for bucket in buckets.values():
            bucket["aggs"] = sub_aggregations
    return buckets


def _facets(
    unfiltered_by_language: dict,
    reader_view: dict,
    language_clause: dict,
    language: str,
    *,
    families: bool,
    estimate: bool = False,
):
    """The facet counts, in a size-0 request of their own.

    Facet counts need every match, which stops Elasticsearch from skipping
    non-competitive hits in the ranked query; apart, the shard request cache
    can answer them for repeated queries until the index changes. Where the
    list shows one document per family (``families``: a page and its
    translation), counts are of families, so they match the list; elsewhere
    the list holds one language, a family is one document, and the document
    count is the same figure. The language facet counts, for the reader's
    language and the source, what their list shows of each; for other
    languages, what picking one shows.

    Families are counted from document counts (see _count_families and
    _translated_sources). ``estimate`` counts them with Elasticsearch's
    ``cardinality`` instead (hashing each match's family once per bucket: at
    1,000,000 documents most of the facets' time), for when there are too
    many families that can show twice to list."""
    count_families = {"families": {"cardinality": {"field": "family_id", "precision_threshold": FAMILIES_PRECISION}}}
    buckets = _facet_buckets(count_families if families and estimate else None)
    aggregations = {
        "language": {"terms": {"field": FACETS["language"], "size": LANGUAGES_COUNTED}},
        "in_language": {"filter": language_clause, "aggs": buckets},
    }
    if estimate:
        aggregations["reader_view"] = {"filter": reader_view, "aggs": count_families}
    return {"query": unfiltered_by_language, "size": 0, "track_total_hits": False, "aggs": aggregations}


def _with_reader_view(aggregations: dict, language: str) -> dict:
    """``aggregations`` (see _facets) with ``reader_view``: how many of the
    matches the reader's view holds (``doc_count``), ``reader_language`` of
    them in the reader's language, read off the counts by language. (An
    aggregation of its own filtering every match cost a broad query a
    quarter of the facets' time: 89 -> 66 ms for 299,689 matches at
    1,000,000 documents.)"""
    counts = {bucket["key"]: bucket["doc_count"] for bucket in aggregations["language"]["buckets"]}
    view = aggregations.setdefault("reader_view", {})
    view["doc_count"] = sum(counts.get(code, 0) for code in _reader_view_languages(language))
    view["reader_language"] = {"doc_count": counts.get(language, 0)}
    return aggregations


def _translated_sources(unfiltered_by_language: dict, language: str) -> dict:
    """The families of the matching source-language documents that have a
    translation into ``language``, the only families that can show twice in
    the reader's list: one more than ``FAMILIES_LISTED`` at most, in index
    order (the engine stops there), read from the index's column of
    ``family_id``. (A ``terms`` aggregation would either build the global
    ordinals of every family in the index after each refresh, about 70 ms at
    1,000,000 documents, or hash every matching source's family: 364 ms for
    150,000.)"""
    return {
        "query": _with_filters(
            unfiltered_by_language, {"term": {"language": SOURCE_LANGUAGE}}, {"term": {"translations": language}}
        ),
        "size": FAMILIES_LISTED + 1,
        "sort": ["_doc"],
        "_source": False,
        "docvalue_fields": ["family_id"],
        "track_total_hits": False,
    }


def _count_families(
    aggregations: dict,
    translated: dict,
    unfiltered_by_language: dict,
    reader_view: dict,
    language_clause: dict,
    language: str,
    *,
    families: bool,
) -> int:
    """Adds the family counts to the facet ``aggregations`` (``families``, as
    a ``cardinality`` would: the reader's view, and each facet bucket where
    ``families``); returns the engine's milliseconds it took.

    The reader's view holds at most two documents of a family (the reader's
    language and the source), and two only where the source has a
    translation into the reader's language and both match. So a count of
    families is the count of documents less those pairs, which a second,
    small request counts among the families of ``translated`` (the answer to
    _translated_sources): none for most queries, which then cost no second
    request. Exact, unlike the ``cardinality`` estimate; that estimate is kept
    for when more such families match than are listed."""
    family_ids = [hit["fields"]["family_id"][0] for hit in translated["hits"]["hits"]]
    pairs: dict = {}
    took = 0
    if len(family_ids) > FAMILIES_LISTED:
        body = _facets(unfiltered_by_language, reader_view, language_clause, language, families=families, estimate=True)
        response = engine.get_client().search(index=alias_name(), body=body, request_cache=True).body
        aggregations.update(_with_reader_view(response["aggregations"], language))
        return response["took"]
    if family_ids:
        pair = {
            "pairs": {
                "terms": {"field": "family_id", "min_doc_count": 2, "size": len(family_ids), "execution_hint": "map"}
            }
        }
        body = {
            "query": _with_filters(unfiltered_by_language, reader_view, {"terms": {"family_id": family_ids}}),
            "size": 0,
            "track_total_hits": False,
            "aggs": {**pair, **(_facet_buckets(pair) if families else {})},
        }
        response = engine.get_client().search(index=alias_name(), body=body, request_cache=True).body
        took = response["took"]
        found = response["aggregations"]
        pairs[None] = len(found["pairs"]["buckets"])
        for name, aggregation in found.items():
            for bucket in aggregation.get("buckets", ()):
                if "pairs" in bucket:
                    pairs[(name, bucket["key"])] = len(bucket["pairs"]["buckets"])
    view = aggregations["reader_view"]
    view["families"] = {"value": view["doc_count"] - pairs.get(None, 0)}
    if families:
        for name, aggregation in aggregations["in_language"].items():
            if isinstance(aggregation, dict):
                for bucket in aggregation.get("buckets", ()):
                    bucket["families"] = {"value": bucket["doc_count"] - pairs.get((name, bucket["key"]), 0)}
    return took


def _one_per_family(documents: list[dict], language: str) -> list[dict]:
    """One document per family in rank order, the reader's language where
    both versions matched (the family ranks where its best document does)."""
    chosen = {}
    for document in documents:
        source = document["_source"]
        family = source.get("family_id") or document["_id"]
        if family not in chosen or (
            source.get("language") == language and chosen[family]["_source"].get("language") != language
        ):
            chosen[family] = document
    return list(chosen.values())


def _reader_versions(documents: list[dict], search: dict, language: str) -> tuple[list[dict], int]:
    """``documents`` with each source-language one replaced by its family's
    document in the reader's language where that one matches too but ranked
    beyond the fetched window (rare: the reader's version usually ranks next
    to its source). Returns the documents and the engine's milliseconds."""
    translated = [
        document["_source"].get("family_id")
        for document in documents
        if document["_source"].get("language") != language
        and language in (document["_source"].get("translations") or [])
    ]
    if not translated:
        return documents, 0
    query = _with_filters(search["query"], {"terms": {"family_id": translated}}, {"term": {"language": language}})
    response = (
        engine.get_client()
        .search(
            index=alias_name(), body={**search, "query": query, "from": 0, "size": len(translated)}, request_cache=True
        )
        .body
    )
    reader_versions = {document["_source"].get("family_id"): document for document in response["hits"]["hits"]}
    shown = [reader_versions.get(document["_source"].get("family_id"), document) for document in documents]
    return shown, response["took"]


def _spelling(query: str) -> dict:
    """The phrase suggester's request for corrections of ``query``."""
    phrase = {
        "field": "body",
        "size": 5,
        "max_errors": 2,
        # any visible correction beats a query that found nothing
        "confidence": 0.0,
        "direct_generator": [{"field": "body", "suggest_mode": "always", "min_word_length": 3}],
    }
    return {"spelling": {"text": query, "phrase": phrase}}


def _spelling_candidates(response: dict, query: str) -> list[str]:
    """The corrections of ``query`` in a response to _spelling."""
    spelling = response.get("suggest", {}).get("spelling")
    candidates = [option["text"] for option in spelling[0]["options"]] if spelling else []
    return [text for text in candidates if text.lower() != query.lower()]


def _suggestion(query: str, visible: list[dict], *, candidates: list[str] | None = None) -> tuple[str, int]:
    """A corrected query that finds something the reader may open (or ""),
    and the engine's milliseconds. The ``candidates`` (asked for here unless
    given) come from every document's words, so each is counted under the
    reader's own filters (``visible``) before it is offered (collating in
    the engine needs the mustache module, which a core-only node does not
    have)."""
    took = 0
    if candidates is None:
        response = (
            engine.get_client()
            .search(index=alias_name(), body={"suggest": _spelling(query), "size": 0, "track_total_hits": False})
            .body
        )
        took = response["took"]
        candidates = _spelling_candidates(response, query)
    if not candidates:
        return "", took
    searches = []
    for text in candidates:
        searches += [
            {"index": [alias_name()]},
            {
                "query": _bool(filter=visible, must=[{"match": {"body": {"query": text, "operator": "and"}}}]),
                "size": 0,
                "track_total_hits": 1,
            },
        ]
    answers, counting = _multi_search(searches)
    took += counting
    for text, found in zip(candidates, answers, strict=True):
        if found["hits"]["total"]["value"]:
            return text, took
    return "", took


def _hit(document: dict, language: str, today: date) -> SearchHit:
    highlight = document.get("highlight")
    snippet = ""
    if highlight:
        for name in SNIPPET_FIELDS:
            if name in highlight:
                snippet = highlight[name][0]
                break
    source = document["_source"]
    review_by = source.get("review_by")
    return SearchHit(
        title=source["title"],
        url=source.get("url", ""),
        kind=source["kind"],
        object_id=source["object_id"],
        snippet=snippet,
        language=source.get("language", ""),
        in_other_language=source.get("language", language) != language,
        asset_type=source.get("asset_type") or "",
        version_label=source.get("version_label") or "",
        updated_at=source.get("updated_at"),
        stale=bool(review_by and _as_date(review_by) < today),
        download_url=source.get("download_url") or "",
    )


def _as_date(value) -> date:
    if isinstance(value, str):  # a date-only value comes back as text
        return date.fromisoformat(value[:10])
    return value.date() if hasattr(value, "date") else value


def _best_bets(reader: Reader, query: str) -> list[SearchHit]:
    # From the cached configuration: a query nothing is promoted for (most)
    # costs no database query.
    page_ids = search_config().best_bets.get(normalize_query(query), ())
    if not page_ids:
        return []
    # One query per page type, not one per promoted page.
    specific_pages = {page.pk: page for page in Page.objects.live().filter(pk__in=page_ids).specific()}
    pages = _visible_pages(reader, [specific_pages[page_id] for page_id in page_ids if page_id in specific_pages])
    return [SearchHit(title=p.title, url=p.url or "", kind="page", object_id=str(p.pk), promoted=True) for p in pages]


def _visible_pages(reader: Reader, pages: list) -> list:
    """The specific pages of ``pages`` that ``reader`` may open, with the
    audience rules above them loaded once."""
    context = {"page_paths": [page.path for page in pages]}
    return [page for page in pages if reader_allows(reader, page_audience(page, context))]


#: the fallback ranks this many database matches, then filters them by audience
DATABASE_MATCHES_CAP = 200


def _database_search(*, reader: Reader, query: str, page: int, notice: str) -> SearchResults:
    """Wagtail's database search over live pages, filtered by audience in
    Python (the fallback; counts cover the first matches only)."""
    results = SearchResults(query=query, page=page, engine="database", notice=notice)
    if not query:
        return results
    # Wagtail's search cannot filter on alias_of, so aliases go after ranking.
    matches = Page.objects.live().filter(depth__gt=1).specific().search(query)[:DATABASE_MATCHES_CAP]
    visible = _visible_pages(reader, [match for match in matches if match.alias_of_id is None])
    results.total = len(visible)
    results.total_is_lower_bound = len(matches) == DATABASE_MATCHES_CAP
    start = (page - 1) * PER_PAGE
    results.hits = [
        SearchHit(title=p.title, url=p.url or "", kind="page", object_id=str(p.pk), updated_at=p.last_published_at)
        for p in with_site_root_paths(visible[start : start + PER_PAGE])
    ]
    return results


def autocomplete(*, user, prefix: str, size: int = 8, language: str = SOURCE_LANGUAGE) -> list[dict]:
    """Titles starting with what the user typed, limited to what they may see
    in their language (or the source language where no translation exists)."""
    prefix = " ".join(prefix.split())[:100]
    if len(prefix) < 2 or not engine.is_enabled():
        return []
    search = {
        "query": _bool(
            filter=[*_base_filters(Reader.for_user(user), {}), _untranslated_clause(language)],
            must=[
                {
                    "multi_match": {
                        "query": prefix,
                        "type": "bool_prefix",
                        "operator": "and",
                        "fields": ["title", "title._index_prefix"],
                    }
                }
            ],
        ),
        "_source": ["title", "url", "kind"],
        "size": size,
        "track_total_hits": False,
    }
    # Everyone types the same first letters: the shard request cache answers
    # them until the index changes (asked for: the search returns hits).
    try:
        response = engine.get_client().search(index=alias_name(), body=search, request_cache=True).body
    except (TransportError, ApiError):
        return []
    return [
        {"title": hit["_source"]["title"], "url": hit["_source"].get("url", ""), "kind": hit["_source"]["kind"]}
        for hit in response["hits"]["hits"]
    ]


def documents_search(*, query: str, size: int = 10) -> list[PortalDocument]:
    """Plain relevance search over every live document (no audience: for
    vendor-side tools and tests of the index itself)."""
    search = (
        PortalDocument.search(using=engine.get_client(), index=alias_name())
        .query("multi_match", query=query, fields=["title^3", "summary^2", "body"])
        .exclude("term", deleted=True)
        .extra(size=size)
    )
    try:
        return list(search.execute())
    except NotFoundError:  # nothing indexed yet
        return []
