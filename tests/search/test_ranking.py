import pytest

from search.models import BestBet, SynonymSet
from search.selectors import portal_search

pytestmark = pytest.mark.django_db


def titles(results):
    return [hit.title for hit in results.hits]


def test_among_equally_relevant_documents_the_newer_ranks_first(indexed, vendor_staff):
    indexed("old", title="Storage battle card", body="Objection handling", age_days=400)
    indexed("new", title="Storage battle card", body="Objection handling", age_days=3)

    results = portal_search(user=vendor_staff, query="storage battle card")

    assert [hit.object_id for hit in results.hits] == ["new", "old"]


def test_an_exact_title_match_outranks_a_newer_body_only_mention(indexed, vendor_staff):
    indexed("title", title="EMEA price list", body="All list prices for EMEA partners.", age_days=200)
    indexed("body", title="Weekly channel news", body="Reminder: the EMEA price list changes soon.", age_days=1)

    results = portal_search(user=vendor_staff, query="EMEA price list")

    assert [hit.object_id for hit in results.hits][0] == "title"


def test_a_misspelled_query_still_finds_the_document(indexed, vendor_staff):
    indexed("pricing", title="Partner pricing overview", body="How pricing works for resellers.")

    results = portal_search(user=vendor_staff, query="pricng")

    assert [hit.object_id for hit in results.hits] == ["pricing"]


def test_a_synonym_added_in_the_admin_applies_without_reindexing(indexed, vendor_staff):
    indexed("rates", title="Rate card 2026", body="Our rate card for services.")
    assert portal_search(user=vendor_staff, query="price list").total == 0

    SynonymSet.objects.create(terms="price list, pricing, rate card")

    assert titles(portal_search(user=vendor_staff, query="price list")) == ["Rate card 2026"]


def test_newest_sort_ignores_relevance(indexed, vendor_staff):
    indexed("a", title="Backup guide", body="backup backup backup", age_days=30)
    indexed("b", title="Cloud notes", body="mentions backup once", age_days=1)

    results = portal_search(user=vendor_staff, query="backup", sort="newest")

    assert [hit.object_id for hit in results.hits] == ["b", "a"]


def test_a_best_bet_is_promoted_to_the_top(indexed, vendor_staff, home_page):
    indexed("doc", title="Deal registration FAQ", body="How to register deals")
    BestBet.objects.create(query="  Deal   Registration ", page=home_page)

    results = portal_search(user=vendor_staff, query="deal registration")

    assert results.hits[0].promoted is True
    assert results.hits[0].object_id == str(home_page.pk)
    assert "Deal registration FAQ" in titles(results)


def test_no_results_offer_a_did_you_mean(indexed, vendor_staff):
    indexed("doc", title="SAN storage arrays", body="Our SAN lineup for midsize customers.")

    # Too short for typo tolerance, so nothing matches; the suggestion does.
    results = portal_search(user=vendor_staff, query="sna")

    assert results.total == 0
    assert results.suggestion == "san"
