"""Every partner's search answers only with what that partner may open:
hits, counts, facets and autocomplete alike."""

import pytest

from programs.services.team import membership_deactivate
from search.selectors import autocomplete, portal_search
from tests.factories import (
    PASSWORD,
    CertificationFactory,
    OrganizationFactory,
    PartnerTypeFactory,
    PartnerUserFactory,
    TierFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ladder():
    return {"silver": TierFactory(name="Silver"), "gold": TierFactory(name="Gold")}


@pytest.fixture
def corpus(indexed, ladder):
    gold, silver = ladder["gold"].translation_key, ladder["silver"].translation_key
    indexed("all", title="Pricing basics", asset_type="guide")
    indexed("gold", title="Gold pricing sheet", asset_type="price-list", audience={"tiers": [gold]})
    indexed(
        "silver-gold-sales",
        title="Pricing playbook",
        asset_type="playbook",
        audience={"tiers": [silver, gold], "roles": ["sales"]},
    )
    indexed(
        "msp",
        title="MSP pricing bundles",
        asset_type="price-list",
        audience={"partner_types": [PartnerTypeFactory(code="msp").translation_key]},
    )
    return {"gold": gold, "silver": silver}


def partner(tier, roles, partner_type_code="reseller"):
    organization = OrganizationFactory(tier=tier, partner_type=PartnerTypeFactory(code=partner_type_code))
    return PartnerUserFactory(organization=organization, roles=roles)


@pytest.mark.parametrize(
    ("tier", "roles", "partner_type", "expected"),
    [
        ("silver", ["marketing"], "reseller", {"all"}),
        ("silver", ["sales"], "reseller", {"all", "silver-gold-sales"}),
        ("gold", ["marketing"], "reseller", {"all", "gold"}),
        ("gold", ["sales"], "reseller", {"all", "gold", "silver-gold-sales"}),
        ("silver", ["marketing"], "msp", {"all", "msp"}),
    ],
)
def test_each_partner_finds_exactly_their_documents(corpus, ladder, tier, roles, partner_type, expected):
    user = partner(ladder[tier], roles, partner_type)

    results = portal_search(user=user, query="pricing")

    assert {hit.object_id for hit in results.hits} == expected
    assert results.total == len(expected)
    facet_total = sum(count for _, count in results.facets["type"])
    assert facet_total == len(expected), "facet counts must not reveal hidden documents"


def test_autocomplete_suggests_only_visible_titles(corpus, ladder):
    silver_marketer = partner(ladder["silver"], ["marketing"])
    gold_marketer = partner(ladder["gold"], ["marketing"])

    assert {s["title"] for s in autocomplete(user=silver_marketer, prefix="pric")} == {"Pricing basics"}
    assert {s["title"] for s in autocomplete(user=gold_marketer, prefix="gold pri")} == {"Gold pricing sheet"}
    assert autocomplete(user=silver_marketer, prefix="gold pri") == []


def test_required_certification_must_be_held_by_the_reader(indexed, ladder):
    from django.utils import timezone

    from programs.models import PersonCertification

    certification = CertificationFactory(code="storage-engineer")
    indexed("lab", title="Lab pricing calculator", audience={"certifications": [certification.pk]})
    engineer = partner(ladder["gold"], ["technical"])
    colleague = PartnerUserFactory(organization=engineer.membership.organization, roles=["technical"])
    PersonCertification.objects.create(
        organization=engineer.membership.organization,
        user=engineer,
        certification=certification,
        earned_at=timezone.now(),
    )

    assert [hit.object_id for hit in portal_search(user=engineer, query="lab pricing").hits] == ["lab"]
    assert portal_search(user=colleague, query="lab pricing").total == 0


def test_the_api_reads_the_certifications_held_today(client, indexed, ladder):
    # Through a request, the certifications come with the membership's query.
    import datetime

    from django.utils import timezone

    from programs.models import PersonCertification

    certification = CertificationFactory(code="storage-engineer")
    indexed("lab", title="Lab pricing calculator", audience={"certifications": [certification.pk]})
    indexed("guide", title="Lab pricing guide")
    engineer = partner(ladder["gold"], ["technical"])
    lapsed = PartnerUserFactory(organization=engineer.membership.organization, roles=["technical"])
    now = timezone.now()
    for person, expires_at in ((engineer, None), (lapsed, now - datetime.timedelta(days=1))):
        PersonCertification.objects.create(
            organization=engineer.membership.organization,
            user=person,
            certification=certification,
            earned_at=now - datetime.timedelta(days=400),
            expires_at=expires_at,
        )

    def found(user):
        client.force_login(user)
        return sorted(hit["object_id"] for hit in client.get("/search/api/", {"q": "lab pricing"}).json()["hits"])

    assert found(engineer) == ["guide", "lab"]
    assert found(lapsed) == ["guide"]


def test_vendor_staff_search_everything(corpus, vendor_staff):
    assert portal_search(user=vendor_staff, query="pricing").total == 4


def test_a_person_whose_membership_ended_finds_nothing(client, corpus, ladder):
    former = partner(ladder["gold"], ["sales"])
    owner = PartnerUserFactory(organization=former.membership.organization, roles=["owner"])
    assert client.login(username=former.username, password=PASSWORD)
    assert client.get("/search/api/", {"q": "pricing"}).json()["total"] == 3

    membership_deactivate(membership=former.membership, actor=owner)

    # The same session's next requests: what the process kept of the
    # membership must not outlive it.
    payload = client.get("/search/api/", {"q": "pricing"}).json()
    assert (payload["total"], payload["hits"]) == (0, [])
    assert not any(payload["facets"].values())
    assert client.get("/search/autocomplete/", {"q": "pric"}).json()["suggestions"] == []


def test_search_api_and_page_answer_per_user(client, corpus, ladder):
    user = partner(ladder["silver"], ["sales"])
    assert client.login(username=user.username, password=PASSWORD)

    payload = client.get("/search/api/", {"q": "pricing"}).json()
    page = client.get("/search/", {"q": "pricing"})

    assert {hit["object_id"] for hit in payload["hits"]} == {"all", "silver-gold-sales"}
    assert page.status_code == 200
    assert "Pricing playbook" in page.content.decode()
    assert "Gold pricing sheet" not in page.content.decode()
    suggestions = client.get("/search/autocomplete/", {"q": "gold"}).json()["suggestions"]
    assert suggestions == []


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get("/search/", {"q": "pricing"})

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_did_you_mean_never_offers_a_word_only_hidden_documents_contain(indexed, ladder):
    # Words of three letters are too short for typo tolerance, so a typo in
    # them finds nothing and the suggestion is offered.
    gold = ladder["gold"].translation_key
    indexed("gold-only", title="Gold rebate grid", body="Zanzibar qix rebates", audience={"tiers": [gold]})
    indexed("everyone", title="Partner basics", body="Zanzibar zed basics for everyone", audience=None)
    silver_partner, gold_partner = partner(ladder["silver"], ["sales"]), partner(ladder["gold"], ["sales"])

    assert portal_search(user=gold_partner, query="qxi").suggestion == "qix"
    assert portal_search(user=silver_partner, query="qxi").suggestion == ""
    assert portal_search(user=silver_partner, query="zde").suggestion == "zed"
