"""Documents are analysed in their own language (hunspell stemming)."""

import pytest

from search.selectors import portal_search

pytestmark = pytest.mark.django_db


def _localized(language, title, body=""):
    return {"language": language, "localized": {language: {"title": title, "body": body}}}


def test_french_plural_finds_the_singular(indexed, vendor_staff):
    indexed("fr", title="Tarif revendeur 2026", **_localized("fr", "Tarif revendeur 2026", "Le tarif officiel"))

    results = portal_search(user=vendor_staff, query="tarifs", language="fr")

    assert [hit.object_id for hit in results.hits] == ["fr"]


def test_german_plural_compound_finds_the_singular(indexed, vendor_staff):
    indexed("de", title="Preisliste Speicher", **_localized("de", "Preisliste Speicher"))

    results = portal_search(user=vendor_staff, query="Preislisten", language="de")

    assert [hit.object_id for hit in results.hits] == ["de"]


def test_a_japanese_query_finds_japanese_content(indexed, vendor_staff):
    indexed("ja", title="価格表 2026", **_localized("ja", "価格表 2026", "パートナー向けの価格表です"))
    indexed("en", title="Price list 2026", **_localized("en", "Price list 2026"))

    results = portal_search(user=vendor_staff, query="価格表", language="ja")

    assert [hit.object_id for hit in results.hits] == ["ja"]


def test_readers_language_ranks_first(indexed, vendor_staff):
    indexed("en", title="Reseller price list", **_localized("en", "Reseller price list"))
    indexed("fr", title="Reseller price list", **_localized("fr", "Reseller price list"))

    results = portal_search(user=vendor_staff, query="reseller price list", language="fr")

    assert [hit.object_id for hit in results.hits] == ["fr", "en"]
