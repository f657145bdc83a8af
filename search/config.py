"""What channel ops configure for search (ranking settings, synonyms,
promoted results) and the certification ids, read once and kept in the cache:
every search needs them, and four queries a request were a third of the
portal's own time at scale. Saving or deleting any of them clears the entry
(see SearchConfig.ready). Reading requests take it from what the process
keeps (``programs.request_memo.remembered_until_changed``), which the same
saves forget."""

from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from programs.models import Certification
from programs.request_memo import remembered, remembered_until_changed

from .models import BestBet, SearchSettings, SynonymSet

#: changes with the fields of SearchConfig: a process still running the
#: previous shape never unpickles this one
CACHE_KEY = "search:config:2"
#: bounds how long a change made outside the ORM (a bulk update) goes unseen
CACHE_SECONDS = 300


@dataclass(frozen=True)
class SearchConfig:
    ranking: SearchSettings
    #: (language or "" for every language, terms) of each synonym set
    synonyms: tuple[tuple[str, tuple[str, ...]], ...]
    certification_ids: frozenset[int]
    #: normalized query -> the promoted pages' ids, in their order (the pages'
    #: liveness is checked when they are loaded: publishing does not clear this)
    best_bets: dict[str, tuple[int, ...]]

    def synonym_sets(self, language: str) -> list[tuple[str, ...]]:
        return [terms for set_language, terms in self.synonyms if set_language in ("", language)]


def search_config() -> SearchConfig:
    # Kept by the process while the configuration generation stands (saving
    # any of the models renews it, see SearchConfig.ready) and CACHE_SECONDS
    # at most (a change that sends no signal is seen within twice that): no
    # cache read a search.
    return remembered(CACHE_KEY, lambda: remembered_until_changed(CACHE_KEY, _cached_config, max_age=CACHE_SECONDS))


def _cached_config() -> SearchConfig:
    config = cache.get(CACHE_KEY)
    if config is None:
        best_bets: dict[str, list[int]] = {}
        for query, page_id in BestBet.objects.order_by("query", "sort_order", "pk").values_list("query", "page_id"):
            best_bets.setdefault(query, []).append(page_id)
        config = SearchConfig(
            ranking=SearchSettings.load(),
            synonyms=tuple(
                (synonym_set.language, tuple(synonym_set.term_list())) for synonym_set in SynonymSet.objects.all()
            ),
            certification_ids=frozenset(Certification.objects.values_list("pk", flat=True)),
            best_bets={query: tuple(page_ids) for query, page_ids in best_bets.items()},
        )
        cache.set(CACHE_KEY, config, CACHE_SECONDS)
    return config


def search_config_changed(**kwargs) -> None:
    """Forget the cached configuration now and once the change commits (a
    search between the two would cache the state before it)."""
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))
