"""What channel ops configure for search (ranking settings, synonyms) and the
certification ids, read once and kept in the cache: every search needs them,
and three queries a request were a third of the portal's own time at scale.
Saving or deleting any of them clears the entry (see SearchConfig.ready)."""

from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from programs.models import Certification

from .models import SearchSettings, SynonymSet

CACHE_KEY = "search:config"
#: bounds how long a change made outside the ORM (a bulk update) goes unseen
CACHE_SECONDS = 300


@dataclass(frozen=True)
class SearchConfig:
    ranking: SearchSettings
    #: (language or "" for every language, terms) of each synonym set
    synonyms: tuple[tuple[str, tuple[str, ...]], ...]
    certification_ids: frozenset[int]

    def synonym_sets(self, language: str) -> list[tuple[str, ...]]:
        return [terms for set_language, terms in self.synonyms if set_language in ("", language)]


def search_config() -> SearchConfig:
    config = cache.get(CACHE_KEY)
    if config is None:
        config = SearchConfig(
            ranking=SearchSettings.load(),
            synonyms=tuple(
                (synonym_set.language, tuple(synonym_set.term_list())) for synonym_set in SynonymSet.objects.all()
            ),
            certification_ids=frozenset(Certification.objects.values_list("pk", flat=True)),
        )
        cache.set(CACHE_KEY, config, CACHE_SECONDS)
    return config


def search_config_changed(**kwargs) -> None:
    """Forget the cached configuration now and once the change commits (a
    search between the two would cache the state before it)."""
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))
