"""The relevance suite: a constructed library of 200+ documents, graded
queries, NDCG@10 against a threshold set from the measured baseline, and no
hit the reader must not get (gated for them, or superseded).

The library is indexed once for the module (bulk, as a rebuild writes it);
the readers are real partner users with their tiers and roles.
"""

import math

import pytest
from django.conf import settings
from elasticsearch.helpers import bulk

from search.audience import audience_allows
from search.documents import document_id
from search.engine import get_client
from search.selectors import portal_search
from search.services import documents_index_ensure
from tests.factories import OrganizationFactory, PartnerTypeFactory, PartnerUserFactory, TierFactory

from .relevance_library import GOLD_TIER_KEY, SILVER_TIER_KEY, build_judgments, build_library

#: NDCG@10 measured on this library when the suite was written: 0.929 (101 queries).
#: The suite fails below the threshold (a little under the measure, so an
#: ordering change of one pair in one query does not fail it; a regression does).
NDCG_THRESHOLD = 0.91
CUTOFF = 10

LIBRARY = build_library()
JUDGMENTS = build_judgments()


@pytest.fixture(scope="module")
def relevance_index():
    client = get_client()
    pattern = f"{settings.SEARCH_INDEX_PREFIX}-*"
    client.indices.delete(index=pattern, ignore_unavailable=True, allow_no_indices=True)
    alias = documents_index_ensure()
    bulk(
        client,
        (
            {"_index": alias, "_id": document_id("page", doc_id), "_source": source}
            for doc_id, source in LIBRARY.documents.items()
        ),
        refresh=True,
    )
    yield alias
    client.indices.delete(index=pattern, ignore_unavailable=True, allow_no_indices=True)


@pytest.fixture
def readers():
    silver = TierFactory(name="Silver", translation_key=SILVER_TIER_KEY)
    gold = TierFactory(name="Gold", translation_key=GOLD_TIER_KEY)
    reseller = PartnerTypeFactory(code="reseller")

    def member(tier, roles):
        return PartnerUserFactory(organization=OrganizationFactory(tier=tier, partner_type=reseller), roles=roles)

    return {
        "silver_sales": member(silver, ["sales"]),
        "gold_sales": member(gold, ["sales"]),
        "silver_finance": member(silver, ["finance"]),
    }


def dcg(grades: list[int]) -> float:
    return sum((2**grade - 1) / math.log2(rank + 2) for rank, grade in enumerate(grades))


def ndcg_at(cutoff: int, hits: list[str], judged: dict[str, int]) -> float:
    ideal = dcg(sorted(judged.values(), reverse=True)[:cutoff])
    return dcg([judged.get(hit, 0) for hit in hits[:cutoff]]) / ideal


def test_the_library_and_judgments_are_as_large_as_promised():
    live = [source for source in LIBRARY.documents.values() if not source["deleted"]]
    assert len(live) >= 200
    assert {source["language"] for source in live} == {"en", "fr", "de"}
    assert len(JUDGMENTS) >= 60
    for judgment in JUDGMENTS:
        assert set(judgment.grades) <= set(LIBRARY.documents), judgment.query
        assert all(1 <= grade <= 3 for grade in judgment.grades.values())


@pytest.mark.django_db
def test_ndcg_at_10_stays_above_the_baseline_and_nothing_forbidden_appears(relevance_index, readers):
    scores, leaks, report = [], [], []
    for judgment in JUDGMENTS:
        user = readers[judgment.reader]
        results = portal_search(user=user, query=judgment.query, language=judgment.language)
        hits = [hit.object_id for hit in results.hits]
        for hit in hits:
            source = LIBRARY.documents[hit]
            if source["deleted"] or hit in judgment.forbidden or not audience_allows(user, source):
                leaks.append(f"{judgment.query!r} ({judgment.reader}, {judgment.language}) returned {hit}")
        score = ndcg_at(CUTOFF, hits, judgment.grades)
        scores.append(score)
        if score < 0.8:
            report.append(f"{score:.2f} {judgment.query!r} ({judgment.language}): {hits[:5]}")
    mean = sum(scores) / len(scores)
    print(f"\nNDCG@{CUTOFF} over {len(scores)} queries: {mean:.3f}\n" + "\n".join(report))  # noqa: T201 - the measured figure, for the next baseline

    assert leaks == []
    assert mean >= NDCG_THRESHOLD, "\n".join(report)
