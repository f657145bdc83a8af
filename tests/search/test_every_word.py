"""Every plain word of a query required, with any-word matching where that
finds nothing (search.selectors._engine_search), on the real Elasticsearch."""

import pytest

from search.models import SynonymSet
from search.selectors import portal_search
from tests.factories import OrganizationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db


def test_a_document_holding_one_of_the_words_is_not_listed_when_others_hold_all(indexed, vendor_staff, found):
    indexed("storage-prices", title="Storage price list", body="What partners pay for storage.")
    indexed("network-prices", title="Networking price list", body="What partners pay for switches.")
    indexed("storage-sheet", title="Storage data sheet", body="Capacity and throughput.")
    indexed("split", title="Storage roadmap", body="The mailing list to join, and the price of the summit.")

    results = portal_search(user=vendor_staff, query="storage price list")

    # "split" holds every word, in different fields and sentences
    assert {hit.object_id for hit in results.hits} == {"storage-prices", "split"}
    assert results.total == 2
    assert found(vendor_staff, "storage price list", sort="newest") == {"storage-prices", "split"}


def test_a_word_the_language_drops_is_not_required(indexed, vendor_staff, found):
    indexed("storage-prices", title="Storage price list", body="What partners pay.")

    assert found(vendor_staff, "price list of the storage") == {"storage-prices"}


def test_a_synonyms_phrasing_stands_in_for_the_words(indexed, vendor_staff, found):
    SynonymSet.objects.create(terms="price list, rate card")
    indexed("rates", title="Rate card 2026", body="Our rate card for services.")
    indexed("calculator", title="Price calculator", body="Work out a quote.")

    assert found(vendor_staff, "price list") == {"rates"}


def test_words_no_single_document_holds_find_the_documents_holding_some(indexed, vendor_staff, found):
    indexed("storage", title="Storage data sheet", body="Capacity and throughput.")
    indexed("warranty", title="Warranty terms", body="What the extended warranty covers.")
    indexed("other", title="Channel news", body="Nothing new this week.")

    results = portal_search(user=vendor_staff, query="storage warranty")

    assert {hit.object_id for hit in results.hits} == {"storage", "warranty"}
    assert results.total == 2
    assert results.suggestion == ""
    assert found(vendor_staff, "storage warranty", sort="newest") == {"storage", "warranty"}


def test_the_any_word_fallback_keeps_the_filters(indexed, vendor_staff):
    indexed("storage", title="Storage data sheet", body="Capacity.", asset_type="datasheet")
    indexed("warranty", title="Warranty terms", body="Coverage.", asset_type="guide")

    results = portal_search(user=vendor_staff, query="storage warranty", filters={"type": "guide"})

    assert [hit.object_id for hit in results.hits] == ["warranty"]
    assert results.facets["type"] == [("guide", 1)]


def test_a_language_picked_from_an_any_word_answer_lists_what_its_count_said(indexed, vendor_staff):
    # No English document holds both words: the English reader's answer is any-word.
    indexed("storage", title="Storage data sheet", body="Capacity.")
    indexed("warranty", title="Warranty terms", body="Coverage.")
    indexed("de-both", title="Storage warranty (DE)", body="Speicher.", language="de")
    indexed("de-one", title="Warranty (DE)", body="Garantie.", language="de")

    results = portal_search(user=vendor_staff, query="storage warranty")
    assert {hit.object_id for hit in results.hits} == {"storage", "warranty"}
    assert ("de", 2) in results.facets["language"]

    picked = portal_search(user=vendor_staff, query="storage warranty", filters={"language": "de"})

    assert {hit.object_id for hit in picked.hits} == {"de-both", "de-one"}
    assert picked.total == 2


def test_a_misspelled_word_of_a_longer_query_still_finds_its_document(indexed, vendor_staff, found):
    indexed("storage-prices", title="Storage price list", body="What partners pay.")
    indexed("network-prices", title="Networking price list", body="What partners pay for switches.")
    indexed("storage-sheet", title="Storage data sheet", body="Capacity and throughput.")

    assert found(vendor_staff, "storge price list") == {"storage-prices"}
    # the misspelled word found only in a body
    indexed("body-only", title="Channel news", body="The new storage price list is out.")
    assert found(vendor_staff, "price storge") == {"storage-prices", "body-only"}


def test_a_query_neither_way_finds_still_offers_its_correction(indexed, vendor_staff):
    indexed("doc", title="SAN storage arrays", body="Our SAN lineup for midsize customers.")

    # Too far from any word for typo tolerance, each word on its own too.
    results = portal_search(user=vendor_staff, query="sna lnup")

    assert results.total == 0
    assert results.suggestion == "san lineup"


def test_with_a_model_number_the_other_words_rank_that_models_documents(indexed, vendor_staff):
    indexed("sheet", title="S700 data sheet", body="Specifications and editions.")
    indexed("prices", title="S700 price list", body="What partners pay.", age_days=1)
    indexed("other-sheet", title="S800 data sheet", body="Specifications and editions.")

    results = portal_search(user=vendor_staff, query="S700 data sheet")

    assert [hit.object_id for hit in results.hits] == ["sheet", "prices"]


def test_a_held_word_is_matched_as_written_even_inside_another_words_typo(indexed, vendor_staff, found):
    # "cove" is held by no document and keeps its typo tolerance; "cover",
    # which holds those letters, is held and must not borrow it ("coven").
    indexed("cover", title="Cover letter", body="What to send first.")
    indexed("coven", title="Coven meeting notes", body="Who came this week.")

    assert found(vendor_staff, "cover cove") == {"cover"}


def test_the_any_word_fallback_lists_only_what_the_reader_may_open(indexed, found):
    indexed("tuning", title="Storage tuning", body="Queue depths.", audience={"roles": ["technical"]})
    indexed("warranty", title="Warranty terms", body="Coverage.")
    organization = OrganizationFactory()
    technician = PartnerUserFactory(organization=organization, roles=["technical"])
    seller = PartnerUserFactory(organization=organization, roles=["sales"])

    # No document holds both words: each reader gets the any-word answer
    assert found(technician, "storage warranty") == {"tuning", "warranty"}
    assert found(seller, "storage warranty") == {"warranty"}
