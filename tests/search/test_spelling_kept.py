"""A typo repeated under the same filters gets its "did you mean" without
asking the engine again (search/spelling.py), on the real Elasticsearch,
through the search API as partners call it."""

import pytest

from search import spelling
from search.services import documents_reindex
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def searched(client, engine_requests):
    """``searched(user, query)``: the total, the suggestion and the kinds of
    the engine requests of one search ("candidates" for the multi-search
    counting the spelling candidates under the reader's filters)."""

    def search(user, query: str) -> tuple[int, str, list[str]]:
        client.force_login(user)
        before = len(engine_requests)
        answer = client.get("/search/api/", {"q": query})
        assert answer.status_code == 200
        body = answer.json()
        return body["total"], body["suggestion"], [_kind(request) for request in engine_requests[before:]]

    return search


def _kind(request) -> str:
    bodies = request.arguments.get("searches", [])[1::2]
    if request.kind == "msearch" and all(body.get("track_total_hits") == 1 for body in bodies):
        return "candidates"
    return request.kind


def partner(tier=None):
    return PartnerUserFactory(organization=OrganizationFactory(tier=tier), roles=["sales"])


def test_a_repeated_typo_gets_its_suggestion_with_one_engine_request(indexed, searched):
    indexed("san", title="SAN storage arrays", body="Our SAN lineup for midsize customers.")
    seller, colleague = partner(), partner()

    total, suggestion, first = searched(seller, "sna")
    assert (total, suggestion) == (0, "san")
    assert first[-1] == "candidates"

    # Another partner who sees the same documents makes the same typo.
    assert searched(colleague, "sna") == (0, "san", ["msearch"])
    assert searched(seller, "SNA") == (0, "san", ["msearch"])


def test_a_suggestion_kept_for_one_audience_is_not_offered_to_another(indexed, searched):
    gold, silver = TierFactory(name="Gold"), TierFactory(name="Silver")
    indexed(
        "gold-only", title="Gold rebate grid", body="Zanzibar qix rebates", audience={"tiers": [gold.translation_key]}
    )
    gold_partner, silver_partner = partner(gold), partner(silver)

    assert searched(gold_partner, "qxi")[:2] == (0, "qix")
    # The silver partner may not open the only document holding "qix".
    total, suggestion, asked = searched(silver_partner, "qxi")
    assert (total, suggestion) == (0, "")
    assert asked == ["msearch", "candidates"]
    # and each keeps their own answer
    assert searched(gold_partner, "qxi") == (0, "qix", ["msearch"])
    assert searched(silver_partner, "qxi") == (0, "", ["msearch"])


def test_a_kept_answer_expires_and_a_rebuilt_index_asks_again(indexed, searched, monkeypatch):
    indexed("other", title="Channel news", body="Nothing new this week.")
    seller = partner()
    assert searched(seller, "sna")[:2] == (0, "")

    # Published meanwhile: the kept "none" stands until it expires ...
    indexed("san", title="SAN storage arrays", body="Our SAN lineup for midsize customers.")
    assert searched(seller, "sna") == (0, "", ["msearch"])
    later = spelling.time() + spelling.KEEP_SECONDS + 1
    monkeypatch.setattr(spelling, "time", lambda: later)
    assert searched(seller, "sna")[:2] == (0, "san")

    # A rebuilt index drops what was kept under the previous one.
    documents_reindex()
    total, suggestion, asked = searched(seller, "sna")
    assert (total, suggestion) == (0, "san")
    assert asked[-1] == "candidates"
