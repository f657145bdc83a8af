"""What one partner search costs the database: a fixed number of queries,
whatever the number of hits or promoted pages (bench/search_request_cost.py
times it and counts the engine requests)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from content.models import SectionPage
from search.models import BestBet
from tests.factories import PASSWORD, OrganizationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db

#: the session (the user with their own and their groups' permissions, and the
#: partner membership with the held certifications, are kept by the process
#: until a change to them is recorded: programs.access_reads; the search
#: settings, synonyms, promoted results and certification ids are kept too;
#: the query log is written by a worker)
SEARCH_REQUEST_QUERIES = 1


def _signed_in_partner(client):
    user = PartnerUserFactory(organization=OrganizationFactory(), roles=["sales"])
    assert client.login(username=user.username, password=PASSWORD)
    return user


def test_a_partner_search_costs_the_same_queries_however_many_hits(client, indexed):
    _signed_in_partner(client)
    indexed("doc-0", title="Storage price list 0")
    client.get("/search/api/", {"q": "storage"})  # the process's first request loads the published strings
    with CaptureQueriesContext(connection) as one_hit:
        assert client.get("/search/api/", {"q": "storage price list"}).json()["total"] == 1
    for number in range(1, 12):
        indexed(f"doc-{number}", title=f"Storage price list {number}")

    with CaptureQueriesContext(connection) as many_hits:
        assert client.get("/search/api/", {"q": "storage price list"}).json()["total"] == 12

    assert len(many_hits) <= len(one_hit)
    assert len(many_hits) <= SEARCH_REQUEST_QUERIES, [query["sql"][:80] for query in many_hits.captured_queries]


def test_promoted_pages_cost_the_same_queries_however_many(client, indexed, home_page):
    _signed_in_partner(client)
    indexed("doc", title="Deal registration FAQ")
    pages = []
    for number in range(4):
        page = home_page.add_child(instance=SectionPage(title=f"Registration guide {number}"))
        page.save_revision().publish()
        pages.append(page)
    BestBet.objects.create(query="deal registration", page=pages[0])
    with CaptureQueriesContext(connection) as one_promoted:
        assert [hit["promoted"] for hit in client.get("/search/api/", {"q": "deal registration"}).json()["hits"]] == [
            True,
            False,
        ]
    for order, page in enumerate(pages[1:], start=1):
        BestBet.objects.create(query="deal registration", page=page, sort_order=order)

    with CaptureQueriesContext(connection) as four_promoted:
        hits = client.get("/search/api/", {"q": "deal registration"}).json()["hits"]

    assert [hit["title"] for hit in hits if hit["promoted"]] == [page.title for page in pages]
    assert len(four_promoted) <= len(one_promoted)
