"""Queries whose words no document holds together (search/together.py): the
next search for them asks for any word at once, on the real Elasticsearch,
through the search API as partners call it."""

import json
from datetime import timedelta

import pytest

from search import together
from search.services import documents_reindex
from tests.factories import OrganizationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def written_before_means_searchable(monkeypatch):
    """The documents indexed here are searchable once written (the fixture
    refreshes): a kept answer's check then needs to look at the documents
    written since it was learnt only, so that what the answer itself must
    get right is not covered by the documents written just before."""
    monkeypatch.setattr(together, "VISIBLE_WITHIN", timedelta(0))


@pytest.fixture
def searched(client, engine_requests):
    """``searched(user, query, **parameters)``: the ids the search API lists
    for the signed-in ``user``, its total, and the multi-searches it sent
    (each a list of its searches' bodies)."""

    def search(user, query: str, **parameters) -> tuple[set[str], int, list[list[dict]]]:
        client.force_login(user)
        before = len(engine_requests)
        answer = client.get("/search/api/", {"q": query, **parameters})
        assert answer.status_code == 200
        multi_searches = [
            request.arguments["searches"][1::2] for request in engine_requests[before:] if request.kind == "msearch"
        ]
        body = answer.json()
        return {hit["object_id"] for hit in body["hits"]}, body["total"], multi_searches

    return search


def _every_word_required(multi_search: list[dict]) -> bool:
    """Whether the multi-search's ranked search required every word (the
    filter _every_word adds to the text query)."""
    return "zero_terms_query" in json.dumps(multi_search[0])


@pytest.fixture
def organization():
    return OrganizationFactory()


@pytest.fixture
def seller(organization):
    return PartnerUserFactory(organization=organization, roles=["sales"])


def test_the_next_search_for_words_no_document_holds_together_asks_once(indexed, seller, searched):
    indexed("storage", title="Storage data sheet", body="Capacity and throughput.")
    indexed("warranty", title="Warranty terms", body="What the extended warranty covers.")
    indexed("other", title="Channel news", body="Nothing new this week.")

    first = searched(seller, "storage warranty")
    # every word first, then any word
    assert first[:2] == ({"storage", "warranty"}, 2)
    assert [_every_word_required(multi) for multi in first[2]] == [True, False]

    again = searched(seller, "storage warranty")

    assert again[:2] == ({"storage", "warranty"}, 2)
    assert [_every_word_required(multi) for multi in again[2]] == [False]


def test_a_document_holding_every_word_written_later_is_listed_alone(indexed, seller, searched):
    indexed("storage", title="Storage data sheet", body="Capacity and throughput.")
    indexed("warranty", title="Warranty terms", body="What the extended warranty covers.")
    assert searched(seller, "storage warranty")[:2] == ({"storage", "warranty"}, 2)
    assert len(searched(seller, "storage warranty")[2]) == 1

    indexed("both", title="Storage warranty", body="Five years on every array.")

    assert searched(seller, "storage warranty")[:2] == ({"both"}, 1)
    # and every word is required again from then on
    assert searched(seller, "storage warranty")[:2] == ({"both"}, 1)


def test_a_document_one_reader_may_not_open_keeps_every_word_required_for_the_others(
    indexed, organization, seller, searched
):
    indexed("storage", title="Storage data sheet", body="Capacity and throughput.")
    indexed("warranty", title="Warranty terms", body="What the extended warranty covers.")
    indexed("both", title="Storage warranty claims", body="For technicians.", audience={"roles": ["technical"]})
    technician = PartnerUserFactory(organization=organization, roles=["technical"])

    # The seller may not open "both": every word finds nothing in their view.
    assert searched(seller, "storage warranty")[:2] == ({"storage", "warranty"}, 2)
    assert searched(seller, "storage warranty")[:2] == ({"storage", "warranty"}, 2)

    assert searched(technician, "storage warranty")[:2] == ({"both"}, 1)


def test_what_is_kept_for_one_type_leaves_the_other_types_alone(indexed, seller, searched):
    indexed("storage", title="Storage data sheet", body="Capacity.", asset_type="datasheet")
    indexed("warranty", title="Warranty terms", body="Coverage.", asset_type="guide")
    indexed("both", title="Storage warranty data sheet", body="Five years.", asset_type="datasheet")

    for _ in range(2):
        assert searched(seller, "storage warranty", type="guide")[:2] == ({"warranty"}, 1)

    assert searched(seller, "storage warranty")[:2] == ({"both"}, 1)
    assert searched(seller, "storage warranty", type="datasheet")[:2] == ({"both"}, 1)


def test_a_rebuilt_index_is_searched_for_every_word_again(indexed, seller, searched):
    indexed("storage", title="Storage data sheet", body="Capacity.")
    indexed("warranty", title="Warranty terms", body="Coverage.")
    searched(seller, "storage warranty")
    assert [_every_word_required(multi) for multi in searched(seller, "storage warranty")[2]] == [False]

    documents_reindex()

    assert [_every_word_required(multi) for multi in searched(seller, "storage warranty")[2]] == [True, False]
