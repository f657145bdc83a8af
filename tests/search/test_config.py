"""The search configuration a reading request uses is kept by the process:
a save reaches the next search at once, a change that sends no signal (a
bulk update) within the cache's lifetime."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from programs import request_memo
from programs.request_memo import remembered_for_request
from search.config import CACHE_KEY, CACHE_SECONDS, search_config
from search.models import SearchSettings

pytestmark = pytest.mark.django_db


def _weight_read_by_a_search() -> Decimal:
    with remembered_for_request():
        return search_config().ranking.popularity_weight


def test_a_saved_setting_reaches_the_next_search():
    settings = SearchSettings.load()
    settings.popularity_weight = Decimal("0.30")
    settings.save()
    assert _weight_read_by_a_search() == Decimal("0.30")

    settings.popularity_weight = Decimal("1.50")
    settings.save()

    assert _weight_read_by_a_search() == Decimal("1.50")


def test_a_bulk_update_is_seen_once_the_kept_copy_is_too_old(monkeypatch):
    SearchSettings.load().save()
    assert _weight_read_by_a_search() == Decimal("0.30")
    SearchSettings.objects.update(popularity_weight=Decimal("2.00"))  # no signal
    cache.delete(CACHE_KEY)  # as when the shared cache's entry expires

    assert _weight_read_by_a_search() == Decimal("0.30")  # the process's copy
    later = request_memo.monotonic() + CACHE_SECONDS + 1
    monkeypatch.setattr(request_memo, "monotonic", lambda: later)
    assert _weight_read_by_a_search() == Decimal("2.00")
