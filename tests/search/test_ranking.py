import pytest

from content.models import SectionPage
from search.models import BestBet, SearchSettings, SynonymSet
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


def test_promoted_results_follow_the_admin_and_publishing_at_once(indexed, vendor_staff, home_page):
    indexed("doc", title="Deal registration FAQ", body="How to register deals")
    guide = home_page.add_child(instance=SectionPage(title="Registration guide"))
    guide.save_revision().publish()
    BestBet.objects.create(query="deal registration", page=guide)
    assert [hit.title for hit in portal_search(user=vendor_staff, query="deal registration").hits if hit.promoted] == [
        "Registration guide"
    ]

    BestBet.objects.create(query="deal registration", page=home_page, sort_order=1)
    promoted = [hit.title for hit in portal_search(user=vendor_staff, query="deal registration").hits if hit.promoted]
    assert promoted == ["Registration guide", home_page.title]

    guide.unpublish()
    promoted = [hit.title for hit in portal_search(user=vendor_staff, query="deal registration").hits if hit.promoted]
    assert promoted == [home_page.title]


def test_no_results_offer_a_did_you_mean(indexed, vendor_staff):
    indexed("doc", title="SAN storage arrays", body="Our SAN lineup for midsize customers.")

    # Too short for typo tolerance, so nothing matches; the suggestion does.
    results = portal_search(user=vendor_staff, query="sna")

    assert results.total == 0
    assert results.suggestion == "san"


def test_a_typo_that_finds_nothing_gets_its_suggestion_without_a_request_of_its_own(
    indexed, vendor_staff, engine_requests
):
    indexed("doc", title="SAN storage arrays", body="Our SAN lineup for midsize customers.")

    results = portal_search(user=vendor_staff, query="sna")

    assert (results.total, results.suggestion) == (0, "san")
    kinds = [request.kind for request in engine_requests]
    # The words asked about while the search runs as if the index held
    # them; it does not: the search again, with the spelling candidates;
    # the candidates counted.
    assert sorted(kinds[:2]) == ["msearch", "termvectors"]
    assert kinds[2:] == ["msearch", "msearch"]
    assert "suggest" not in _facet_request(engine_requests[kinds.index("msearch")])
    assert "suggest" in _facet_request(engine_requests[2])

    # A query of words the index holds asks for no spelling with its results.
    engine_requests.clear()
    assert portal_search(user=vendor_staff, query="lineup").total == 1
    assert sorted(request.kind for request in engine_requests) == ["msearch", "termvectors"]
    assert "suggest" not in _facet_request(next(request for request in engine_requests if request.kind == "msearch"))


def _facet_request(multi_search) -> dict:
    """The facet counts' request of a portal search's multi-search (its
    second search: header and body lines alternate)."""
    return multi_search.arguments["searches"][3]


def test_a_typo_finds_a_word_that_only_the_body_holds(indexed, vendor_staff):
    indexed("terms", title="Channel news for March", body="The extended warranty terms now cover refurbished units.")
    indexed("other", title="Channel news for April", body="Nothing about that here.")

    results = portal_search(user=vendor_staff, query="waranty")

    assert [hit.object_id for hit in results.hits] == ["terms"]
    assert results.suggestion == ""


def test_words_the_index_holds_that_find_nothing_ask_for_no_spelling(indexed, vendor_staff, engine_requests):
    indexed("doc", title="SAN storage arrays", body="Our SAN lineup for midsize customers.", asset_type="data-sheet")

    # Spelled as the index spells them: the filter left nothing, no correction would.
    results = portal_search(user=vendor_staff, query="storage lineup", filters={"type": "price-list"})

    assert (results.total, results.suggestion) == (0, "")
    assert sorted(request.kind for request in engine_requests) == ["msearch", "msearch", "termvectors"]
    assert all("suggest" not in _facet_request(request) for request in engine_requests if request.kind == "msearch")

    # A model number is never asked about: one that finds nothing still gets its correction.
    indexed("model", title="S900 data sheet", body="The S900 specifications.")
    assert portal_search(user=vendor_staff, query="S950").suggestion == "s900"


def test_an_exact_word_ranks_above_a_typo_match(indexed, vendor_staff):
    indexed("near", title="Replication guide", body="Set up replicaton between sites.")
    indexed("exact", title="Replication guide", body="Set up replication between sites.")

    results = portal_search(user=vendor_staff, query="replication between sites")

    assert [hit.object_id for hit in results.hits] == ["exact", "near"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("price list July 2025", {"july-2025"}),
        ("2026 price list", {"october-2026"}),
        ("S900 data sheet", {"s900"}),
        ("s800", {"s800"}),
        ("B400", {"b400"}),
        ("B410", set()),
        ("firmware 2.1", {"firmware-2.1"}),
    ],
)
def test_numbers_years_versions_and_model_numbers_match_exactly(indexed, vendor_staff, query, expected):
    indexed("july-2025", title="Price list July 2025", body="Prices in force from July 2025.")
    indexed("october-2026", title="Price list October 2026", body="Prices in force from October 2026.")
    indexed("s900", title="Nimbus S900 data sheet", body="The S900 all-flash array.")
    indexed("s800", title="Nimbus S800 data sheet", body="The S800 hybrid array.")
    indexed("b400", title="Borealis B400 backup appliance", body="Model B400, 48 TB.")
    indexed("firmware-2.1", title="Firmware 2.1 release notes", body="What changed in 2.1.")
    indexed("firmware-2.0", title="Firmware 2.0 release notes", body="What changed in 2.0.")

    results = portal_search(user=vendor_staff, query=query)

    assert {hit.object_id for hit in results.hits} == expected


def test_a_misspelled_word_next_to_a_model_number_still_matches(indexed, vendor_staff):
    indexed("s900", title="Nimbus S900 data sheet", body="The S900 all-flash array.")
    indexed("s800", title="Nimbus S800 data sheet", body="The S800 hybrid array.")

    results = portal_search(user=vendor_staff, query="S900 nimbis")

    assert [hit.object_id for hit in results.hits] == ["s900"]


def _set_recency(share: int, half_life_days: int = 90) -> None:
    ranking = SearchSettings.load()
    ranking.recency_share = share
    ranking.recency_pivot_days = half_life_days
    ranking.save()


def test_the_newer_of_two_similar_matches_wins_and_the_share_is_configurable(indexed, vendor_staff):
    # The older one is a slightly better text match (a shorter title).
    indexed("older", title="Storage battle card", body="Objection handling for storage deals.", age_days=365)
    indexed("newer", title="Storage battle card for partners", body="Objection handling for storage deals.")

    _set_recency(share=0)
    assert [hit.object_id for hit in portal_search(user=vendor_staff, query="storage battle card").hits] == [
        "older",
        "newer",
    ]

    _set_recency(share=30)
    assert [hit.object_id for hit in portal_search(user=vendor_staff, query="storage battle card").hits] == [
        "newer",
        "older",
    ]


def test_a_clearly_better_text_match_beats_a_newer_weak_one(indexed, vendor_staff):
    _set_recency(share=30, half_life_days=30)
    indexed("old", title="Deal registration guide", body="How to register a deal, step by step.", age_days=900)
    indexed("new", title="Partner newsletter", body="Also in this issue: deal registration changes.", age_days=0)

    results = portal_search(user=vendor_staff, query="deal registration")

    assert [hit.object_id for hit in results.hits] == ["old", "new"]


def test_of_two_equal_titles_the_one_whose_text_also_holds_the_words_wins(indexed, vendor_staff):
    # The engine finds the matches on their best field (the title here, the
    # same for both); the ranking still counts the other fields a little,
    # enough to outweigh three weeks of recency.
    indexed("covers", title="Storage battle card", body="The storage battle card for objection handling.", age_days=21)
    indexed("newer", title="Storage battle card", body="Quarterly programme update.")

    results = portal_search(user=vendor_staff, query="storage battle card")

    assert [hit.object_id for hit in results.hits] == ["covers", "newer"]


def test_a_misspelled_word_found_in_more_of_a_document_still_counts_in_the_ranking(indexed, vendor_staff):
    # Both titles hold the two words ("warrenty" found by its typo
    # tolerance); the engine finds the matches by their best clause, the
    # exact word, but the ranking adds the typo's matches in the body too,
    # enough to outweigh a day of recency.
    indexed(
        "covers",
        title="Storage warranty",
        body="Every warranty claim and warranty extension explained.",
        age_days=1,
    )
    indexed("newer", title="Storage warranty", body="Quarterly programme update.")

    results = portal_search(user=vendor_staff, query="storage warrenty")

    assert [hit.object_id for hit in results.hits] == ["covers", "newer"]
