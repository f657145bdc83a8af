"""The relevance suite: a constructed library of 200+ real pages, graded
queries, NDCG@10 against a threshold set from the measured baseline, and no
hit the reader must not get (gated for them, or superseded).

The library (relevance_library.py, the single source of entries and
judgments) is published as pages and indexed as the portal indexes them
(relevance_pages.py); the queries go to the partner search endpoint, signed
in as a real partner user with the judgment's tier and role, in its language.
"""

import math

import pytest
from django.test import Client

from programs.audience import Reader
from search import selectors
from search.audience import fields_audience, reader_allows
from search.selectors import portal_search
from tests.factories import OrganizationFactory, PartnerTypeFactory, PartnerUserFactory, TierFactory

from .relevance_library import GOLD_TIER_KEY, SILVER_TIER_KEY, build_judgments, build_library
from .relevance_pages import build_library_pages

#: NDCG@10 measured on this library built as real pages: 0.932 (101 queries;
#: 0.929 when the entries were written straight into the index as documents:
#: as pages, a data sheet's text comes from its PDF, heading included, which
#: puts launch announcements above the data sheets for "new Helix network
#: switch launch" and reorders data sheets of other families below the
#: answer); 0.930 once every word of a query without a number is required
#: (search10c: the families' "… data sheet", "… case study" and "… price
#: list" queries list only the documents holding every word). The suite
#: fails below the threshold (a little under the measure, so an ordering
#: change of one pair in one query does not fail it; a regression does).
NDCG_THRESHOLD = 0.91
CUTOFF = 10
#: a word only the first, replaced versions of the data sheets had
FIRST_EDITION_WORD = "preliminary"

LIBRARY = build_library()
JUDGMENTS = build_judgments()


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


@pytest.fixture
def library_pages(readers, home_page, search_indexes):
    return build_library_pages(LIBRARY.documents, home_page=home_page)


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


def search_api(client: Client, query: str, language: str) -> list[dict]:
    prefix = "" if language == "en" else f"/{language}"
    response = client.get(f"{prefix}/search/api/", {"q": query})
    assert response.status_code == 200, response.content[:500]
    return response.json()["hits"]


@pytest.mark.django_db
def test_ndcg_at_10_stays_above_the_baseline_and_nothing_forbidden_appears(library_pages, readers):
    live_pages = [doc_id for doc_id in library_pages.entries.values() if not LIBRARY.documents[doc_id]["deleted"]]
    assert len(live_pages) >= 200
    clients, audiences = {}, {}
    for name, user in readers.items():
        clients[name] = Client()
        clients[name].force_login(user)
        audiences[name] = Reader.for_user(user)
    scores, leaks, report = [], [], []
    for judgment in JUDGMENTS:
        hits = search_api(clients[judgment.reader], judgment.query, judgment.language)
        # Pages outside the fixture (the library page, the home page) count as unjudged.
        found = [library_pages.entries.get(hit["object_id"], f"page {hit['object_id']}") for hit in hits]
        for hit, doc_id in zip(hits, found, strict=True):
            source = LIBRARY.documents.get(doc_id)
            if source is None:
                continue
            if (
                source["deleted"]
                or doc_id in judgment.forbidden
                or not reader_allows(audiences[judgment.reader], fields_audience(source))
                or hit["version_label"] in library_pages.replaced_labels.get(hit["object_id"], ())
            ):
                leaks.append(f"{judgment.query!r} ({judgment.reader}, {judgment.language}) returned {doc_id} {hit}")
        score = ndcg_at(CUTOFF, found, judgment.grades)
        scores.append(score)
        if score < 0.8:
            report.append(f"{score:.2f} {judgment.query!r} ({judgment.language}): {found[:5]}")
    # The first versions of the data sheets live on only in their old PDFs: nobody finds them.
    entries = LIBRARY.documents.values()
    first_editions = [source for source in entries if source.get("replaced_by")]
    assert first_editions and all(FIRST_EDITION_WORD in source["body"] for source in first_editions)
    assert not any(FIRST_EDITION_WORD in source["body"] for source in entries if not source["deleted"])
    assert search_api(clients["silver_sales"], FIRST_EDITION_WORD, "en") == []
    mean = sum(scores) / len(scores)
    print(f"\nNDCG@{CUTOFF} over {len(scores)} queries: {mean:.3f}\n" + "\n".join(report))  # noqa: T201 - the measured figure, for the next baseline

    assert leaks == []
    assert mean >= NDCG_THRESHOLD, "\n".join(report)


@pytest.mark.django_db
def test_family_counts_agree_with_elasticsearchs_cardinality_on_every_query(library_pages, readers, monkeypatch):
    """The facets count a French or German reader's results by family from
    document counts less the pairs of a source and its translation that both
    match; on a library this small Elasticsearch's cardinality counts the
    families exactly, so the two must agree on every total and facet count."""
    pair_requests = []
    facet_buckets = selectors._facet_buckets

    def counting(sub_aggregations=None):
        if sub_aggregations and "pairs" in sub_aggregations:
            pair_requests.append(sub_aggregations)
        return facet_buckets(sub_aggregations)

    monkeypatch.setattr(selectors, "_facet_buckets", counting)
    queries = sorted({(judgment.query, language) for judgment in JUDGMENTS for language in ("fr", "de")})
    for query, language in queries:
        counted = portal_search(user=readers["gold_sales"], query=query, language=language)
        with monkeypatch.context() as listing:
            # more pairs possible than listed: counted by the cardinality
            listing.setattr(selectors, "FAMILIES_LISTED", 1)
            estimated = portal_search(user=readers["gold_sales"], query=query, language=language)
        assert (counted.total, counted.facets) == (estimated.total, estimated.facets), (query, language)
        assert [hit.object_id for hit in counted.hits] == [hit.object_id for hit in estimated.hits]
    # the queries found sources and translations matching together
    assert len(pair_requests) >= 10
