"""A reader searches in their language and falls back to the source language
(English) only where no translation exists; the fallback is marked."""

import pytest
from django.test import Client
from wagtail.models import Locale

from content.models import LibraryPage
from search import selectors
from search.selectors import autocomplete, portal_search
from search.services import outbox_drain
from tests.factories import OrganizationFactory, PartnerUserFactory
from tests.factories.content import asset_type, publish_asset

pytestmark = pytest.mark.django_db


@pytest.fixture
def french():
    return Locale.objects.get_or_create(language_code="fr")[0]


@pytest.fixture
def library(home_page, search_indexes):
    from tests.factories.content import publish_page

    return publish_page(home_page, LibraryPage, title="Library")


@pytest.fixture
def partner():
    return PartnerUserFactory(organization=OrganizationFactory(), roles=["sales"])


def translate(page, locale, title):
    """A published translation of ``page`` (parents copied as needed)."""
    translation = page.copy_for_translation(locale, copy_parents=True, alias=False)
    translation.title = title
    translation.summary = f"{title}."
    translation.save_revision().publish()
    return type(translation).objects.get(pk=translation.pk)


def search(user, query, reader_language, **filters):
    outbox_drain(refresh=True)
    return portal_search(user=user, query=query, language=reader_language, filters=filters)


def test_a_french_reader_gets_the_translation_and_english_only_where_none_exists(library, partner, french):
    translated = publish_asset(library, "Zephyr price list")
    untranslated = publish_asset(library, "Zephyr battle card")
    french_price_list = translate(translated, french, "Tarifs Zephyr")

    french_hits = search(partner, "zephyr", "fr").hits

    assert [(hit.object_id, hit.in_other_language) for hit in french_hits] == [
        (str(french_price_list.pk), False),
        (str(untranslated.pk), True),
    ]
    english_hits = search(partner, "zephyr", "en").hits
    assert {hit.object_id for hit in english_hits} == {str(translated.pk), str(untranslated.pk)}
    assert not any(hit.in_other_language for hit in english_hits)


def test_the_fallback_returns_when_the_translation_is_unpublished(library, partner, french):
    source = publish_asset(library, "Quokka data sheet")
    translation = translate(source, french, "Fiche technique Quokka")
    assert [hit.object_id for hit in search(partner, "quokka", "fr").hits] == [str(translation.pk)]

    translation.unpublish()

    [hit] = search(partner, "quokka", "fr").hits
    assert (hit.object_id, hit.in_other_language) == (str(source.pk), True)


def test_a_french_reader_gets_the_english_source_where_only_it_matches(library, partner, french):
    price_list = publish_asset(library, "Storage price list", summary="Storage pricing for partners.")
    translate(price_list, french, "Tarifs stockage")
    battle_card = publish_asset(library, "Storage battle card", summary="Pricing objections answered.")
    translate(battle_card, french, "Argumentaire stockage pricing")

    results = search(partner, "pricing", "fr")

    # The battle card's translation matches, so it is shown; the price list's
    # does not ("tarifs"), so its English source is, marked with its language.
    assert sorted((hit.title, hit.language, hit.in_other_language) for hit in results.hits) == [
        ("Argumentaire stockage pricing", "fr", False),
        ("Storage price list", "en", True),
    ]
    assert results.total == 2
    assert dict(results.facets["language"]) == {"fr": 1, "en": 1}
    assert dict(results.facets["type"]) == {"price-list": 2}


def test_language_counts_match_what_the_reader_gets(library, partner, french):
    for name in ("Wombat case study", "Wombat price list", "Wombat battle card"):
        translate(publish_asset(library, name), french, f"{name} (FR)")
    publish_asset(library, "Wombat data sheet")

    results = search(partner, "wombat", "fr")

    # Three translations match, so their originals are not counted.
    assert results.total == 4
    assert dict(results.facets["language"]) == {"fr": 3, "en": 1}
    assert sum(count for _, count in results.facets["language"]) == results.total
    english = search(partner, "wombat", "fr", language="en")
    assert [(hit.title, hit.in_other_language) for hit in english.hits] == [("Wombat data sheet", True)]
    assert english.total == 1
    french_only = search(partner, "wombat", "fr", language="fr")
    assert french_only.total == 3


@pytest.mark.parametrize("listed", [None, 1], ids=["counted", "estimated"])
def test_facets_count_what_the_reader_gets_per_family(library, partner, french, monkeypatch, listed):
    for name, code in (("Wombat case study", "case-study"), ("Wombat price list", "price-list")):
        translate(publish_asset(library, name, asset_type=asset_type(code)), french, f"{name} (FR)")
    translate(
        publish_asset(library, "Wombat battle card", asset_type=asset_type("battle-card")), french, "Argumentaire"
    )
    publish_asset(library, "Wombat data sheet", asset_type=asset_type("price-list"))
    if listed:
        # more families whose source and translation both match than the
        # facets' request lists: counted by Elasticsearch's cardinality
        monkeypatch.setattr(selectors, "FAMILIES_LISTED", listed)

    results = search(partner, "wombat", "fr")

    # Two pairs show once each, the battle card in English (its translation
    # does not match), the data sheet has no translation.
    assert results.total == 4
    assert dict(results.facets["language"]) == {"fr": 2, "en": 2}
    assert dict(results.facets["type"]) == {"price-list": 2, "case-study": 1, "battle-card": 1}
    assert dict(results.facets["updated"]) == {"7d": 4, "30d": 4, "365d": 4}
    price_lists = search(partner, "wombat", "fr", type="price-list")
    assert price_lists.total == 2
    assert sorted((hit.language, hit.in_other_language) for hit in price_lists.hits) == [("en", True), ("fr", False)]


def test_autocomplete_offers_the_readers_language(library, partner, french):
    source = publish_asset(library, "Narwhal pricing")
    translate(source, french, "Narwhal tarifs")
    outbox_drain(refresh=True)

    assert [s["title"] for s in autocomplete(user=partner, prefix="narwh", language="fr")] == ["Narwhal tarifs"]
    assert [s["title"] for s in autocomplete(user=partner, prefix="narwh", language="en")] == ["Narwhal pricing"]


def test_the_search_page_marks_english_fallbacks(library, partner, french):
    publish_asset(library, "Platypus battle card")
    outbox_drain(refresh=True)
    client = Client()
    client.force_login(partner)

    response = client.get("/fr/search/", {"q": "platypus"})

    assert response.status_code == 200
    assert "Platypus battle card" in response.content.decode()
    # the English title carries its language; the badge is in the reader's (WCAG 3.1.2)
    assert 'lang="en">Platypus battle card</a>' in response.content.decode()
    assert '<span class="badge language">' in response.content.decode()
